"""The materials checklist of 落户办理 (seed 004 第十一条, 附件1), children's rules by birth date."""

from __future__ import annotations

from datetime import date

import pytest

from services.settlement.domain import (
    Child,
    MaterialsError,
    MaterialsRequest,
    ProvidedItem,
    missing_items,
    required_materials,
)
from services.settlement.domain.materials import check_provided, eighteenth_birthday

AS_OF = date(2022, 9, 1)


def codes(req: MaterialsRequest) -> list[tuple[str, int | None]]:
    return [i.key for i in required_materials(req)]


def fp_needed(birth: date, order: int) -> bool:
    req = MaterialsRequest(has_archive=True, children=[Child(birth, order)], as_of=AS_OF)
    return ("family_planning_certificate", 0) in codes(req)


def test_everyone_hands_in_id_card_household_register_and_the_two_printed_forms() -> None:
    got = codes(MaterialsRequest(has_archive=True, children=[], as_of=AS_OF))
    assert got == [
        ("id_card", None),
        ("household_register", None),
        ("application_form", None),
        ("transfer_form", None),
        ("archive_acceptance", None),
    ]


def test_applicant_without_an_archive_gives_the_no_archive_integrity_statement_of_attachment_1() -> None:
    got = codes(MaterialsRequest(has_archive=False, children=[], as_of=AS_OF))
    assert ("no_archive_statement", None) in got and ("archive_acceptance", None) not in got


def test_each_child_needs_household_register_birth_certificate_and_marriage_certificate() -> None:
    req = MaterialsRequest(True, [Child(date(2012, 5, 1), 1), Child(date(2017, 5, 1), 2)], AS_OF)
    got = codes(req)
    for child in (0, 1):
        for code in ("child_household_register", "birth_certificate", "marriage_certificate"):
            assert (code, child) in got


def test_first_child_never_needs_the_family_planning_certificate() -> None:
    assert not fp_needed(date(2015, 12, 31), 1)  # 2016-01-01（不含）以前生育第一孩
    assert not fp_needed(date(2016, 1, 1), 1)  # 2016-01-01（含）以后生育两孩以内
    assert not fp_needed(date(2020, 6, 1), 1)


def test_second_child_needs_it_only_when_born_before_2016() -> None:
    assert fp_needed(date(2015, 12, 31), 2)
    assert not fp_needed(date(2016, 1, 1), 2)  # the day itself is included (含)
    assert not fp_needed(date(2018, 3, 3), 2)


def test_third_child_always_needs_it() -> None:
    assert fp_needed(date(2013, 1, 1), 3)
    assert fp_needed(date(2021, 8, 1), 3)


def test_only_minor_children_accompany_the_applicant() -> None:
    with pytest.raises(MaterialsError) as e:
        required_materials(MaterialsRequest(True, [Child(date(2004, 9, 1), 1)], AS_OF))  # 18 today
    assert e.value.code == "child.not_minor" and e.value.field == "children[0].birth_date"
    required_materials(
        MaterialsRequest(True, [Child(date(2004, 9, 2), 1)], AS_OF)
    )  # 18 tomorrow: still minor


def test_a_child_born_on_29_february_comes_of_age_on_1_march() -> None:
    assert eighteenth_birthday(date(2004, 2, 29)) == date(2022, 3, 1)
    required_materials(MaterialsRequest(True, [Child(date(2004, 2, 29), 1)], date(2022, 2, 28)))
    with pytest.raises(MaterialsError):
        required_materials(MaterialsRequest(True, [Child(date(2004, 2, 29), 1)], date(2022, 3, 1)))


@pytest.mark.parametrize(
    ("children", "code"),
    [
        ([Child(date(2023, 1, 1), 1)], "child.birth_date_future"),
        ([Child(date(2015, 1, 1), 0)], "child.birth_order"),
        ([Child(date(2015, 1, 1), 1), Child(date(2016, 1, 1), 1)], "child.birth_order_repeated"),
    ],
)
def test_impossible_children_are_refused_with_the_field_named(children: list[Child], code: str) -> None:
    with pytest.raises(MaterialsError) as e:
        required_materials(MaterialsRequest(True, children, AS_OF))
    assert e.value.code == code and e.value.field.startswith("children[")


def test_missing_items_lists_what_was_not_provided_in_checklist_order() -> None:
    req = MaterialsRequest(False, [Child(date(2014, 3, 1), 2)], AS_OF)
    items = required_materials(req)
    provided = [
        ProvidedItem(i.code, i.child) for i in items if i.code not in ("transfer_form", "birth_certificate")
    ]
    assert [m.key for m in missing_items(items, provided)] == [
        ("transfer_form", None),
        ("birth_certificate", 0),
    ]
    assert missing_items(items, [ProvidedItem(i.code, i.child) for i in items]) == []


@pytest.mark.parametrize(
    ("provided", "code"),
    [
        ([ProvidedItem("passport")], "material.unknown"),
        ([ProvidedItem("birth_certificate")], "material.child"),
        ([ProvidedItem("birth_certificate", 3)], "material.child"),
        ([ProvidedItem("id_card", 0)], "material.not_child"),
        ([ProvidedItem("id_card"), ProvidedItem("id_card")], "material.repeated"),
    ],
)
def test_provided_items_must_exist_and_belong_to_a_declared_child(
    provided: list[ProvidedItem], code: str
) -> None:
    with pytest.raises(MaterialsError) as e:
        check_provided(provided, children=1)
    assert e.value.code == code


def test_a_certificate_the_checklist_does_not_ask_for_is_accepted() -> None:
    check_provided([ProvidedItem("family_planning_certificate", 0)], children=1)

"""Outcome of a publicised entry and the objection workflow (seed 004 第十条, 第十三条)."""

from __future__ import annotations

import pytest

from services.publicity.domain.outcomes import (
    REASON_MAX,
    ObjectionState,
    ObjectionStatus,
    Outcome,
    ReasonCode,
    StaffDuty,
    WorkflowError,
    check_assign,
    check_assigner,
    check_decide,
    check_investigator,
    check_roster_change,
    decided_later,
    entry_outcome,
)

R, A, U, D = (
    ObjectionStatus.RECEIVED,
    ObjectionStatus.ASSIGNED,
    ObjectionStatus.UPHELD,
    ObjectionStatus.DISMISSED,
)


def st(status: ObjectionStatus, reason: str | None = None, code: ReasonCode | None = None) -> ObjectionState:
    return ObjectionState(status, reason, code)


def test_an_entry_without_objection_is_cleared_without_reason() -> None:
    assert entry_outcome([]) == entry_outcome(()) and entry_outcome([]).outcome == Outcome.CLEARED
    assert entry_outcome([]).reason is None


def test_an_entry_whose_objections_were_all_dismissed_is_cleared() -> None:
    out = entry_outcome([st(D), st(D)])
    assert out.outcome == Outcome.CLEARED and "2 objection(s) dismissed" in (out.reason or "")


@pytest.mark.parametrize("open_status", [R, A])
def test_an_entry_with_an_objection_still_open_is_held(open_status: ObjectionStatus) -> None:
    out = entry_outcome([st(D), st(open_status)])
    assert out.outcome == Outcome.HELD and "1 objection(s) under investigation" in (out.reason or "")


def test_one_upheld_objection_disqualifies_even_with_others_open_or_dismissed() -> None:
    out = entry_outcome(
        [st(D), st(R), st(U, "申报住所材料不实"), st(U, "申报住所材料不实"), st(U, "社保造假")]
    )
    assert out.outcome == Outcome.DISQUALIFIED
    assert out.reason == "申报住所材料不实; 社保造假"  # each reason once, in filing order


def test_the_reason_fits_the_event_field() -> None:
    out = entry_outcome([st(U, "x" * 800), st(U, "y" * 800)])
    assert out.reason is not None and len(out.reason) == REASON_MAX


def test_a_held_entry_is_cleared_by_the_last_dismissal_and_disqualified_by_an_upheld_one() -> None:
    assert decided_later(Outcome.HELD, [st(D), st(A)]) is None  # still one open
    cleared = decided_later(Outcome.HELD, [st(D), st(D)])
    assert cleared is not None and cleared.outcome == Outcome.CLEARED
    disq = decided_later(Outcome.HELD, [st(U, "伪造材料"), st(A)])
    assert disq is not None and disq.outcome == Outcome.DISQUALIFIED and disq.reason == "伪造材料"


FRAUD, INELIGIBLE, OTHER = ReasonCode.FRAUD, ReasonCode.INELIGIBLE, ReasonCode.OTHER


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([FRAUD], FRAUD),
        ([INELIGIBLE], INELIGIBLE),
        ([OTHER], OTHER),
        ([OTHER, INELIGIBLE], INELIGIBLE),  # the gravest code wins
        ([INELIGIBLE, FRAUD, OTHER], FRAUD),
        ([None, FRAUD], FRAUD),  # fraud is fraud even next to an objection without a code
        ([None, INELIGIBLE], None),  # the uncoded one might be fraud: leave it to the text
        ([None], None),  # decided before codes existed
    ],
)
def test_a_disqualified_entry_carries_the_gravest_reason_code(
    codes: list[ReasonCode | None], expected: ReasonCode | None
) -> None:
    out = entry_outcome([st(D), st(A)] + [st(U, f"理由{i}", c) for i, c in enumerate(codes)])
    assert out.outcome == Outcome.DISQUALIFIED and out.reason_code == expected


def test_only_a_disqualification_has_a_reason_code() -> None:
    assert entry_outcome([st(D, None, None), st(A)]).reason_code is None  # held
    assert entry_outcome([st(D)]).reason_code is None  # cleared
    later = decided_later(Outcome.HELD, [st(D), st(U, "伪造社保记录", FRAUD)])
    assert later is not None and later.reason_code == FRAUD


@pytest.mark.parametrize("final", [Outcome.CLEARED, Outcome.DISQUALIFIED, None])
def test_cleared_and_disqualified_are_final_and_nothing_is_refilled(final: Outcome | None) -> None:
    assert decided_later(final, [st(U, "late")]) is None


def test_workflow_received_assigned_decided_by_the_assigned_investigator_only() -> None:
    check_assign(R)
    check_assign(A)  # reassigning an open objection is allowed
    for decided in (U, D):
        with pytest.raises(WorkflowError) as e:
            check_assign(decided)
        assert e.value.status == 409
    with pytest.raises(WorkflowError) as e:
        check_decide(R, None, "staff-1")
    assert e.value.code == "objection_not_assigned"
    with pytest.raises(WorkflowError) as e:
        check_decide(A, "staff-2", "staff-1")
    assert e.value.status == 403 and e.value.code == "not_investigator"
    check_decide(A, "staff-1", "staff-1")
    with pytest.raises(WorkflowError) as e:
        check_decide(U, "staff-1", "staff-1")
    assert e.value.code == "objection_decided"


def test_only_the_assigned_investigator_may_unseal_the_reporter_while_the_objection_is_open() -> None:
    check_investigator(A, "staff-1", "staff-1", registered=True)
    for assigned, actor, registered in (
        (None, "staff-1", True),
        ("staff-2", "staff-1", True),
        ("staff-1", "staff-1", False),  # taken off the roster
    ):
        with pytest.raises(WorkflowError) as e:
            check_investigator(A, assigned, actor, registered=registered)
        assert e.value.status == 403 and e.value.code == "not_investigator"
    for decided in (U, D):  # once decided the identity stays sealed, even for its investigator
        with pytest.raises(WorkflowError) as e:
            check_investigator(decided, "staff-1", "staff-1", registered=True)
        assert e.value.status == 409 and e.value.code == "objection_decided"


def test_only_a_supervisor_assigns_never_to_themself_and_only_to_a_registered_investigator() -> None:
    check_assigner("boss", "staff-7", supervisor=True, registered_investigator=True)
    cases = {
        ("staff-7", "staff-7", False, True): (403, "not_supervisor"),  # staff assigning to themself
        ("staff-2", "staff-7", False, True): (403, "not_supervisor"),
        ("boss", "boss", True, True): (409, "self_assignment"),
        ("boss", "staff-99", True, False): (422, "unknown_investigator"),
    }
    for (actor, investigator, supervisor, registered), expected in cases.items():
        with pytest.raises(WorkflowError) as e:
            check_assigner(actor, investigator, supervisor=supervisor, registered_investigator=registered)
        assert (e.value.status, e.value.code) == expected, (actor, investigator)


def test_operations_register_supervisors_and_supervisors_register_investigators_never_themselves() -> None:
    SUP, INV = StaffDuty.SUPERVISOR, StaffDuty.INVESTIGATOR
    check_roster_change(SUP, "boss", "ops-1", operations=True, supervisor=False)
    check_roster_change(INV, "staff-7", "ops-1", operations=True, supervisor=False)
    check_roster_change(INV, "staff-7", "boss", operations=False, supervisor=True)
    cases = {
        (SUP, "boss", "boss", False, True): (403, "not_allowed"),  # a supervisor does not make supervisors
        (SUP, "staff-2", "staff-2", False, False): (403, "not_allowed"),
        (INV, "staff-2", "staff-2", False, False): (403, "not_allowed"),  # plain staff change nothing
        (INV, "boss", "boss", False, True): (409, "own_duty"),
    }
    for (duty, account, actor, ops, sup), expected in cases.items():
        with pytest.raises(WorkflowError) as e:
            check_roster_change(duty, account, actor, operations=ops, supervisor=sup)
        assert (e.value.status, e.value.code) == expected, (duty, account, actor)

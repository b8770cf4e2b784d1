"""Attachment types by magic bytes; when a round's list can be prepared."""

from __future__ import annotations

from datetime import date

import pytest

from services.publicity.domain.attachments import safe_filename, sniff
from services.publicity.domain.indicators import ordered
from services.publicity.domain.readiness import Readiness
from shared.events.contracts.common import INDICATORS
from shared.policy import INDICATOR_NAMES_ZH


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"GIF89a", None),
        (b"<html><script>", None),
        (b"MZ\x90\x00", None),
        (b"", None),
        (b"%PD", None),
    ],
)
def test_attachments_are_recognised_by_their_first_bytes(data: bytes, media_type: str | None) -> None:
    assert sniff(data) == media_type


def test_attachment_names_lose_paths_and_control_characters() -> None:
    assert safe_filename("../../etc/passwd", "application/pdf", 1) == "passwd"
    assert safe_filename("C:\\Users\\x\\证明.pdf", "application/pdf", 1) == "证明.pdf"
    assert safe_filename("a\x00b\nc.png", "image/png", 1) == "a_b_c.png"
    assert safe_filename("", "image/jpeg", 3) == "attachment-3.jpg"
    assert len(safe_filename("x" * 500, "image/png", 1)) == 120


def test_every_indicator_of_the_contract_has_a_chinese_name_in_policy_order() -> None:
    assert tuple(INDICATOR_NAMES_ZH) == INDICATORS
    rows = ordered([{"code": "age", "points": "20.00"}, {"code": "employment", "points": "70.50"}])
    assert [r["code"] for r in rows] == ["employment", "age"] and rows[1]["name_zh"] == "年龄"


def ready(**kw: object) -> Readiness:
    base: dict[str, object] = dict(
        round_id="pts-2022",
        ranking_id="rk-1",
        round_known=True,
        publicity_starts_on=date(2022, 7, 11),
        publicity_ends_on=date(2022, 7, 18),
        admitted_expected=3,
        admitted_received=3,
        missing_submissions=0,
        missing_scores=0,
    )
    base.update(kw)
    return Readiness(**base)  # type: ignore[arg-type]


def test_a_list_is_ready_only_when_ranking_round_dates_every_admitted_entry_submission_and_score_are_in() -> (
    None
):
    assert ready().ready and ready().missing == []
    assert ready(ranking_id=None, admitted_expected=None).missing == ["ranking.finalized"]
    assert ready(round_known=False).missing == ["round.phase_changed"]
    assert ready(publicity_starts_on=None).missing == ["publicity phase dates"]
    assert ready(admitted_received=1).missing == ["application.ranked (2 admitted)"]
    assert ready(missing_submissions=2, missing_scores=1).missing == [
        "application.submitted (2)",
        "score.computed (1)",
    ]
    assert ready(admitted_expected=0, admitted_received=0).ready  # nobody admitted: an empty list

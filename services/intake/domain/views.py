"""What each audience sees of a case: the applicant, the employer and bureau staff.

The applicant and staff see everything intake knows about the case (the ID number only masked). The
employer sees what it needs to confirm the declaration and what seed 004 第九条 lets it see later (final
points and rank), but not the reviewers' notes on the person's records, the reasons of a publicity
outcome or revocation (they may concern objections, whose details stay with the person and staff), nor
letter serial numbers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Audience(StrEnum):
    APPLICANT = "applicant"
    EMPLOYER = "employer"
    STAFF = "staff"


#: Timeline entry kind -> keys of its data the employer does not see.
EMPLOYER_HIDDEN_KEYS: dict[str, frozenset[str]] = {
    "publicity.outcome": frozenset({"reason"}),
    "letter.issued": frozenset({"serial_number"}),
    "letter.revoked": frozenset({"serial_number", "reason"}),
    "declaration.employer_returned": frozenset(),
    "qualification.cancelled": frozenset({"reason", "reason_code"}),
}

#: Short descriptions of each timeline entry kind (Chinese · English).
KIND_TITLES: dict[str, str] = {
    "declaration.created": "填报申报信息 · Declaration started",
    "declaration.updated": "修改申报信息 · Declaration edited",
    "declaration.employer_confirmed": "单位已确认 · Confirmed by the employer",
    "declaration.employer_returned": "单位退回修改 · Returned by the employer",
    "application.submitted": "已提交申报 · Submitted",
    "material.uploaded": "上传材料 · Material uploaded",
    "verification.completed": "部门审核完成 · Verification completed",
    "score.computed": "积分计算 · Score computed",
    "ranking.finalized": "积分排名确定 · Ranking of the round finalized",
    "application.ranked": "积分排名 · Ranked",
    "publicity.outcome": "公示结果 · Publicity outcome",
    "publicity.closed": "公示结束 · Publicity of the round closed",
    "letter.issued": "出具函件 · Letter issued",
    "letter.revoked": "函件撤销 · Letter revoked",
    "qualification.lapsed": "落户资格失效 · Qualification lapsed",
    "qualification.cancelled": "落户资格取消 · Qualification cancelled",
    "round.phase_changed": "阶段变更 · Phase changed",
}


def entry_view(kind: str, data: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """The data of one timeline entry as ``audience`` may see it."""
    if audience is not Audience.EMPLOYER:
        return data
    hidden = EMPLOYER_HIDDEN_KEYS.get(kind, frozenset())
    out = {k: v for k, v in data.items() if k not in hidden}
    if kind == "verification.completed" and isinstance(out.get("statuses"), list):
        out["statuses"] = [
            {k: v for k, v in s.items() if k != "note"} for s in out["statuses"] if isinstance(s, dict)
        ]
    return out


def case_view(case: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """The read-model parts of an application (verification, score, ranking, publicity, letters)."""
    if audience is not Audience.EMPLOYER:
        return case
    out = dict(case)
    if isinstance(out.get("verification"), dict):
        out["verification"] = entry_view("verification.completed", out["verification"], audience)
    if isinstance(out.get("publicity"), dict):
        out["publicity"] = entry_view("publicity.outcome", out["publicity"], audience)
    if isinstance(out.get("letters"), list):
        out["letters"] = [
            {k: v for k, v in letter.items() if k not in {"serial_number", "revocation_reason"}}
            for letter in out["letters"]
            if isinstance(letter, dict)
        ]
    return out

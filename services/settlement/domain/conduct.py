"""Bad-conduct records (失信记录) and the reasons a letter is revoked.

Seed 004 第十七条: 申请人对申请材料弄虚作假的，取消其当年及以后 5 年内的积分落户申请资格 … 对用人单位协助提供
虚假材料的，当年及以后 5 年内不受理其积分落户申请事项. The record of a person or of an employer that helped
runs from the date of the decision to the same date five years later (calendar policy).

Seed 004 第十八条: a criminal record found before settlement ends the procedure and cancels the
qualification. 第十三条: a qualification cancelled or given up is not refilled (不递补).
"""

from __future__ import annotations

import re
from enum import StrEnum


class ConductSubject(StrEnum):
    PERSON = "person"
    EMPLOYER = "employer"


class RevocationReason(StrEnum):
    """Why bureau staff revoke a letter (and end the qualification behind it)."""

    FRAUD = "fraud"  # 弄虚作假 (第十一条 经核察发现问题的, 第十七条)
    CRIMINAL_RECORD = "criminal_record"  # 第十八条
    ON_REQUEST = "on_request"  # the holder gives the qualification up (自行放弃, 第十三条)
    DISQUALIFIED = "disqualified"  # publicity decided against the entry after it had been cleared (system)


REVOCATION_REASONS: dict[RevocationReason, str] = {
    RevocationReason.FRAUD: "弄虚作假，取消积分落户资格",
    RevocationReason.CRIMINAL_RECORD: "曾因犯罪被追究过刑事责任，终止积分落户办理程序",
    RevocationReason.ON_REQUEST: "本人申请放弃积分落户资格",
    RevocationReason.DISQUALIFIED: "经公示核查取消积分落户资格",
}

#: Words that mark a disqualification as fraud (弄虚作假) when publicity gives only a free-text reason
#: (an outcome without ``reason_code``, from an older producer).
_FRAUD_WORDS = re.compile(
    r"弄虚作假|虚假|造假|伪造|骗取|欺诈|\bfraud|\bfalsif|\bforge|\bfake",
    re.IGNORECASE,
)


def is_fraud_reason(reason: str | None) -> bool:
    """True when a disqualification's reason says the applicant's materials were false (第十七条).

    ``publicity.outcome`` carries a free-text reason; a reason code ``fraud`` (``fraud: …``) or the words
    弄虚作假 / 虚假 / 造假 / 伪造 / 骗取 / 欺诈 (or fraud, falsified, forged, fake) mark it as fraud.
    """
    if not reason:
        return False
    return bool(_FRAUD_WORDS.search(reason))


#: ``publicity.outcome`` ``reason_code`` that means fraud (弄虚作假/材料不实, 第十七条).
FRAUD_REASON_CODE = "fraud"


def is_fraud_disqualification(reason_code: str | None, reason: str | None) -> bool:
    """True when a disqualification from publicity was for fraud (第十七条: a five-year bad-conduct record).

    The structured ``reason_code`` decides when it is given: ``fraud`` is fraud, any other code
    (``ineligible``, ``other``) is not, whatever the text says. Only an outcome without a code (an older
    producer, or objections decided before codes existed) falls back on the words of ``reason``
    (:func:`is_fraud_reason`).
    """
    if reason_code is not None:
        return reason_code == FRAUD_REASON_CODE
    return is_fraud_reason(reason)

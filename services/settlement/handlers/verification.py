"""Public verification of a letter (the page its QR code opens), logged."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from services.settlement.adapters.records import LetterRecord
from services.settlement.context import Tx
from services.settlement.domain import kind_by_code
from services.settlement.domain.verification import Answer, Verdict, judge

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class VerifyLetter:
    token: str
    channel: str
    client: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Verification:
    answer: Answer
    letter: LetterRecord | None
    checked_at: datetime


async def verify(tx: Tx, cmd: VerifyLetter) -> Verification:
    """Answer a public check and log it (the token is logged only as its SHA-256)."""
    # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else is unknown without a lookup.
    letter = await tx.repo.letter_by_token(cmd.token) if TOKEN_RE.fullmatch(cmd.token) else None
    if letter is None:
        answer = Answer(Verdict.UNKNOWN)
    else:
        qual = await tx.repo.get_qualification(letter["application_id"])
        answer = judge(
            letter_type=letter["letter_type"],
            letter_status=letter["status"],
            revoked_on=letter["revoked_on"],
            qualification_status=qual["status"] if qual else None,
            valid_until=qual["valid_until"] if qual else None,
            valid_until_at=qual["valid_until_at"] if qual else None,
            now=tx.now,
        )
    await tx.repo.log_check(
        {
            "at": tx.now,
            "token_sha256": hashlib.sha256(cmd.token.encode("utf-8", "surrogatepass")).hexdigest(),
            "letter_id": letter["id"] if letter else None,
            "serial_number": letter["serial_number"] if letter else None,
            "result": answer.verdict.value,
            "channel": cmd.channel,
            "client": _printable(cmd.client, 100),
            "user_agent": _printable(cmd.user_agent, 300),
        }
    )
    return Verification(answer, letter, tx.now)


def _printable(value: str | None, limit: int) -> str | None:
    text = "".join(c for c in (value or "") if c.isprintable())[:limit]
    return text or None


def letter_type_name(code: str) -> str:
    try:
        return kind_by_code(code).title
    except ValueError:
        return code

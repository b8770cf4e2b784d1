"""Bad-conduct records (失信记录) from the settlement service: they bar declaring until they end.

The person is known by the keyed digest of their ID number (``Runtime.id_digest``); an event that carries
the sealed number is opened with the platform data key and digested here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.intake.context import Tx
from shared.api.errors import Invalid
from shared.crypto import Sealed, SealError
from shared.events.contracts.settlement import ConductRecordedV1


@dataclass(frozen=True)
class RecordConduct:
    event: ConductRecordedV1
    at: datetime


async def record_conduct(tx: Tx, cmd: RecordConduct) -> None:
    e = cmd.event
    digest = e.person_id_digest
    if e.person_id_number is not None:
        try:
            number = tx.rt.sealer.open(Sealed.from_dict(e.person_id_number.model_dump()), context="id_number")
        except SealError as err:
            raise Invalid("unsealable_id_number", str(err)) from err
        digest = tx.rt.id_digest(number)
    if digest is None and e.employer_credit_code is None:
        raise Invalid("no_subject", "a conduct record names neither a person nor an employer")
    await tx.repo.upsert_conduct_record(
        {
            "record_id": e.record_id,
            "person_id_digest": digest,
            "employer_credit_code": e.employer_credit_code,
            "reason": e.reason,
            "valid_from": e.valid_from,
            "valid_until": e.valid_until,
            "recorded_at": cmd.at,
        }
    )

"""Builders of the graduate programme's events and tokens for the publicity tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.api.auth import issue_token
from shared.events.contracts.intake import GraduateUnitDecidedV1
from tests.publicity.helpers import PubEnv, beijing

GRD_ROUND = "grd-2025"
UNIT = "U-HD"
UNIT_NAME = "北京市海淀区人力资源和社会保障局"
UNIT_PHONE = "010-82345678"
UNIT_ADDRESS = "北京市海淀区长春桥路17号"


def decided(
    declaration_id: str,
    name: str = "王伟",
    *,
    revision: int = 1,
    decision: str = "approved_for_publicity",
    at: datetime | None = None,
    unit: str = UNIT,
    university: str = "北京大学",
    age: int = 26,
    education: str = "master",
    **over: Any,
) -> GraduateUnitDecidedV1:
    approved = decision == "approved_for_publicity"
    shown: dict[str, Any] = (
        {
            "name": name,
            "age": age,
            "university": university,
            "education": education,
            "unit_phone": UNIT_PHONE,
            "unit_address": UNIT_ADDRESS,
            "consent_at": beijing(2025, 6, 1, 9),
        }
        if approved
        else {"reason": "材料不全，请补充学位证明"}
    )
    return GraduateUnitDecidedV1.model_validate(
        {
            "declaration_id": declaration_id,
            "revision": revision,
            "round_id": GRD_ROUND,
            "year": 2025,
            "supervising_unit_id": unit,
            "supervising_unit_name": UNIT_NAME,
            "decision": decision,
            "decided_at": at or beijing(2025, 9, 20, 10),
            **shown,
            **over,
        }
    )


def unit_token(env: PubEnv, unit: str | None = UNIT, subject: str = "unit-staff-1") -> dict[str, str]:
    """A supervising-unit staff token as intake issues it (claim ``supervising_unit``)."""
    tok = issue_token(
        env.priv,
        subject=subject,
        roles=["supervising_unit"],
        now=env.clock.now(),
        ttl=timedelta(days=60),
        extra={"supervising_unit": unit} if unit else None,
    )
    return {"Authorization": "Bearer " + tok}

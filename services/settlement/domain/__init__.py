"""Pure rules of the settlement service (stdlib only): letters and their serial numbers, dates written in
Chinese, the materials checklist of 落户办理, the life of a settlement qualification, bad-conduct records.
"""

from services.settlement.domain.chinese import chinese_date, chinese_number, chinese_year_month
from services.settlement.domain.conduct import (
    REVOCATION_REASONS,
    ConductSubject,
    RevocationReason,
    is_fraud_disqualification,
    is_fraud_reason,
)
from services.settlement.domain.letters import (
    LETTER_KINDS,
    LetterKind,
    SerialNumber,
    format_serial,
    kind_by_code,
    parse_serial,
)
from services.settlement.domain.materials import (
    Child,
    MaterialItem,
    MaterialsError,
    MaterialsRequest,
    ProvidedItem,
    missing_items,
    required_materials,
)
from services.settlement.domain.qualification import (
    ACTIVE,
    CANCELLABLE,
    FINAL,
    IllegalTransition,
    Status,
    lapse_date,
    publicity_closed_on,
    require_transition,
)

__all__ = [
    "ACTIVE",
    "CANCELLABLE",
    "FINAL",
    "LETTER_KINDS",
    "REVOCATION_REASONS",
    "Child",
    "ConductSubject",
    "IllegalTransition",
    "LetterKind",
    "MaterialItem",
    "MaterialsError",
    "MaterialsRequest",
    "ProvidedItem",
    "RevocationReason",
    "SerialNumber",
    "Status",
    "chinese_date",
    "chinese_number",
    "chinese_year_month",
    "format_serial",
    "is_fraud_disqualification",
    "is_fraud_reason",
    "kind_by_code",
    "lapse_date",
    "missing_items",
    "parse_serial",
    "publicity_closed_on",
    "require_transition",
    "required_materials",
]

"""Use cases of the settlement service, one module per area: ``async def do_x(tx: Tx, cmd: DoX) -> Result``.

Events in (``events``), letters (``letters``), 落户办理 (``procedure``), ending qualifications and revoking
letters (``ending``), bad-conduct records (``conduct``), public verification (``verification``), what
staff read (``queries``) and the scheduled jobs (``jobs``); ``common`` holds the audit trail, status
changes and the district rule. Handlers never open or commit a transaction and raise the error family of
``shared.api.errors``.
"""

from services.settlement.handlers.common import (
    DistrictScope,
    QualificationView,
    audit,
    may_read,
    require_own_district,
)
from services.settlement.handlers.conduct import ConductView, RecordConduct, record_conduct
from services.settlement.handlers.ending import Cancel, Ended, Revoke, cancel, revoke
from services.settlement.handlers.events import (
    ApplyOutcome,
    ApplyRoundPhase,
    KeepHolder,
    RecordPublicityClosed,
    apply_outcome,
    apply_round_phase,
    keep_holder,
    record_publicity_closed,
)
from services.settlement.handlers.jobs import ExpireConduct, LapseDue, expire_conduct, lapse_due
from services.settlement.handlers.letters import issue_letter, letter_document
from services.settlement.handlers.procedure import (
    Approve,
    Checklist,
    CheckMaterials,
    DistrictCheck,
    SubmitMaterials,
    approve,
    district_check,
    materials_checklist,
    submit_materials,
)
from services.settlement.handlers.queries import (
    GetConduct,
    GetLetter,
    GetQualification,
    ListAudit,
    ListChecks,
    ListConduct,
    ListLetters,
    ListQualifications,
    get_conduct,
    get_letter,
    get_qualification,
    list_audit,
    list_checks,
    list_conduct,
    list_letters,
    list_qualifications,
)
from services.settlement.handlers.verification import (
    Verification,
    VerifyLetter,
    letter_type_name,
    verify,
)

__all__ = [
    "ApplyOutcome",
    "ApplyRoundPhase",
    "Approve",
    "Cancel",
    "CheckMaterials",
    "Checklist",
    "ConductView",
    "DistrictCheck",
    "DistrictScope",
    "Ended",
    "ExpireConduct",
    "GetConduct",
    "GetLetter",
    "GetQualification",
    "KeepHolder",
    "LapseDue",
    "ListAudit",
    "ListChecks",
    "ListConduct",
    "ListLetters",
    "ListQualifications",
    "QualificationView",
    "RecordConduct",
    "RecordPublicityClosed",
    "Revoke",
    "SubmitMaterials",
    "Verification",
    "VerifyLetter",
    "apply_outcome",
    "apply_round_phase",
    "approve",
    "audit",
    "cancel",
    "district_check",
    "expire_conduct",
    "get_conduct",
    "get_letter",
    "get_qualification",
    "issue_letter",
    "keep_holder",
    "lapse_due",
    "letter_document",
    "letter_type_name",
    "list_audit",
    "list_checks",
    "list_conduct",
    "list_letters",
    "list_qualifications",
    "materials_checklist",
    "may_read",
    "record_conduct",
    "record_publicity_closed",
    "require_own_district",
    "revoke",
    "submit_materials",
    "verify",
]

"""What each audience sees; material types from content; case stages only move forward."""

from __future__ import annotations

import typing

from services.intake.domain.case import DECLARATION_STATUSES, STATUSES, advance_status
from services.intake.domain.materials import safe_filename, sniff_media_type
from services.intake.domain.phases import BETWEEN_PHASES, CLOSED, NOT_STARTED, Phase
from services.intake.domain.views import Audience, case_view, entry_view
from services.intake.routes import applications as routes
from services.intake.routes import materials as material_routes
from shared.events.contracts.common import INDICATORS


def test_the_employer_does_not_see_notes_reasons_or_serial_numbers() -> None:
    verification = {"revision": 1, "statuses": [{"indicator": "housing", "status": "corrected", "note": "n"}]}
    assert entry_view("verification.completed", verification, Audience.EMPLOYER) == {
        "revision": 1,
        "statuses": [{"indicator": "housing", "status": "corrected"}],
    }
    assert entry_view("verification.completed", verification, Audience.APPLICANT) == verification
    assert entry_view("publicity.outcome", {"outcome": "held", "reason": "r"}, Audience.EMPLOYER) == {
        "outcome": "held"
    }
    assert entry_view(
        "letter.revoked", {"serial_number": "s", "reason": "r", "revoked_on": "2025-01-01"}, Audience.EMPLOYER
    ) == {"revoked_on": "2025-01-01"}
    case = {
        "verification": None,
        "score": {"total": "1.00"},
        "ranking": None,
        "publicity": {"outcome": "cleared", "reason": "x"},
        "letters": [{"serial_number": "s", "letter_type": "t", "revocation_reason": "r"}],
    }
    assert case_view(case, Audience.EMPLOYER) == {
        **case,
        "publicity": {"outcome": "cleared"},
        "letters": [{"letter_type": "t"}],
    }
    assert case_view(case, Audience.STAFF) is case
    cancelled = {"reason_code": "fraud", "reason": "r", "ended_on": "2025-01-01", "abandoned": False}
    assert entry_view("qualification.cancelled", cancelled, Audience.EMPLOYER) == {
        "ended_on": "2025-01-01",
        "abandoned": False,
    }


def test_material_types_come_from_the_content() -> None:
    assert sniff_media_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_media_type(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff_media_type(b"\x89PNG\r\n\x1a\n\x00") == "image/png"
    assert sniff_media_type(b"GIF89a") is None
    assert sniff_media_type(b"<html>%PDF-") is None
    assert safe_filename("../../etc/passwd", "application/pdf") == "passwd"
    assert safe_filename("", "image/png") == "material.png"
    assert safe_filename("C:\\docs\\学位证书.pdf", "application/pdf") == "学位证书.pdf"


def test_a_case_never_moves_back_but_a_held_outcome_is_decided() -> None:
    assert advance_status("scored", "verified") == "scored"
    assert advance_status("submitted", "verified") == "verified"
    assert advance_status("held", "cleared") == "cleared"
    assert advance_status("letter_issued", "letter_revoked") == "letter_revoked"


def test_the_api_filters_list_the_domain_values() -> None:
    assert typing.get_args(routes.StatusFilter) == STATUSES
    assert typing.get_args(routes.DeclarationStatusFilter) == DECLARATION_STATUSES
    assert typing.get_args(routes.PhaseFilter) == (
        *(p.value for p in Phase),
        NOT_STARTED,
        BETWEEN_PHASES,
        CLOSED,
    )
    assert typing.get_args(material_routes.Indicator) == (*INDICATORS, "identity", "other")

"""Validation of identifiers (resident ID numbers, unified social credit codes, mobile numbers) and
masking of personal data for display and logs; the districts of Beijing. Pure functions; see
``shared.validation.identifiers`` and ``shared.policy.districts``.
"""

from shared.policy.districts import (
    BEIJING_DISTRICTS,
    BeijingDistrictCode,
    district_label,
    district_name,
)
from shared.validation.identifiers import (
    CREDIT_CODE_CHARSET,
    ERROR_CODES,
    ID_NUMBER_PATTERN,
    MOBILE_NUMBER_PATTERN,
    CreditCode,
    InvalidIdentifier,
    ResidentId,
    Sex,
    credit_code_check_character,
    is_valid_credit_code,
    is_valid_mobile_number,
    is_valid_resident_id,
    mask_id_number,
    mask_id_numbers_in_text,
    mask_mobile_number,
    mask_name,
    parse_credit_code,
    parse_mobile_number,
    parse_resident_id,
    resident_id_check_character,
    synthetic_resident_id,
)

__all__ = [
    "BEIJING_DISTRICTS",
    "CREDIT_CODE_CHARSET",
    "ERROR_CODES",
    "ID_NUMBER_PATTERN",
    "MOBILE_NUMBER_PATTERN",
    "BeijingDistrictCode",
    "CreditCode",
    "InvalidIdentifier",
    "ResidentId",
    "Sex",
    "credit_code_check_character",
    "district_label",
    "district_name",
    "is_valid_credit_code",
    "is_valid_mobile_number",
    "is_valid_resident_id",
    "mask_id_number",
    "mask_id_numbers_in_text",
    "mask_mobile_number",
    "mask_name",
    "parse_credit_code",
    "parse_mobile_number",
    "parse_resident_id",
    "resident_id_check_character",
    "synthetic_resident_id",
]

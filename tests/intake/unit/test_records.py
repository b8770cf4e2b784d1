"""The TypedDicts of ``adapters/records.py`` say exactly what the repository's queries return: one key per
column (nullable columns, and only they, admit None), and the joined views add exactly their labels."""

from __future__ import annotations

import types
import typing
from typing import Any, cast

import pytest
import sqlalchemy as sa

from services.intake.adapters import records, tables
from services.intake.adapters.repository import IntakeRepository

TABLE_RECORDS: list[tuple[sa.Table, Any]] = [
    (tables.accounts, records.AccountRecord),
    (tables.refresh_tokens, records.RefreshTokenRecord),
    (tables.employers, records.EmployerRecord),
    (tables.employer_audit, records.EmployerAuditRecord),
    (tables.affiliations, records.AffiliationRecord),
    (tables.rounds, records.RoundRecord),
    (tables.applications, records.ApplicationRecord),
    (tables.timeline, records.TimelineRecord),
    (tables.round_events, records.RoundEventRecord),
    (tables.materials, records.MaterialRecord),
    (tables.conduct_records, records.ConductRecord),
    (tables.idempotency_keys, records.IdempotencyRecord),
    (tables.supervising_units, records.SupervisingUnitRecord),
    (tables.unit_employers, records.UnitEmployerRecord),
    (tables.graduate_declarations, records.GraduateDeclarationRecord),
    (tables.graduate_consent_links, records.ConsentLinkRecord),
    (tables.graduate_timeline, records.GraduateTimelineRecord),
]


def _admits_none(hint: Any) -> bool:
    return type(None) in typing.get_args(hint) if isinstance(hint, types.UnionType) else hint is Any


@pytest.mark.parametrize(("table", "record"), TABLE_RECORDS, ids=lambda x: getattr(x, "name", ""))
def test_each_table_has_a_record_with_exactly_its_columns(table: sa.Table, record: Any) -> None:
    hints = typing.get_type_hints(record)
    assert set(hints) == set(table.c.keys())
    for column in table.c:
        nullable = bool(column.nullable) and not column.primary_key
        assert _admits_none(hints[column.key]) == nullable, column.key


def test_the_joined_views_are_the_columns_their_queries_select() -> None:
    repo = IntakeRepository(cast(Any, None))  # building a query does not touch the session
    for query, view in [
        (repo._account_query(), records.AccountView),
        (repo._affiliation_query(), records.AffiliationView),
        (repo._application_query(), records.ApplicationView),
        (repo._unit_employer_query(), records.UnitEmployerView),
        (repo._declaration_query(), records.GraduateDeclarationView),
    ]:
        assert set(query.selected_columns.keys()) == set(typing.get_type_hints(view))

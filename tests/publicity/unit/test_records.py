"""Every record of ``adapters/records.py`` names exactly the columns of its table (or of the partial row
the repository selects), so that a record read from the database is what the type checker believes."""

from __future__ import annotations

from typing import get_type_hints

import pytest
import sqlalchemy as sa

from services.publicity.adapters import records, tables


def columns(table: sa.Table, *, without: tuple[str, ...] = ()) -> set[str]:
    return {c.name for c in table.c if c.name not in without}


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (records.RoundRecord, columns(tables.rounds)),
        (records.SubmissionRecord, columns(tables.submissions)),
        (records.ScoreRecord, columns(tables.scores)),
        (records.RankingRecord, columns(tables.rankings)),
        (records.RankedRecord, columns(tables.ranked)),
        (records.PublicityRecord, columns(tables.publicities)),
        (records.ScheduledPublicity, columns(tables.publicities) | {"publicity_starts_on"}),
        (records.EntryRecord, columns(tables.entries)),
        (records.StaffEntryRow, columns(tables.entries, without=("publicity_id", "search_text"))),
        (
            records.PublicEntryRow,
            {"entry_no", "rank", "name", "birth_year_month", "employer_name", "total", "indicators"},
        ),
        (records.ObjectionRecord, columns(tables.objections)),
        (records.ObjectionSummary, columns(tables.objections, without=("reporter_identity",))),
        (records.ObjectionActionRecord, columns(tables.objection_actions)),
        (records.AttachmentRecord, columns(tables.attachments)),
        (records.AttachmentMetaRecord, columns(tables.attachments, without=("content",))),
        (records.IdentityAccessRecord, columns(tables.identity_access_log)),
        (records.RateBucketRecord, columns(tables.rate_buckets)),
        (records.StaffDutyRecord, columns(tables.objection_staff)),
        (records.GraduateCandidateRecord, columns(tables.graduate_candidates)),
        (records.GraduateEntryRow, {"entry_no", "name", "age", "university", "education"}),
    ],
)
def test_a_record_names_exactly_the_columns_of_its_table(record: type, expected: set[str]) -> None:
    assert set(get_type_hints(record)) == expected


def test_nullable_columns_are_optional_in_their_record() -> None:
    for record, table in [
        (records.RoundRecord, tables.rounds),
        (records.PublicityRecord, tables.publicities),
        (records.EntryRecord, tables.entries),
        (records.ObjectionRecord, tables.objections),
        (records.IdentityAccessRecord, tables.identity_access_log),
        (records.StaffDutyRecord, tables.objection_staff),
        (records.GraduateCandidateRecord, tables.graduate_candidates),
    ]:
        hints = get_type_hints(record)
        for c in table.c:
            optional = type(None) in getattr(hints[c.name], "__args__", ())
            assert optional == c.nullable, f"{record.__name__}.{c.name}"

"""The typed rows of the scoring database are its tables: each TypedDict has exactly the columns of its
table, with a required key for every column (the repository returns rows as these records)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from services.scoring.adapters import records, tables


@pytest.mark.parametrize(
    ("record", "table"),
    [
        (records.RoundRecord, tables.rounds),
        (records.ScoreResultRecord, tables.score_results),
        (records.RankingRecord, tables.rankings),
        (records.RankingEntryRecord, tables.ranking_entries),
        (records.GraduateAssessmentRecord, tables.graduate_assessments),
    ],
    ids=lambda x: getattr(x, "__name__", getattr(x, "name", "")),
)
def test_each_record_has_exactly_the_columns_of_its_table(record: Any, table: sa.Table) -> None:
    assert record.__required_keys__ == frozenset(table.c.keys())
    assert not record.__optional_keys__


def test_a_new_score_result_is_the_row_without_its_identity() -> None:
    assert records.NewScoreResult.__required_keys__ == frozenset(tables.score_results.c.keys()) - {"id"}


def test_a_new_graduate_assessment_is_the_row_without_its_identity() -> None:
    assert records.NewGraduateAssessment.__required_keys__ == (
        frozenset(tables.graduate_assessments.c.keys()) - {"id"}
    )

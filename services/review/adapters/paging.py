"""A page of rows, and reading a row as its table's TypedDict (shared by the repositories)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, cast

import sqlalchemy as sa

R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[R]):
    items: list[R]
    total: int


def typed(row: sa.RowMapping, kind: type[R]) -> R:
    # The row of a ``sa.select(table)``: its keys and types are the table's, as ``records`` declares.
    return cast(R, dict(row))

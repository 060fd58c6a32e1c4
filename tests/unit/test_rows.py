"""The version row: one declaration gives the table, the insert parameters and the decoding."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.facts import FactContent
from stanceline.domain.intake import validate_fact
from stanceline.domain.recording import new_fact
from stanceline.projections.rows import (
    COLUMNS,
    NAMES,
    VERSIONS_TABLE,
    WIRE_COLUMNS,
    WIRE_FIELDS,
    FactRow,
    new_fact_row,
    to_params,
    to_row,
)
from tests.strategies import fact_contents, fact_ids, texts

CATALOGUE = ActorCatalogue.default()


def test_the_columns_are_the_row_s_fields_in_order() -> None:
    assert FactRow._fields == NAMES
    assert COLUMNS.split(", ") == list(FactRow._fields)
    assert set(NAMES) >= WIRE_FIELDS
    assert set(WIRE_COLUMNS.split(", ")) == WIRE_FIELDS


@given(
    content=fact_contents(),
    fact_id=fact_ids(),
    by=texts(),
    position=st.integers(1, 2**53 - 1),
    when=st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 1)),
)
def test_a_row_stored_in_the_declared_table_reads_back_as_itself(
    content: FactContent, fact_id: str, by: str, position: int, when: datetime
) -> None:
    raw = {"id": fact_id, **content.model_dump(mode="json")}
    row = new_fact_row(
        position, new_fact(validate_fact(raw, CATALOGUE), recorded_at=when, recorded_by=by)
    )
    table = sqlite3.connect(":memory:")
    table.row_factory = sqlite3.Row
    table.execute(f"CREATE TABLE stance_versions ({VERSIONS_TABLE})")
    table.execute(
        f"INSERT INTO stance_versions ({COLUMNS}) VALUES ({', '.join('?' * len(NAMES))})",
        to_params(row),
    )

    (record,) = table.execute(f"SELECT {COLUMNS} FROM stance_versions").fetchall()

    assert to_row(record) == row

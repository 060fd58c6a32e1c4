"""The read model in a PostgreSQL store: its tables in the store's schema, and its write lock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.errors import LockNotAvailable
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from stanceline.errors import LockBusyError
from stanceline.projections.index import INDEX_TABLE, SEGMENTS_TABLE
from stanceline.projections.model import VERSIONS_COLUMNS, StanceModel

# What the view creates beside its tracking table (keep in step with __init__).
_RELATIONS = (
    "stance_index",
    "stance_segments",
    "stance_versions",
    "stance_versions_actor",
    "stance_versions_recorded",
    "stanceline_store",
)
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def quoted(*names: str) -> str:
    """A (schema-)qualified SQL identifier, quoted."""
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


class PostgresStanceView(StanceModel, PostgresTrackingRecorder):
    """The read model's tables in the PostgreSQL store, in the same schema as the event log."""

    POSITIONAL = "%s"

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = self.datastore.schema
        self._tables = {
            "versions": quoted(schema, "stance_versions"),
            "segments": quoted(schema, "stance_segments"),
            "indexed": quoted(schema, "stance_index"),
            "store": quoted(schema, "stanceline_store"),
            "tracking": quoted(schema, self.tracking_table_name),
            "head": f"(SELECT MAX(notification_id) FROM {quoted(schema, 'stanceline_events')})",
        }
        versions = self._tables["versions"]
        self.sql_create_statements += [
            SQL(statement).format()  # made of quoted names only, no user input
            for statement in (
                f"CREATE TABLE IF NOT EXISTS {versions} ({VERSIONS_COLUMNS})",
                f"CREATE INDEX IF NOT EXISTS stance_versions_actor "
                f"ON {versions} (actor, superseded_at)",
                f"CREATE INDEX IF NOT EXISTS stance_versions_recorded ON {versions} (recorded_at)",
                f"CREATE TABLE IF NOT EXISTS {self._tables['segments']} ({SEGMENTS_TABLE})",
                f"CREATE TABLE IF NOT EXISTS {self._tables['indexed']} ({INDEX_TABLE})",
                # The store's own id, the stable `source` of its CloudEvents (not part of the
                # model: a rebuild keeps it).
                f"CREATE TABLE IF NOT EXISTS {self._tables['store']} (id TEXT NOT NULL)",
            )
        ]
        self._locks = {
            name: SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(Identifier(schema, table))
            for name, table in (("versions", "stance_versions"), ("store", "stanceline_store"))
        }

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # No DDL on a store that has it all: CREATE INDEX IF NOT EXISTS would take a SHARE
        # lock, and so wait for any projector holding the table (store_postgres.py says more).
        if self.tracking_migration_previous and self._all_exist(curs):
            return
        # Two processes opening a new store at once must not both create the tables.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext('stanceline:create'))")
        super()._create_table(curs)
        self._seed_index(curs)

    def _all_exist(self, curs: Cursor[DictRow]) -> bool:
        """Whether the schema holds every table and index this view makes (from the catalogue)."""
        names = [*_RELATIONS, self.tracking_table_name]
        curs.execute(
            "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE s.nspname = %s AND c.relname = ANY(%s)",
            (self.datastore.schema, names),
        )
        found = curs.fetchone()
        return found is not None and found["n"] == len(names)

    def _sql(self, statement: str) -> str:
        return _NAMED.sub(r"%(\1)s", statement.format(**self._tables))

    @contextmanager
    def _writing(self, table: str = "versions", wait: bool = True) -> Iterator[Cursor[DictRow]]:
        """A write transaction that holds the model's table lock (readers are not blocked).

        EXCLUSIVE mode lets SELECTs through but makes a second projector wait
        its turn, and then it finds the positions already applied.
        """
        with self.datastore.transaction(commit=True) as c:
            if wait:
                c.execute(self._locks[table])
            else:
                try:
                    c.execute(self._locks[table] + SQL(" NOWAIT"))
                except LockNotAvailable as error:
                    raise LockBusyError(str(error)) from error
            yield c

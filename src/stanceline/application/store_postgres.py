"""The store on PostgreSQL: an events recorder that refuses changes, and its connection pool."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal
from psycopg_pool import ConnectionPool

TRIGGER = "stanceline_events_immutable"
FUNCTION = "stanceline_reject_change"

log = logging.getLogger("stanceline.store")


class ImmutableEventsRecorder(PostgresApplicationRecorder):
    """Stored events are never edited or deleted: a trigger refuses UPDATE, DELETE, TRUNCATE.

    Revoking privileges cannot do it: the recorder's LOCK TABLE ... IN
    EXCLUSIVE MODE needs more than SELECT and INSERT.
    """

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        # NOTIFY channels belong to the database, not to a schema: name the schema too, so
        # that stores in other schemas of the same database do not wake this one's readers.
        self.channel_name = f"{self.datastore.schema}.{self.events_table_name}"

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # Two processes opening a new store at once must not both create the tables.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext('stanceline:create'))")
        super()._create_table(curs)
        schema, table = self.datastore.schema, self.events_table_name
        curs.execute(
            SQL(
                "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'stored events cannot be changed: % on %.% refused', "
                "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME; END $$"
            ).format(function=Identifier(schema, FUNCTION))
        )
        # Created only when missing: CREATE OR REPLACE TRIGGER would lock the table each start.
        curs.execute(
            SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger "
                "WHERE tgrelid = {regclass}::regclass AND tgname = {name}) THEN "
                "CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {function}(); END IF; END $$"
            ).format(
                regclass=Literal(Identifier(schema, table).as_string(curs)),
                name=Literal(TRIGGER),
                trigger=Identifier(TRIGGER),
                table=Identifier(schema, table),
                function=Identifier(schema, FUNCTION),
            )
        )


def configure_pool(datastore: PostgresDatastore, application_name: str) -> None:
    """Name the pool's connections, and make one dead connection renew the whole pool.

    Called before the pool opens. Every connection is checked before use (an empty
    query). When the server has dropped them (a restart, a failover, terminated
    backends) they are all dead: on the first failed check the pool is drained, so
    the request waits for one fresh connection instead of checking each dead one in
    turn (psycopg_pool backs off 1 s, 2 s, 4 s... between failed checks).
    """
    pool = datastore.pool
    assert isinstance(pool.kwargs, dict)
    pool.kwargs["application_name"] = application_name

    def check(connection: psycopg.Connection[Any]) -> None:
        try:
            ConnectionPool.check_connection(connection)
        except Exception:
            log.warning("a pooled connection was dropped by the server; renewing the pool")
            pool.drain()
            raise

    # psycopg_pool takes the check only as a constructor argument, and eventsourcing
    # makes the pool: set it on the pool before it opens.
    pool._check = check

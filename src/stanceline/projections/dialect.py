"""What the read model needs to know of its store: names, parameters, locks, tables, tracking.

The read model's SQL is written once, with `:name` parameters and `{versions}`,
`{segments}`, `{indexed}`, `{format}`, `{store}`, `{tracking}` and `{head}` for
the tables (`{head}`: the log's last position). Each store's dialect
(adapters/) says how to run it: its table names and parameter style, its write
lock, how it makes the tables, and how it keeps the tracking position.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ClassVar

# The name the read model's position is tracked under.
UPSTREAM = "stanceline"


class Dialect(ABC):
    """One store's way of running the read model's SQL."""

    # The store's positional parameter ("?" or "%s"): rows are inserted by position,
    # which binds about 2 µs a row faster than by name.
    POSITIONAL: ClassVar[str]

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore

    @abstractmethod
    def sql(self, statement: str) -> str:
        """The statement with this store's table names and parameter style."""

    @abstractmethod
    def writing(self, table: str = "versions", wait: bool = True) -> AbstractContextManager[Any]:
        """A write transaction holding the write lock of `table` (one projector at a time).

        With `wait` False, LockBusyError at once when another transaction holds it.
        """

    @abstractmethod
    def create_tables(
        self,
        statements: Sequence[str],
        made: Callable[[Any], None],
        columns: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Make the tables of `statements` where missing, then call `made` in that transaction.

        `columns` (table key, name, SQL type) were added to tables an earlier release
        made: they are added to such a table first, before the statements run (an index
        on one, say).
        """

    def has_table(self, key: str) -> bool:
        """Whether the table named by `key` (as in TABLES) is there: always, where every
        opening makes the missing ones."""
        return True

    @abstractmethod
    def position(self) -> int:
        """The last log position the read model holds (0 when none)."""

    @abstractmethod
    def track(self, c: Any, position: int) -> None:
        """In the caller's write transaction: the read model now holds the log to `position`."""

    def reading(self) -> AbstractContextManager[Any]:
        """A read transaction's cursor."""
        return self.datastore.transaction(commit=False)  # type: ignore[no-any-return]

    def reading_one(self) -> AbstractContextManager[Any]:
        """A cursor for one statement, which is then its own transaction (the hot reads)."""
        return self.reading()

    def reading_at_once(self) -> AbstractContextManager[Any | None]:
        """A read transaction's cursor if one can be had without waiting, else None.

        None here: a store whose reads wait on the network is never read on an event loop.
        """
        return nullcontext(None)

    def run(self, c: Any, statement: str, params: Any = None) -> None:
        """Run one of the read model's statements on cursor `c`."""
        if params is None:
            c.execute(self.sql(statement))
        else:
            c.execute(self.sql(statement), params)

"""The project's errors: one base class, each subclass also under the nearest builtin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple


class StancelineError(Exception):
    """Base class of every error stanceline raises on purpose."""


# The record: dates, actors, facts and changes


class InvalidDateError(StancelineError, ValueError):
    """An effective date that is not valid EDTF or names an impossible day or range."""


class InvalidRangeError(StancelineError, ValueError):
    """A range of days whose first day is after its last."""


class InvalidKnownAtError(StancelineError, ValueError):
    """A known-at value that is neither an ISO 8601 timestamp nor @N."""


class UnknownActorError(StancelineError, LookupError):
    """An actor name or code that neither the country table nor the catalogue knows."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        self.text = text
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown actor {text!r}{hint}")


class CatalogueError(StancelineError, ValueError):
    """An organisation catalogue file or entry that cannot be loaded."""


class QueryError(StancelineError, ValueError):
    """A question's parameter that names no part of a stance or no value of it: names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


class InvalidFactError(StancelineError, ValueError):
    """A fact whose fields do not validate."""


class FieldError(InvalidFactError):
    """A fact or change field that does not validate: names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class JsonInputError(StancelineError, ValueError):
    """Input that is not JSON the reader takes: malformed, not UTF-8, a key twice, too deep,
    too long; `field` names where (empty for the whole value), `line` and `column` when known."""

    def __init__(self, field: str, message: str, line: int = 0, column: int = 0) -> None:
        self.field = field
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"{field}: {message}" if field else message)


class ImportFileError(StancelineError, ValueError):
    """A line of an import file that cannot be recorded; nothing of the file was written."""

    def __init__(self, path: str, line: int, field: str, message: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.message = message
        where = f"{path}:{line}" if line else path
        prefix = f"{field}: " if field else ""
        super().__init__(f"{where}: {prefix}{message}")


class UnknownFactError(StancelineError, LookupError):
    """A fact id that is not in the store."""


class FactStateError(StancelineError, ValueError):
    """A change that the fact's current state does not allow (e.g. retracting it twice)."""


# The store


class StoreConfigError(StancelineError, ValueError):
    """A store URL that stanceline cannot use."""


class StoreDamagedError(StancelineError, OSError):
    """A store that cannot be opened as one: not a database, truncated, malformed."""


class StoreReadOnlyError(StancelineError, PermissionError):
    """A write asked of a store this process can only read (its file or folder is read-only)."""


class StoreBehindError(StancelineError, RuntimeError):
    """A question about a log position that a read-only server's read model has not reached."""


class StoreUnavailableError(StancelineError, ConnectionError):
    """A store whose server refuses the connection (refused, no such database or role)."""


class StoredEventError(StancelineError, ValueError):
    """A stored event that cannot be read back (unknown topic or invalid state)."""


class ProjectionError(StancelineError, RuntimeError):
    """The read model refuses events of the log that no other projector has taken."""


class StoreBusyError(StancelineError, RuntimeError):
    """Concurrent writers kept conflicting; nothing of this write was stored."""


class LockBusyError(StancelineError, RuntimeError):
    """The read model's write lock is held by another transaction, and we would not wait."""


class StoreNotEmptyError(StancelineError, ValueError):
    """A migration target that already holds events: nothing was written to it."""


class MigrationError(StancelineError, RuntimeError):
    """A log that could not be copied as it is."""


class ExpectError(StancelineError, ValueError):
    """An expected head digest that is not of the form sha256:<64 hex digits>@N."""


# The faces


class ChartFormatError(StancelineError, ValueError):
    """A chart's output file whose name ends in neither .svg nor .png."""


class TokenFileError(StancelineError, ValueError):
    """A token file that cannot be used: unreadable, malformed, or a token too short."""


class FieldIssue(NamedTuple):
    """One bad field of an HTTP request: its name, what is wrong, and the body's line."""

    field: str
    message: str
    line: int | None = None


class ProblemError(StancelineError, RuntimeError):
    """An HTTP request that ends in a problem answer (RFC 9457): raised anywhere in it."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        errors: Sequence[FieldIssue] = (),
        suggestions: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.suggestions = list(suggestions)
        self.headers = dict(headers or {})


# The relay into a message broker


class BrokerUnavailableError(StancelineError, ConnectionError):
    """A message broker that cannot be reached, or whose connection was lost."""


class StreamMovedError(StancelineError, RuntimeError):
    """A stream that is not where its publisher expected: someone else wrote to it."""

    def __init__(self, published: int, message: str = "the stream moved") -> None:
        self.published = published
        super().__init__(message)


class RelayError(StancelineError, RuntimeError):
    """A stream the relay cannot go on with: another store's, refused, or without its end."""

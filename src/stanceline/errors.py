"""The project's errors: one base class, each subclass also inheriting the nearest builtin."""


class StancelineError(Exception):
    """Base class of every error stanceline raises on purpose."""


class InvalidDateError(StancelineError, ValueError):
    """An effective date that is not valid EDTF or names an impossible day or range."""


class UnknownActorError(StancelineError, LookupError):
    """An actor name or code that neither the country table nor the catalogue knows."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        self.text = text
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown actor {text!r}{hint}")


class InvalidFactError(StancelineError, ValueError):
    """A fact whose fields do not validate."""


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


class ConflictingFactError(StancelineError, ValueError):
    """An explicit fact id that is already stored with different content."""


class StoreConfigError(StancelineError, ValueError):
    """A store URL that stanceline cannot use."""


class CatalogueError(StancelineError, ValueError):
    """An organisation catalogue file or entry that cannot be loaded."""


class ProjectionError(StancelineError, RuntimeError):
    """The read model refuses events of the log that no other projector has taken."""


class StoreBusyError(StancelineError, RuntimeError):
    """Concurrent writers kept conflicting; nothing of this write was stored."""


class InvalidRangeError(StancelineError, ValueError):
    """A range of days whose first day is after its last."""

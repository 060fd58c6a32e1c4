"""What one version of a fact changed from the one before, field by field.

Both versions are the fact as the import format writes it (plain JSON objects).
A field is named by its dotted path (`source.url`, `details.level`): objects on
both sides are compared key by key; anything else is compared whole. A key left
out and a key holding null are the same (the import format leaves out what is
not given), so a field given or taken away changes from or to None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field whose value differs between two versions (None: not given)."""

    path: tuple[str, ...]  # the keys from the top object down to the field
    before: Any
    after: Any

    @property
    def field(self) -> str:
        """The field's dotted path: `date`, `source.url`, `details.level`."""
        return ".".join(self.path)


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """Every field that differs, in the order the fields are written (before's keys first)."""
    return list(_walk((), before, after))


def _walk(
    path: tuple[str, ...], before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterator[FieldChange]:
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            yield from _walk((*path, key), old, new)
        # 1, 1.0 and true are equal in Python but not in JSON.
        elif old != new or type(old) is not type(new):
            yield FieldChange((*path, key), old, new)

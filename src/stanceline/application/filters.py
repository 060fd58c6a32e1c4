"""Which parts of a stance a question names: a timeline's part, and the world's filters.

A world filter keeps the actors whose answer has, for every part it names, one of the
values it names for that part: conditions on different parts are ANDed, conditions on
the same part ORed. A condition matches a part's `value` (the value the stance JSON
shows), not its alternatives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from stanceline.application.reports import StanceReport
from stanceline.domain.facts import VALUES, Component
from stanceline.domain.stance import Summary
from stanceline.domain.timeline import Part
from stanceline.errors import QueryError

# Every value each part can take, in the order the docs list them.
PART_VALUES: dict[Part, tuple[str, ...]] = {
    Part.SUMMARY: tuple(summary.value for summary in Summary),
    **{Part(component.value): VALUES[component] for component in Component},
}
# What `where` takes: per part, one value or several.
Where = Mapping[str, str | Iterable[str]]


def parse_part(text: str, field: str = "part") -> Part:
    """The part of a stance `text` names: 'summary' or a component."""
    try:
        return Part(text)
    except ValueError:
        parts = ", ".join(PART_VALUES)
        raise QueryError(field, f"unknown part {text!r}; the parts are {parts}") from None


def parse_value(part: Part, value: str, field: str | None = None) -> str:
    """`value`, once checked to be one the part can take."""
    if value not in PART_VALUES[part]:
        values = ", ".join(PART_VALUES[part])
        raise QueryError(
            field or part.value, f"{part.value} has no value {value!r}; its values are {values}"
        )
    return value


def parse_condition(text: str, field: str = "where") -> tuple[Part, str]:
    """A condition written PART=VALUE (`summary=ambassador_level`), checked."""
    name, sep, value = text.partition("=")
    if not sep:
        raise QueryError(field, f"{text!r} is not PART=VALUE (as in summary=ambassador_level)")
    part = parse_part(name.strip(), field)
    return part, parse_value(part, value.strip(), field)


@dataclass(frozen=True, slots=True)
class WorldFilter:
    """The values asked of each part named, parts and values in their documented order; an
    empty filter keeps everyone."""

    wanted: tuple[tuple[Part, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, conditions: Iterable[tuple[Part, str]]) -> WorldFilter:
        """The filter of checked (part, value) conditions (parse_condition's)."""
        found: dict[Part, set[str]] = {}
        for part, value in conditions:
            found.setdefault(part, set()).add(value)
        return cls(
            tuple(
                (part, tuple(v for v in PART_VALUES[part] if v in found[part]))
                for part in Part
                if part in found
            )
        )

    @classmethod
    def where(cls, where: Where | None) -> WorldFilter:
        """The filter of a mapping of part names to one value or several (a Python caller's)."""
        conditions = []
        for name, given in (where or {}).items():
            part = parse_part(name, name)
            values = [given] if isinstance(given, str) else list(given)
            conditions += [(part, parse_value(part, value)) for value in values]
        return cls.of(conditions)

    def __bool__(self) -> bool:
        return bool(self.wanted)

    def keeps(self, report: StanceReport) -> bool:
        """Whether the actor's answer has one of the values asked, for every part asked."""
        return all(_value(report, part) in values for part, values in self.wanted)

    def apply(self, reports: Sequence[StanceReport]) -> list[StanceReport]:
        """The reports this filter keeps, in their order."""
        return [report for report in reports if self.keeps(report)]

    def text(self) -> str:
        """The filter in words: 'summary is recognized or ambassador_level, and sanctions is
        active'."""
        return ", and ".join(
            f"{part.value} is {' or '.join(values)}" for part, values in self.wanted
        )


def _value(report: StanceReport, part: Part) -> str:
    if part is Part.SUMMARY:
        return report.summary.value
    return report.components[part.value].value

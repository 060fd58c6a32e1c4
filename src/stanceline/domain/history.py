"""An actor's history: every fact in effective-date order, with what it changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from stanceline.domain.facts import DEFAULTS, Component


@dataclass(frozen=True, slots=True)
class Step:
    """One fact placed in an actor's history."""

    fact_id: str
    edtf: str
    earliest: date
    latest: date
    position: int
    component: Component | None
    value: str | None
    measure: str | None


@dataclass(frozen=True, slots=True)
class Change:
    """A step with the component's value before and after it."""

    step: Step
    before: str | None
    after: str | None
    overlaps: bool

    @property
    def changed(self) -> bool:
        """Whether the value moved (statements never move one)."""
        return self.before != self.after


def history(steps: Sequence[Step], aside: Sequence[Step] = ()) -> list[Change]:
    """Order by (earliest, latest, recording) and follow each component's value.

    Where a fact's range overlaps another fact of the same component, the
    order of the two is not known: `overlaps` says so, and the before/after
    values follow the order shown. Facts `aside` (those that no longer count)
    are placed in the same order but move nothing: their value before and after
    is the component's value where they stand.
    """
    counting = list(steps)
    set_aside = set(aside)
    ordered = sorted([*counting, *aside], key=lambda s: (s.earliest, s.latest, s.position))
    current: dict[Component, str] = dict(DEFAULTS)
    measures: dict[str | None, str] = {}
    changes = []
    for step in ordered:
        if step.component is None or step.value is None:
            changes.append(Change(step, None, None, overlaps=False))
            continue
        before = current[step.component]
        if step in set_aside:
            changes.append(Change(step, before, before, overlaps=False))
            continue
        if step.component is Component.SANCTIONS:
            measures[step.measure] = step.value
            after = "active" if "active" in measures.values() else "none"
        else:
            after = step.value
        current[step.component] = after
        changes.append(Change(step, before, after, _overlaps(step, counting)))
    return changes


def _overlaps(step: Step, steps: Sequence[Step]) -> bool:
    return any(
        other is not step
        and other.component is step.component
        and other.measure == step.measure
        and other.earliest <= step.latest
        and step.earliest <= other.latest
        for other in steps
    )

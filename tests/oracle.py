"""The oracle for competing claims (DESIGN §7): a brute-force enumeration of claims x days."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from itertools import product

from stanceline.domain.claims import happening
from stanceline.domain.facts import DEFAULTS, Component
from stanceline.domain.stance import Occurrence, summarise

SUMMARY_INPUTS = (
    Component.RECOGNITION,
    Component.TALIBAN_ENVOY,
    Component.ENVOY_TO_KABUL,
    Component.DESIGNATION,
)

# The oracle: per happening one claim and one day of its range; the latest chosen claim on
# or before the day gives the value (same day: recording order).

Choice = tuple[Occurrence, date]


def days_of(claim: Occurrence) -> list[date]:
    span = (claim.latest - claim.earliest).days
    return [claim.earliest + timedelta(days=n) for n in range(span + 1)]


def happenings(claims: Sequence[Occurrence]) -> list[list[Occurrence]]:
    groups: dict[str, list[Occurrence]] = {}
    for claim in claims:
        groups.setdefault(happening(claim), []).append(claim)
    return list(groups.values())


def choices(groups: Sequence[Sequence[Occurrence]]) -> Iterator[tuple[Choice, ...]]:
    return product(*([(c, d) for c in claims for d in days_of(c)] for claims in groups))


def value_on(chosen: Sequence[Choice], on: date, default: str) -> str:
    happened = [(day, claim.position, claim.value) for claim, day in chosen if day <= on]
    return max(happened)[2] if happened else default


def measures(claims: Sequence[Occurrence]) -> dict[str | None, list[Occurrence]]:
    found: dict[str | None, list[Occurrence]] = {}
    for claim in claims:
        found.setdefault(claim.measure, []).append(claim)
    return found


def component_possible(
    component: Component, groups: Sequence[Sequence[Occurrence]], on: date
) -> frozenset[str]:
    """Every value some choice gives; sanctions: active while any measure is."""
    if component is not Component.SANCTIONS:
        default = DEFAULTS[component]
        return frozenset(value_on(chosen, on, default) for chosen in choices(groups))
    by_measure: dict[str | None, list[Sequence[Occurrence]]] = {}
    for claims in groups:
        by_measure.setdefault(claims[0].measure, []).append(claims)
    per_measure = [
        {value_on(chosen, on, "none") for chosen in choices(measure_groups)}
        for measure_groups in by_measure.values()
    ]
    return frozenset(
        "active" if "active" in combo else "none" for combo in product(*per_measure)
    ) or frozenset({"none"})


def fixings(groups: Sequence[Sequence[Occurrence]]) -> Iterator[list[list[Sequence[Occurrence]]]]:
    """For each happening with two or more claims: the groups with it fixed to each claim."""
    for i, claims in enumerate(groups):
        if len(claims) > 1:
            yield [[*groups[:i], [claim], *groups[i + 1 :]] for claim in claims]


def primary_value(claims: Sequence[Occurrence], on: date, default: str) -> tuple[str, str | None]:
    """§3's value with each happening read as its claim recorded first."""
    primary = [min(group, key=lambda c: c.position) for group in happenings(claims)]
    certain = [c for c in primary if c.latest <= on]
    if not certain:
        return default, None
    behind = max(certain, key=lambda c: (c.latest, c.position))
    return behind.value, behind.edtf


def summary_possible(possibles: dict[Component, frozenset[str]]) -> frozenset[str]:
    inputs = [sorted(possibles[c]) for c in SUMMARY_INPUTS]
    return frozenset(summarise(*combo) for combo in product(*inputs))


def oracle(facts: Sequence[Occurrence], on: date) -> dict[str, tuple[object, ...]]:
    """Each part's (possible, disputed, default) on `on`, and the summary's, by enumeration."""
    by_component = {c: [f for f in facts if f.component is c] for c in Component}
    groups = {c: happenings(claims) for c, claims in by_component.items()}
    possibles = {c: component_possible(c, groups[c], on) for c in Component}
    found: dict[str, tuple[object, ...]] = {}
    summary_disputed = False
    for component in Component:
        readings = [
            {component_possible(component, fixed, on) for fixed in alternatives}
            for alternatives in fixings(groups[component])
        ]
        disputed = any(len(reading) > 1 for reading in readings)
        default = not any(f.earliest <= on for f in by_component[component])
        found[component.value] = (possibles[component], disputed, default)
        if component in SUMMARY_INPUTS:
            summary_disputed |= any(
                len({summary_possible({**possibles, component: p}) for p in reading}) > 1
                for reading in readings
            )
    every_default = all(found[c.value][2] for c in Component)
    found["summary"] = (summary_possible(possibles), summary_disputed, every_default)
    return found

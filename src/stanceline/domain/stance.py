"""Stance rules: the possible values of each component on a day, and the summary.

Each fact happened on one unknown day inside its range. A component's value on
day D is the effect of the latest fact on or before D (same day: recording
order), or the default. The possible values are those some choice of days
gives. That set has a closed form, so no enumeration is needed:

* a fact whose range ends on or before D has certainly happened ("certain");
* a fact that starts after D cannot matter;
* with K the greatest (earliest, position) over the certain facts, a fact f
  that may have happened by D can be the last one exactly when
  (min(latest_f, D), position_f) >= K: put f as late as it can go, every other
  certain fact as early as it can go, and every uncertain one after D;
* the default stays possible only while no fact is certain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import lru_cache
from itertools import product

from stanceline.domain import claims
from stanceline.domain.answer import Answer, Certainty, Occurrence
from stanceline.domain.facts import DEFAULTS, Component

__all__ = ["Answer", "Certainty", "Occurrence", "Stance", "Summary", "stance_on", "summary_of"]


class Summary(StrEnum):
    """One word for a stance, in rule order (the first rule that holds wins)."""

    RECOGNIZED = "recognized"
    AMBASSADOR_LEVEL = "ambassador_level"
    CHARGE_LEVEL = "charge_level"
    DESIGNATED = "designated"
    NO_RELATIONS = "no_relations"


@dataclass(frozen=True, slots=True)
class Stance:
    """An actor's stance on one day: the summary and all six components."""

    on: date
    summary: Answer
    components: dict[Component, Answer]


def _order(occurrence: Occurrence) -> tuple[date, int]:
    return occurrence.latest, occurrence.position


def answer_on(occurrences: Iterable[Occurrence], on: date, default: str) -> Answer:
    """The answer of one small component (all facts moving the same thing) on `on`."""
    return _solve(occurrences, on, default)[0]


def _solve(
    occurrences: Iterable[Occurrence], on: date, default: str
) -> tuple[Answer, Occurrence | None]:
    occurrences = list(occurrences)
    if claims.has_disputes(occurrences):
        return claims.solve(occurrences, on, default)
    relevant = [o for o in occurrences if o.earliest <= on]
    certain = [o for o in relevant if o.latest <= on]
    if not certain:
        candidates = relevant
        possible = {default, *(o.value for o in relevant)}
        behind = None
    else:
        bound = max((o.earliest, o.position) for o in certain)
        candidates = [o for o in relevant if (min(o.latest, on), o.position) >= bound]
        possible = {o.value for o in candidates}
        behind = max(certain, key=_order)
    value = behind.value if behind else default
    others = sorted((o for o in candidates if o is not behind), key=_order, reverse=True)
    facts = ([behind] if behind else []) + [o for o in others if o.value != value]
    answer = Answer(
        value=value,
        possible=frozenset(possible),
        since=behind.edtf if behind else None,
        facts=tuple(o.fact_id for o in facts),
        default=not relevant,
    )
    return answer, behind


def _sanctions_answer(occurrences: Sequence[Occurrence], on: date) -> Answer:
    """Sanctions are active while any measure is; each measure is its own component."""
    measures: dict[str | None, list[Occurrence]] = {}
    for occurrence in occurrences:
        measures.setdefault(occurrence.measure, []).append(occurrence)
    return combine_measures([_solve(group, on, "none") for group in measures.values()])


def combine_measures(solved: Sequence[tuple[Answer, Occurrence | None]]) -> Answer:
    """The sanctions answer from each measure's answer and the fact behind it.

    In the order the measures first appear among the facts.
    """
    answers = [answer for answer, _ in solved]
    possible = _sanctions_possible([a.possible for a in answers])
    # A measure's happening whose claims disagree: what each leaves of the whole.
    readings = set()
    for i, answer in enumerate(answers):
        for reading in answer.readings:
            others = [a.possible for a in answers[:i] + answers[i + 1 :]]
            fixed = frozenset(_sanctions_possible([p, *others]) for p in reading)
            if len(fixed) > 1:
                readings.add(fixed)
    value = "active" if any(a.value == "active" for a in answers) else "none"
    behind = max(
        (b for a, b in solved if a.value == value and b is not None), key=_order, default=None
    )
    # A measure certainly at another value than the whole cannot have set it.
    facts = [f for a in answers if a.value == value or len(a.possible) > 1 for f in a.facts]
    if behind is not None:
        facts.remove(behind.fact_id)
        facts.insert(0, behind.fact_id)
    return Answer(
        value=value,
        possible=possible,
        since=behind.edtf if behind else None,
        facts=tuple(facts),
        disputed=bool(readings),
        default=all(a.default for a in answers),
        readings=frozenset(readings),
    )


def _sanctions_possible(measures: Sequence[frozenset[str]]) -> frozenset[str]:
    """Active may be while any measure may be; none while every measure may be none."""
    possible = set()
    if any("active" in p for p in measures):
        possible.add("active")
    if all("none" in p for p in measures):
        possible.add("none")
    return frozenset(possible)


def summarise(recognition: str, taliban_envoy: str, envoy_to_kabul: str, designation: str) -> str:
    """The summary rule: the first that holds of recognized > ambassador > chargé > designated."""
    envoys = (taliban_envoy, envoy_to_kabul)
    if recognition == "recognized":
        return Summary.RECOGNIZED.value
    if "ambassador" in envoys:
        return Summary.AMBASSADOR_LEVEL.value
    if "charge_d_affaires" in envoys:
        return Summary.CHARGE_LEVEL.value
    if designation == "designated":
        return Summary.DESIGNATED.value
    return Summary.NO_RELATIONS.value


_SUMMARY_INPUTS = (
    Component.RECOGNITION,
    Component.TALIBAN_ENVOY,
    Component.ENVOY_TO_KABUL,
    Component.DESIGNATION,
)


def stance_on(occurrences: Iterable[Occurrence], on: date) -> Stance:
    """An actor's stance on `on`, from every fact of that actor (statements excluded)."""
    by_component: dict[Component, list[Occurrence]] = {c: [] for c in Component}
    for occurrence in occurrences:
        by_component[occurrence.component].append(occurrence)
    components = {
        component: (
            _sanctions_answer(group, on)
            if component is Component.SANCTIONS
            else answer_on(group, on, DEFAULTS[component])
        )
        for component, group in by_component.items()
    }
    return Stance(on=on, summary=summary_of(components), components=components)


def summary_of(components: Mapping[Component, Answer]) -> Answer:
    """The summary's answer from the components' answers: the rule on every combination.

    Disputed when a happening of one input whose claims disagree leaves the summary
    different possible values by the claim it is fixed to; a default when every
    component is.
    """
    inputs = [components[c] for c in _SUMMARY_INPUTS]
    values = tuple(a.value for a in inputs)
    possibles = tuple(a.possible for a in inputs)
    answer = _summary_of(values, possibles)
    disputed = any(
        len(
            {
                _summary_of(values, (*possibles[:i], fixed, *possibles[i + 1 :])).possible
                for fixed in reading
            }
        )
        > 1
        for i, a in enumerate(inputs)
        for reading in a.readings
    )
    default = all(a.default for a in components.values())
    if disputed or default:
        return replace(answer, disputed=disputed, default=default)
    return answer


# Few combinations exist (at most 36 of values times 441 of possible sets); a world asks
# for the same ones again and again.
@lru_cache(maxsize=1024)
def _summary_of(values: tuple[str, ...], possibles: tuple[frozenset[str], ...]) -> Answer:
    possible = {summarise(*combo) for combo in product(*(sorted(p) for p in possibles))}
    return Answer(summarise(*values), frozenset(possible))

"""Sources that disagree (DESIGN §7) on a real store: claims, ranks, according-to, the index.

The law: for random happenings told by one to three claims (overlapping dates,
different effects, ranks, several sources), rank changes and retractions, every
part's possible values, disputed, default and value, and the summary's, equal
the brute-force enumeration over claims x days, in the default view and
according to each source, through the index and through the rules.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from stanceline.application import Stanceline
from stanceline.application.reports import StanceReport
from stanceline.domain.dates import parse_effective_date
from stanceline.domain.facts import DEFAULTS, Component, FactKind, Rank, details_model, effect_of
from stanceline.domain.stance import Occurrence
from stanceline.errors import FactStateError, FieldError, UnknownFactError
from tests.integration.conftest import AppFactory
from tests.oracle import oracle, primary_value
from tests.stores import Stores
from tests.strategies import (
    CHANGE_WINDOW_DAYS,
    CHANGE_WINDOW_START,
    CLAIM_ACTORS,
    CLAIM_PUBLISHERS,
    Operation,
    claim_scripts,
)

QUERY_DAYS = [
    CHANGE_WINDOW_START + timedelta(days=offset) for offset in range(-1, CHANGE_WINDOW_DAYS + 1)
]


@dataclass
class Claim:
    """A recorded fact as the test keeps it: enough to know whether and how it counts."""

    line: dict[str, object]
    position: int
    rank: Rank
    retracted: bool = False

    @property
    def publishers(self) -> set[str]:
        sources = self.line.get("sources") or [self.line["source"]]
        return {str(s["publisher"]) for s in sources}  # type: ignore[index, union-attr]

    def occurrence(self) -> Occurrence:
        kind = FactKind(str(self.line["kind"]))
        details = details_model(kind).model_validate(self.line["details"])
        effect = effect_of(kind, details)
        assert effect is not None
        effective = parse_effective_date(str(self.line["date"]))
        return Occurrence(
            str(self.line["id"]),
            effect.component,
            effect.value,
            effective.earliest,
            effective.latest,
            self.position,
            effective.text,
            effect.measure,
            self.line.get("event"),  # type: ignore[arg-type]
        )


def counting_claims(claims: list[Claim], according_to: str | None) -> list[Occurrence]:
    """The claims that count in a view, worked out from the rules' words, not the code's."""
    alive = [c for c in claims if not c.retracted]
    if according_to is not None:
        return [c.occurrence() for c in alive if according_to in c.publishers]
    kept = []
    for claim in alive:
        event = claim.line.get("event")
        if claim.rank is Rank.DEPRECATED:
            continue
        peers = [c for c in alive if event is not None and c.line.get("event") == event]
        preferred = any(c.rank is Rank.PREFERRED for c in peers)
        if claim.rank is Rank.PREFERRED or not preferred:
            kept.append(claim.occurrence())
    return kept


def run(app: Stanceline, script: list[Operation]) -> list[Claim]:
    """Apply the script; a refused change must write nothing."""
    claims: list[Claim] = []
    position = 0
    for operation in script:
        if operation[0] == "record":
            line = operation[1]
            assert isinstance(line, dict)
            app.record_fact(line)
            position += 1
            claims.append(Claim(line, position, Rank(str(line.get("rank", "normal")))))
            continue
        claim = claims[int(str(operation[1]))]
        fact_id = str(claim.line["id"])
        try:
            if operation[0] == "rank":
                app.rank(fact_id, str(operation[2]), "ranked by the script")
                claim.rank = Rank(str(operation[2]))
            elif operation[0] == "retract":
                app.retract(fact_id, "retracted by the script")
                claim.retracted = True
            else:
                app.reinstate(fact_id, "reinstated by the script")
                claim.retracted = False
        except (FactStateError, FieldError):
            assert app.status().position == position
            continue
        position += 1
    assert app.status().position == position
    return claims


def assert_matches(report: StanceReport, facts: list[Occurrence], on: date) -> None:
    expected = oracle(facts, on)
    parts = {"summary": report.summary, **report.components}
    for name, part in parts.items():
        shown = ({part.value, *part.alternatives}, part.disputed, part.default)
        assert shown == expected[name], (name, on)
    for name, component in report.components.items():
        if name != "sanctions":
            claims = [f for f in facts if f.component.value == name]
            value, since = primary_value(claims, on, _default(name))
            assert (component.value, component.since) == (value, since), (name, on)


def _default(component: str) -> str:
    return DEFAULTS[Component(component)]


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=claim_scripts())
def test_law_every_view_matches_the_enumeration_through_the_index_and_the_rules(
    store_kind: str, script: list[Operation]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = Stanceline(Stores(store_kind, Path(folder)).url())
        try:
            claims = run(app, script)
            head = f"@{app.status().position}"
            for actor in CLAIM_ACTORS:
                mine = [c for c in claims if c.line["actor"] == actor]
                for according_to in (None, *CLAIM_PUBLISHERS):
                    facts = counting_claims(mine, according_to)
                    for on in QUERY_DAYS:
                        by_index = app.stance(actor, on, None, according_to)
                        by_rules = app.stance(actor, on, head, according_to)
                        assert by_index.according_to == according_to
                        assert_matches(by_index, facts, on)
                        assert_matches(by_rules, facts, on)
                        if according_to is None:
                            # The index and the rules give the same bytes, bar known_at.
                            by_rules.known_at = None
                            assert by_index.model_dump_json() == by_rules.model_dump_json()
        finally:
            app.close()


def test_a_happening_s_claims_and_what_each_gives_alone(app: Stanceline) -> None:
    early = _lift("kgz-a", "2024-09-02", "Outlet One")
    late = _lift("kgz-b", "2024-09-06", "Outlet Two")
    for line in (_banned(), early, late):
        app.record_fact(line)

    report = app.claims("kgz-delisting", date(2024, 9, 4))
    assert (report.event, report.actor, report.part) == ("kgz-delisting", "KGZ", "designation")
    assert report.answer is not None
    assert report.answer.disputed
    assert [(c.id, c.status, c.counts) for c in report.claims] == [
        ("kgz-a", "counts", True),
        ("kgz-b", "counts", True),
    ]
    assert [c.alone.value for c in report.claims if c.alone] == ["not_designated", "designated"]
    # A fact id stands for its event.
    assert app.claims("kgz-b", date(2024, 9, 4)) == report

    app.rank("kgz-b", "preferred", "the ministry's own statement")
    ranked = app.claims("kgz-delisting", date(2024, 9, 4))
    assert [(c.id, c.status, c.rank) for c in ranked.claims] == [
        ("kgz-a", "outranked", "normal"),
        ("kgz-b", "counts", "preferred"),
    ]
    assert ranked.claims[1].rank_reason == "the ministry's own statement"
    assert ranked.answer is not None
    assert (ranked.answer.value, ranked.answer.disputed) == ("designated", False)


def test_according_to_a_source_answers_from_its_facts_whatever_their_rank(
    app: Stanceline,
) -> None:
    for line in (_banned(), _lift("kgz-a", "2024-09-02", "Outlet One")):
        app.record_fact(line)
    app.rank("kgz-a", "deprecated", "a later report with no source of its own")
    on = date(2024, 10, 1)

    assert app.stance("KGZ", on).components["designation"].value == "designated"
    told = app.stance("KGZ", on, according_to="outlet one")
    assert told.components["designation"].value == "not_designated"
    assert told.according_to == "outlet one"
    # The world lists the same actors; one the source says nothing of shows defaults.
    world = app.world(on, according_to="https://example.org/none")
    assert [r.actor for r in world] == ["KGZ"]
    assert world[0].summary.default


def test_refused_claims_write_nothing(app: Stanceline) -> None:
    app.record_fact(_lift("kgz-a", "2024-09-02", "Outlet One"))
    before = app.status().position
    other_actor = {**_lift("chn-a", "2024-09-02", "Outlet One"), "actor": "CHN"}
    other_part = {
        **_lift("kgz-x", "2024-09-02", "Outlet One"),
        "kind": "formal_recognition_granted",
    }
    with pytest.raises(FieldError, match="share their actor") as refused:
        app.record_fact(other_actor)
    assert refused.value.field == "event"
    with pytest.raises(FieldError, match="move the same part"):
        app.record_fact(other_part)
    with pytest.raises(FieldError, match="changes nothing"):
        app.rank("kgz-a", "normal", "why")
    with pytest.raises(UnknownFactError, match="no fact"):
        app.rank("nope", "preferred", "why")
    app.retract("kgz-a", "misreported")
    with pytest.raises(FactStateError, match="reinstate it"):
        app.rank("kgz-a", "preferred", "why")
    assert app.status().position == before + 1


def test_an_export_with_claims_loads_into_an_empty_store_and_answers_the_same(
    make_app: AppFactory,
) -> None:
    source = make_app("one.db")
    for line in (_banned(), _lift("kgz-a", "2024-09-02", "Outlet One")):
        source.record_fact(line)
    source.record_fact(_lift("kgz-b", "2024-09-06", "Outlet Two", "Outlet Three"))
    source.rank("kgz-a", "deprecated", "a later report")
    exported = list(source.export())
    assert {str(e["id"]): e.get("rank") for e in exported} == {
        "kgz-2006": None,
        "kgz-a": "deprecated",
        "kgz-b": None,
    }
    assert exported[2]["sources"] == [
        {"title": "Outlet Two report", "publisher": "Outlet Two"},
        {"title": "Outlet Three report", "publisher": "Outlet Three"},
    ]
    target = make_app("two.db")
    for line in exported:
        target.record_fact(line)
    for on in (date(2024, 9, 1), date(2024, 9, 4), date(2024, 9, 7)):
        assert target.stance("KGZ", on) == source.stance("KGZ", on)
    # Loading the export again records nothing new, nor does the first form of a ranked fact.
    for line in exported:
        assert source.record_fact(line).already_present == 1
    assert source.record_fact(_lift("kgz-a", "2024-09-02", "Outlet One")).already_present == 1


def test_one_source_in_a_list_is_the_same_fact_as_that_source(app: Stanceline) -> None:
    line = _lift("x", "2024-09-02", "Outlet One")
    del line["id"]
    first = app.record_fact(line)
    listed = {key: value for key, value in line.items() if key != "source"}
    again = app.record_fact({**listed, "sources": [line["source"]]})
    assert again.fact_ids == first.fact_ids
    assert again.already_present == 1


def _banned() -> dict[str, object]:
    return {
        "id": "kgz-2006",
        "kind": "terrorist_designation_imposed",
        "actor": "KGZ",
        "date": "2006",
        "summary": "Kyrgyzstan bans the Taliban",
        "source": {"title": "A ban"},
    }


def _lift(fact_id: str, day: str, *publishers: str) -> dict[str, object]:
    sources = [{"title": f"{p} report", "publisher": p} for p in publishers]
    return {
        "id": fact_id,
        "kind": "terrorist_designation_lifted",
        "actor": "KGZ",
        "date": day,
        "summary": "Kyrgyzstan removes the Taliban from its banned list",
        **({"source": sources[0]} if len(sources) == 1 else {"sources": sources}),
        "event": "kgz-delisting",
    }

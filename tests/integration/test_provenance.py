"""Provenance through the Python API on a real store: field changes, statuses, diffs to now."""

from __future__ import annotations

from stanceline.application import Stanceline
from tests.factories import history_answers

LIFT = "rus-designation-lifted-2025-04"
CHINA_ENVOY = "chn-ambassador-in-kabul"
RECOGNITION = "rus-recognition-2025-07-03"


def changes(app: Stanceline, fact_id: str) -> list[list[tuple[str, object, object]]]:
    return [[(c.field, c.from_, c.to) for c in v.changes] for v in app.fact(fact_id).versions]


def test_a_kind_change_lists_the_kind_and_the_details_it_dropped(loaded_app: Stanceline) -> None:
    loaded_app.correct(CHINA_ENVOY, "a visit, not a posting", {"kind": "stance_stated"})

    assert changes(loaded_app, CHINA_ENVOY) == [
        [],
        [
            ("kind", "envoy_posted_to_kabul", "stance_stated"),
            ("details.level", "ambassador", None),
        ],
    ]


def test_a_source_correction_lists_only_the_source_fields_it_changed(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "the link", {}, source={"url": "https://example.org/a", "quote": "q"})

    (_, [quote, url]) = changes(loaded_app, LIFT)
    # The fields the version before had come first, in their order; a new one after them.
    assert (quote[0], quote[2]) == ("source.quote", "q")
    assert str(quote[1]).startswith("Russia lifted its 2003 designation")
    assert url == ("source.url", None, "https://example.org/a")


def test_history_of_every_status_adds_the_retracted_and_changes_nothing_else(
    loaded_app: Stanceline,
) -> None:
    loaded_app.retract(RECOGNITION, "not yet formal", by="auditor")

    counting = loaded_app.history("RUS")
    every = loaded_app.history("RUS", all_facts=True)

    recognition = next(e for e in every.entries if e.fact_id == RECOGNITION)
    assert (recognition.status, recognition.from_, recognition.to) == ("retracted", "none", "none")
    assert recognition.status_change is not None
    assert recognition.status_change.recorded_by == "auditor"
    assert [e for e in every.entries if e.fact_id != RECOGNITION] == counting.entries
    assert history_answers(loaded_app.history("RUS", "@14", all_facts=True)) == history_answers(
        loaded_app.history("RUS", "@14")
    )


def test_a_knowledge_diff_without_its_end_is_up_to_the_last_position(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})

    alone = loaded_app.diff_knowledge("RUS", "@14")

    assert alone == loaded_app.diff_knowledge("RUS", "@14", "@15")
    assert (alone.known_to, [v.fact_id for v in alone.learned]) == ("@15", [LIFT])

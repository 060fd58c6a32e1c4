"""The auditor's commands: correct, retract, reinstate, fact, explain, verify, --known-at."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from stanceline.application import Stanceline
from tests.cli.conftest import FIXTURES, Run

OpenStore = Callable[[], Stanceline]
DESIGNATION = "rus-designation-2003"
LIFT = "rus-designation-lifted-2025-04"
RECOGNITION = "rus-recognition-2025-07-03"
CHINA_ENVOY = "chn-ambassador-in-kabul"
EU_STATEMENT = "eu-statement-recognition-conditions"
WORLD = ("world", "--on", "2025-07-04", "--json")
CLASH_SOURCE = (
    "source: Clash Report, \"Clash Report article of 4 July 2025 on Russia's recognition "
    'of the Taliban government", 2025-07-04'
)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def ok_json(result: Result) -> Any:
    return json.loads(ok(result))


def one_line_error(result: Result) -> str:
    """The single error line of a command that failed with exit 1 (no traceback)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0].removeprefix("Error: ")


def events(open_store: OpenStore) -> int:
    return open_store().recorder.max_notification_id() or 0


def refused(run: Run, open_store: OpenStore, *args: str) -> str:
    """Run a command that must fail with one line and write nothing."""
    before = events(open_store)
    message = one_line_error(run(*args))
    assert events(open_store) == before
    return message


def designation(run: Run, *known_at: str) -> dict[str, Any]:
    report = ok_json(run("stance", "RUS", "--on", "2025-04-10", "--json", *known_at))
    return report["components"]["designation"]  # type: ignore[no-any-return]


def write_jsonl(path: Path, objects: list[Any]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


# correct


def test_correct_records_a_correction_and_answers_follow_it(seeded: Run) -> None:
    assert designation(seeded)["certainty"] == "uncertain"

    out = ok(seeded("correct", LIFT, "--reason", "the lift came in May", "--date", "2025-05"))

    assert out == f"{LIFT}: corrected (version 2)\n"
    answer = designation(seeded)
    assert (answer["value"], answer["certainty"], answer["facts"]) == (
        "designated",
        "certain",
        [DESIGNATION],
    )


def test_fact_json_shows_every_version_with_time_who_and_why(seeded: Run) -> None:
    ok(seeded("correct", LIFT, "--reason", "May", "--date", "2025-05", "--by", "ann"))
    ok(seeded("correct", LIFT, "--reason", "17 May", "--date", "2025-05-17"))
    ok(seeded("retract", LIFT, "--reason", "unsure", env={"STANCELINE_USER": "carol"}))

    report = ok_json(seeded("fact", LIFT, "--json"))

    assert (report["id"], report["actor"], report["status"]) == (LIFT, "RUS", "retracted")
    steps = [
        (v["version"], v["change"], v["recorded_by"], v["reason"], v["fact"]["date"])
        for v in report["versions"]
    ]
    assert steps == [
        (1, "recorded", "cli-tests", None, "2025-04"),
        (2, "corrected", "ann", "May", "2025-05"),
        (3, "corrected", "cli-tests", "17 May", "2025-05-17"),
        (4, "retracted", "carol", "unsure", "2025-05-17"),
    ]
    times = [v["recorded_at"] for v in report["versions"]]
    assert all(t.endswith("Z") for t in times)
    assert times == sorted(times)
    assert report["current"]["date"] == "2025-05-17"


def test_the_original_event_stays_in_the_log(seeded: Run, open_store: OpenStore) -> None:
    ok(seeded("correct", LIFT, "--reason", "May", "--date", "2025-05"))

    original, correction = open_store().fact_events(LIFT)

    assert original.model_dump()["date"] == "2025-04"
    assert correction.model_dump()["date"] == "2025-05"


def test_fact_prints_a_short_audit_trail(seeded: Run) -> None:
    ok(seeded("correct", LIFT, "--reason", "the lift came in May", "--date", "2025-05"))
    ok(seeded("retract", LIFT, "--reason", "unsure", "--by", "dave"))

    out = ok(seeded("fact", LIFT))

    lines = out.splitlines()
    assert lines[0] == f"Fact {LIFT} (RUS): retracted"
    assert CLASH_SOURCE in out
    assert any(line.startswith("v1  ") and "recorded by cli-tests" in line for line in lines)
    assert any(line.startswith("v2  ") and "corrected by cli-tests" in line for line in lines)
    assert any(line.startswith("v3  ") and "retracted by dave" in line for line in lines)
    assert "    reason: the lift came in May" in lines
    assert "    reason: unsure" in lines


def test_a_kind_change_needs_the_details_of_the_new_kind(
    seeded: Run, open_store: OpenStore
) -> None:
    message = refused(
        seeded, open_store, "correct", CHINA_ENVOY, "--reason", "r", "--kind", "sanctions_imposed"
    )
    assert message.startswith("--detail measure: ")

    ok(
        seeded(
            "correct",
            CHINA_ENVOY,
            "--reason",
            "it was a sanction",
            "--kind",
            "sanctions_imposed",
            "--detail",
            "measure=travel_ban",
        )
    )

    current = ok_json(seeded("fact", CHINA_ENVOY, "--json"))["current"]
    assert (current["kind"], current["details"]) == ("sanctions_imposed", {"measure": "travel_ban"})
    china = ok_json(seeded("stance", "CHN", "--on", "2025-07-04", "--json"))["components"]
    assert (china["envoy_to_kabul"]["value"], china["sanctions"]["value"]) == ("none", "active")


def test_source_options_update_only_the_given_source_fields(seeded: Run) -> None:
    before = ok_json(seeded("fact", LIFT, "--json"))["current"]["source"]

    ok(
        seeded(
            "correct",
            LIFT,
            "--reason",
            "add the link",
            "--source-url",
            "https://example.org/clash",
            "--source-publisher",
            "Clash Report (X)",
        )
    )

    after = ok_json(seeded("fact", LIFT, "--json"))["current"]["source"]
    assert after == {
        **before,
        "url": "https://example.org/clash",
        "publisher": "Clash Report (X)",
    }


def test_summary_and_quote_can_be_corrected(seeded: Run) -> None:
    ok(seeded("correct", LIFT, "--reason", "r", "--summary", "Suspended", "--quote", "in April"))

    current = ok_json(seeded("fact", LIFT, "--json"))["current"]

    assert current["summary"] == "Suspended"
    assert current["source"]["quote"] == "in April"
    assert current["source"]["publisher"] == "Clash Report"


def test_a_kind_change_to_a_kind_without_details_works_on_the_command_line(
    seeded: Run,
) -> None:
    # The old kind's details (level=ambassador) do not fit the new kind: they are dropped.
    ok(seeded("correct", CHINA_ENVOY, "--reason", "closed", "--kind", "kabul_mission_closed"))

    current = ok_json(seeded("fact", CHINA_ENVOY, "--json"))["current"]
    assert (current["kind"], current["details"]) == ("kabul_mission_closed", {})
    china = ok_json(seeded("stance", "CHN", "--on", "2025-07-04", "--json"))["components"]
    assert china["envoy_to_kabul"]["value"] == "none"


# retract and reinstate


def test_retract_and_reinstate(seeded: Run) -> None:
    assert ok(seeded("retract", RECOGNITION, "--reason", "not yet formal")) == (
        f"{RECOGNITION}: retracted (version 2)\n"
    )
    july = ["stance", "RUS", "--on", "2025-07-04", "--json"]
    assert ok_json(seeded(*july))["summary"]["value"] == "ambassador_level"

    assert ok(seeded("reinstate", RECOGNITION, "--reason", "confirmed")) == (
        f"{RECOGNITION}: reinstated (version 3)\n"
    )
    assert ok_json(seeded(*july))["summary"]["value"] == "recognized"


def test_a_retracted_actor_leaves_the_world(seeded: Run) -> None:
    ok(seeded("retract", EU_STATEMENT, "--reason", "no EU statement"))

    world = ok_json(seeded("world", "--on", "2025-07-04", "--json"))

    assert "EU" not in [r["actor"] for r in world]
    assert "EU" in [r["actor"] for r in ok_json(seeded(*WORLD, "--known-at", "@14"))]


# Every refused change: one line, exit 1, nothing written


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (
            [("retract", LIFT, "--reason", "unsure")],
            ("retract", LIFT, "--reason", "again"),
            f"fact {LIFT!r} is already retracted",
        ),
        (
            [("retract", LIFT, "--reason", "unsure")],
            ("correct", LIFT, "--reason", "May", "--date", "2025-05"),
            f"fact {LIFT!r} is retracted: reinstate it before correcting it",
        ),
        (
            [("retract", LIFT, "--reason", "unsure")],
            ("correct", LIFT, "--reason", "link", "--source-url", "https://example.org"),
            f"fact {LIFT!r} is retracted: reinstate it before correcting it",
        ),
        ([], ("reinstate", LIFT, "--reason", "why"), f"fact {LIFT!r} is not retracted"),
        ([], ("correct", "nope", "--reason", "r", "--date", "2025"), "no fact with id 'nope'"),
        ([], ("correct", "nope", "--reason", "r", "--quote", "q"), "no fact with id 'nope'"),
        ([], ("retract", "nope", "--reason", "r"), "no fact with id 'nope'"),
        ([], ("reinstate", "nope", "--reason", "r"), "no fact with id 'nope'"),
        ([], ("fact", "nope"), "no fact with id 'nope'"),
        ([], ("fact", "nope", "--json"), "no fact with id 'nope'"),
        (
            [],
            ("correct", LIFT, "--reason", "same", "--date", "2025-04"),
            f"the correction changes nothing in fact {LIFT!r}",
        ),
        (
            [],
            ("correct", LIFT, "--reason", "same", "--source-publisher", "Clash Report"),
            "changes nothing",
        ),
        ([], ("correct", LIFT, "--reason", "nothing"), "a correction changes at least one of"),
        ([], ("correct", LIFT, "--reason", "r", "--date", "2025-02-30"), "--date: "),
        ([], ("correct", LIFT, "--reason", "r", "--source-url", "not a url"), "--source-url: "),
        ([], ("correct", LIFT, "--reason", " ", "--date", "2025-05"), "reason"),
    ],
)
def test_a_refused_change_is_one_line_and_writes_nothing(
    seeded: Run,
    open_store: OpenStore,
    setup: list[tuple[str, ...]],
    args: tuple[str, ...],
    message: str,
) -> None:
    for step in setup:
        ok(seeded(*step))

    assert message in refused(seeded, open_store, *args)


@pytest.mark.parametrize(
    "args",
    [("--reason", "nothing"), ("--reason", "same", "--date", "2025-04")],
    ids=["no-field", "no-change"],
)
def test_a_correction_error_names_no_option_that_does_not_exist(
    seeded: Run, args: tuple[str, ...]
) -> None:
    assert "--corrects" not in one_line_error(seeded("correct", LIFT, *args))


@pytest.mark.parametrize("command", ["correct", "retract", "reinstate"])
def test_a_change_without_a_reason_is_a_usage_error(seeded: Run, command: str) -> None:
    result = seeded(command, LIFT)

    assert result.exit_code == 2
    assert "--reason" in result.output


# Change lines in a loaded file


def test_a_change_file_loads_once(seeded: Run, open_store: OpenStore, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "changes.jsonl",
        [
            {"corrects": LIFT, "reason": "May", "date": "2025-05"},
            {"retracts": RECOGNITION, "reason": "unsure"},
            {"reinstates": RECOGNITION, "reason": "confirmed"},
        ],
    )

    assert ok(seeded("load", path, "--by", "bulk")) == f"{path}: 3 recorded, 0 already present\n"
    assert ok(seeded("load", path)) == f"{path}: 0 recorded, 3 already present\n"

    assert events(open_store) == 17
    assert designation(seeded)["certainty"] == "certain"
    versions = ok_json(seeded("fact", RECOGNITION, "--json"))["versions"]
    assert [v["recorded_by"] for v in versions] == ["cli-tests", "bulk", "bulk"]


def test_reloading_the_facts_after_a_correction_is_already_present(seeded: Run) -> None:
    ok(seeded("correct", LIFT, "--reason", "May", "--date", "2025-05"))

    assert ok(seeded("load", FIXTURES)) == f"{FIXTURES}: 0 recorded, 14 already present\n"
    assert designation(seeded)["certainty"] == "certain"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"retracts": "nope", "reason": "r"}, "2: retracts: no fact with id 'nope'"),
        ({"reinstates": LIFT, "reason": "r"}, f"2: reinstates: fact {LIFT!r} is not retracted"),
        ({"corrects": LIFT, "reason": "r"}, "2: corrects: a correction changes at least one"),
        ({"retracts": LIFT, "reason": "r", "date": "2025"}, "2: date: only a correction"),
    ],
)
def test_a_bad_change_line_fails_the_whole_file(
    seeded: Run, open_store: OpenStore, tmp_path: Path, change: dict[str, Any], where: str
) -> None:
    path = write_jsonl(
        tmp_path / "bad.jsonl", [{"retracts": RECOGNITION, "reason": "unsure"}, change]
    )

    message = refused(seeded, open_store, "load", str(path))

    assert message.startswith(f"{path}:{where}")
    assert ok_json(seeded("fact", RECOGNITION, "--json"))["status"] == "counts"


# --known-at


@pytest.fixture
def corrected(seeded: Run) -> Run:
    """The fixtures (positions 1-14), then Russia's lift corrected to May (position 15)."""
    ok(seeded("correct", LIFT, "--reason", "the lift came in May", "--date", "2025-05"))
    return seeded


def test_known_at_at_n_answers_as_before_the_correction(corrected: Run) -> None:
    before = designation(corrected, "--known-at", "@14")
    after = designation(corrected, "--known-at", "@15")

    assert (before["certainty"], after["certainty"]) == ("uncertain", "certain")
    report = ok_json(
        corrected("stance", "RUS", "--on", "2025-04-10", "--json", "--known-at", "@14")
    )
    assert report["known_at"] == "@14"
    assert ok_json(corrected(*WORLD, "--known-at", "@0")) == []


def recorded_times(run: Run, fact_id: str) -> list[str]:
    return [v["recorded_at"] for v in ok_json(run("fact", fact_id, "--json"))["versions"]]


def test_known_at_an_iso_timestamp_in_every_form(corrected: Run) -> None:
    loaded, _ = recorded_times(corrected, LIFT)
    moment = loaded.removesuffix("Z")
    forms = [loaded, moment + "+00:00", moment]

    reports = [
        ok_json(corrected("stance", "RUS", "--on", "2025-04-10", "--json", "--known-at", form))
        for form in forms
    ]

    assert {r["known_at"] for r in reports} == {loaded.replace(".000000Z", "Z")}
    assert all(r == reports[0] for r in reports)
    assert reports[0]["components"]["designation"]["certainty"] == "uncertain"


def test_known_at_with_an_offset_is_normalised_to_utc(corrected: Run) -> None:
    report = ok_json(
        corrected(
            "stance", "RUS", "--on", "2025-04-10", "--json", "--known-at", "2000-01-01T02:00+02:00"
        )
    )

    assert report["known_at"] == "2000-01-01T00:00:00Z"
    assert report["summary"]["value"] == "no_relations"


def test_known_at_a_bare_day_means_its_end(corrected: Run) -> None:
    report = ok_json(corrected(*WORLD, "--known-at", "2000-01-01"))
    everything = ok_json(corrected(*WORLD, "--known-at", "2999-12-31"))

    assert report == []
    assert {r["known_at"] for r in everything} == {"2999-12-31T23:59:59.999999Z"}
    assert [r["actor"] for r in everything] == ["ARE", "CHN", "EU", "PAK", "RUS", "USA", "UZB"]


def test_known_at_on_history(corrected: Run) -> None:
    def lift_date(*known_at: str) -> str:
        report = ok_json(corrected("history", "RUS", "--json", *known_at))
        return next(e["date"] for e in report["entries"] if e["fact_id"] == LIFT)

    assert lift_date("--known-at", "@14") == "2025-04"
    assert lift_date() == "2025-05"


def test_known_at_in_human_output(corrected: Run) -> None:
    stance = ok(corrected("stance", "RUS", "--on", "2025-04-10", "--known-at", "@14"))
    world = ok(corrected("world", "--on", "2025-04-10", "--known-at", "@14"))

    assert stance.splitlines()[0].startswith("Russia (RUS) on 2025-04-10, as known at @14: ")
    assert world.splitlines()[0] == "World on 2025-04-10, as known at @14 (7 actors)"


@pytest.mark.parametrize("text", ["garbage", "@-1", "2025-13-01", "@"])
@pytest.mark.parametrize(
    "command",
    [
        ("stance", "RUS", "--on", "2025-07-04"),
        ("world", "--on", "2025-07-04"),
        ("history", "RUS"),
        ("explain", "RUS", "--on", "2025-07-04"),
    ],
    ids=["stance", "world", "history", "explain"],
)
def test_a_bad_known_at_is_one_clear_error(
    seeded: Run, command: tuple[str, ...], text: str
) -> None:
    result = seeded(*command, "--known-at", text)

    # A usage error (exit 2, as a click.ParamType reports it) or a one-line error (exit 1).
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    assert "is not a known-at time" in errors[0]
    assert "@N" in errors[0]


# explain


def test_explain_json_lists_the_facts_sources_and_rule(seeded: Run) -> None:
    report = ok_json(seeded("explain", "RUS", "--on", "2025-04-10", "--json"))

    designation = report["components"]["designation"]
    assert [f["id"] for f in designation["set_by"]] == [DESIGNATION]
    assert designation["set_by"][0]["source"]["publisher"] == "Clash Report"
    assert designation["set_by"][0]["recorded_by"] == "cli-tests"
    assert designation["set_by"][0]["recorded_at"].endswith("Z")
    assert [f["id"] for f in designation["uncertain_because"]] == [LIFT]
    assert report["summary"]["rule"].startswith("designated: ")
    assert report["known_at"] is None


def test_explain_shows_what_was_set_aside(corrected: Run) -> None:
    report = ok_json(corrected("explain", "RUS", "--on", "2025-04-10", "--json"))
    before = ok_json(
        corrected("explain", "RUS", "--on", "2025-04-10", "--json", "--known-at", "@14")
    )

    (aside,) = report["components"]["designation"]["set_aside"]
    assert (aside["id"], aside["change"], aside["reason"], aside["changed_by"]) == (
        LIFT,
        "corrected",
        "the lift came in May",
        "cli-tests",
    )
    assert before["components"]["designation"]["set_aside"] == []
    assert before["known_at"] == "@14"


def test_explain_human_output_is_an_audit_note_with_sources(corrected: Run) -> None:
    out = ok(corrected("explain", "RUS", "--on", "2025-04-10"))

    assert out.startswith("Russia (RUS) on 2025-04-10\nSummary: designated\n")
    assert "  rule: designated: the Taliban are designated terrorists" in out
    assert f"  set by {DESIGNATION}: terrorist_designation_imposed on 2003" in out
    assert CLASH_SOURCE in out
    assert f"  set aside: {LIFT}: terrorist_designation_lifted on 2025-04" in out
    assert "by cli-tests: the lift came in May" in out


def test_explain_an_unknown_actor_is_one_line(seeded: Run) -> None:
    assert "unknown actor 'Russa'" in one_line_error(seeded("explain", "Russa"))


# verify after changes


def test_verify_covers_the_change_events(seeded: Run) -> None:
    ok(seeded("correct", LIFT, "--reason", "May", "--date", "2025-05"))
    ok(seeded("retract", RECOGNITION, "--reason", "unsure"))
    ok(seeded("reinstate", RECOGNITION, "--reason", "confirmed"))

    out = ok(seeded("verify"))

    assert out.splitlines()[0] == "OK: 17 events verified"
    # The fixtures in one transaction, then one for each change.
    assert out.splitlines()[1] == "log order: sealed from position 1 (4 seals)"
    assert out.splitlines()[2].startswith("head digest: ")


def test_a_known_at_outside_the_calendar_is_no_traceback(seeded: Run) -> None:
    result = seeded("world", "--json", "--known-at", "0001-01-01T00:00:00+01:00")

    assert not isinstance(result.exception, OverflowError)
    assert "Traceback" not in result.output

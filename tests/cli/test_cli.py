"""The command line, end to end in-process: CliRunner on a real store per test."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from stanceline.application import Stanceline
from stanceline.domain.events import FactRecorded
from stanceline.domain.facts import Component, FactKind
from tests.cli.conftest import FIXTURES, Run, invoke
from tests.factories import fact, write_jsonl

ACTORS = ["ARE", "CHN", "EU", "PAK", "RUS", "USA", "UZB"]
COMPONENTS = [c.value for c in Component]
# DESIGN §5's keys, and those DESIGN §7 adds (more keys may be added; none renamed).
STANCE_KEYS = {"actor", "actor_name", "on", "known_at", "summary", "components", "according_to"}
COMPONENT_KEYS = {"value", "certainty", "alternatives", "since", "facts", "disputed", "default"}
DAYS = ["1990-01-01", "2025-03-31", "2025-04-10", "2025-07-03", "2025-07-04"]
OpenStore = Callable[[], Stanceline]


def ok(result: Result) -> str:
    """The standard output of a command that must succeed."""
    assert result.exit_code == 0, result.output
    return result.stdout


def ok_json(result: Result) -> Any:
    return json.loads(ok(result))


def one_line_error(result: Result, exit_code: int = 1) -> str:
    """The single error line of a failed command (no traceback, no second line)."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0].removeprefix("Error: ")


def usage_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def count_events(open_store: OpenStore) -> int:
    return open_store().recorder.max_notification_id() or 0


def worlds(run: Run, days: list[str] = DAYS) -> list[Any]:
    return [ok_json(run("world", "--on", day, "--json")) for day in days]


def recorded(open_store: OpenStore) -> list[FactRecorded]:
    app = open_store()
    events = [
        app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=999)
    ]
    assert all(isinstance(e, FactRecorded) for e in events)
    return events  # type: ignore[return-value]


# load


def test_load_prints_what_each_file_recorded(run: Run, tmp_path: Path) -> None:
    array = tmp_path / "same-facts.json"
    array.write_text(json.dumps([json.loads(x) for x in FIXTURES.read_text().splitlines()]))

    out = ok(run("load", FIXTURES, array))

    assert out.splitlines() == [
        f"{FIXTURES}: 14 recorded, 0 already present",
        f"{array}: 0 recorded, 14 already present",
    ]


def test_a_json_array_file_loads(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps([fact(summary="one"), fact(summary="two")], indent=2))

    assert ok(run("load", path)) == f"{path}: 2 recorded, 0 already present\n"


def test_loading_the_same_file_twice_records_nothing_new(
    seeded: Run, open_store: OpenStore
) -> None:
    before = worlds(seeded)

    out = ok(seeded("load", FIXTURES))

    assert out == f"{FIXTURES}: 0 recorded, 14 already present\n"
    assert count_events(open_store) == 14
    assert worlds(seeded) == before


def test_one_bad_line_among_a_thousand_fails_the_whole_file(
    seeded: Run, open_store: OpenStore, tmp_path: Path
) -> None:
    facts: list[Any] = [
        fact(summary=f"Statement number {n}", date=f"20{n % 25:02d}-{n % 12 + 1:02d}")
        for n in range(1000)
    ]
    facts.insert(997, fact(summary="the bad one", date="2023-02-29"))
    big = write_jsonl(tmp_path / "big.jsonl", facts)
    before = worlds(seeded)

    message = one_line_error(seeded("load", big))

    assert message.startswith(f"{big}:998: date: ")
    assert "2023-02-29" in message
    assert count_events(open_store) == 14
    assert worlds(seeded) == before


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_bad_line_anywhere_writes_nothing_of_its_file(
    run: Run, open_store: OpenStore, tmp_path: Path, where: str
) -> None:
    good = [fact(summary=f"good {n}") for n in range(5)]
    bad = fact(kind="envoy_posted_to_kabul")  # without its level
    lines = [bad, *good] if where == "first" else [*good, bad]
    path = write_jsonl(tmp_path / "f.jsonl", lines)

    message = one_line_error(run("load", path))

    line = 1 if where == "first" else 6
    assert message.startswith(f"{path}:{line}: details.level: ")
    assert count_events(open_store) == 0


def test_each_file_is_its_own_transaction(run: Run, open_store: OpenStore, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [fact(summary="kept")])
    bad = write_jsonl(tmp_path / "bad.jsonl", [fact(summary="dropped"), "not json"])

    result = run("load", good, bad)

    assert result.exit_code == 1
    assert result.stdout == f"{good}: 1 recorded, 0 already present\n"
    assert f"{bad}:2: invalid JSON" in result.output
    assert "Traceback" not in result.output
    assert count_events(open_store) == 1
    assert open_store().view.facts_of("RUS")[0].payload["summary"] == "kept"


def test_an_explicit_id_stored_with_other_content_is_an_error(
    run: Run, open_store: OpenStore, tmp_path: Path
) -> None:
    ok(run("load", write_jsonl(tmp_path / "a.jsonl", [fact(id="my-fact", summary="first")])))
    edited = write_jsonl(tmp_path / "b.jsonl", [fact(summary="new"), fact(id="my-fact")])

    message = one_line_error(run("load", edited))

    assert message.startswith(f"{edited}:2: id: ")
    assert "my-fact" in message
    assert count_events(open_store) == 1


def test_invalid_json_names_the_line(run: Run, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "f.jsonl", [fact(), fact(summary="2"), '{"kind": '])

    assert one_line_error(run("load", path)).startswith(f"{path}:3: invalid JSON")


def test_an_unknown_actor_suggests_names(run: Run, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "f.jsonl", [fact(actor="Russa")])

    message = one_line_error(run("load", path))

    assert message.startswith(f"{path}:1: actor: unknown actor 'Russa'; did you mean ")
    assert "Russia (RUS)" in message


def test_a_missing_file_is_an_error(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"

    assert one_line_error(run("load", missing)) == f"{missing}: no such file"


def test_every_event_of_one_load_has_the_same_recorded_time(
    seeded: Run, open_store: OpenStore, tmp_path: Path
) -> None:
    more = write_jsonl(tmp_path / "more.jsonl", [fact(summary="a"), fact(summary="b")])
    ok(seeded("load", more))

    times = [e.timestamp for e in recorded(open_store)]

    assert len(set(times[:14])) == 1
    assert len(set(times[14:])) == 1
    assert times[0] < times[14]


def test_recorded_by_comes_from_the_environment_and_by_wins(
    run: Run, open_store: OpenStore, tmp_path: Path
) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [fact(summary="a")])
    second = write_jsonl(tmp_path / "b.jsonl", [fact(summary="b")])
    ok(run("load", first, env={"STANCELINE_USER": "ana"}))
    ok(run("load", second, "--by", "bo", env={"STANCELINE_USER": "ana"}))
    ok(run(*RECORD, "--summary", "c", "--by", "cy", env={"STANCELINE_USER": "ana"}))
    ok(run(*RECORD, "--summary", "d", env={"STANCELINE_USER": "ana"}))

    assert [e.recorded_by for e in recorded(open_store)] == ["ana", "bo", "cy", "ana"]


def test_the_store_can_come_from_the_environment(store: str, open_store: OpenStore) -> None:
    ok(invoke(["load", str(FIXTURES)], env={"STANCELINE_STORE": store}))

    assert count_events(open_store) == 14


# stance, world, history


def test_russia_on_10_april_2025_is_uncertain_with_both_values(seeded: Run) -> None:
    data = ok_json(seeded("stance", "RUS", "--on", "2025-04-10", "--json"))

    assert data["components"]["designation"]["value"] == "designated"
    assert data["components"]["designation"]["certainty"] == "uncertain"
    assert data["components"]["designation"]["alternatives"] == ["not_designated"]
    assert data["summary"]["certainty"] == "uncertain"


@pytest.mark.parametrize(
    ("day", "value"), [("2025-03-31", "designated"), ("2025-05-01", "not_designated")]
)
def test_russias_designation_is_certain_either_side_of_april(
    seeded: Run, day: str, value: str
) -> None:
    designation = ok_json(seeded("stance", "RUS", "--on", day, "--json"))["components"][
        "designation"
    ]

    assert (designation["value"], designation["certainty"]) == (value, "certain")
    assert designation["alternatives"] == []


@pytest.mark.parametrize("name", ["Russia", "russia", "Russian Federation"])
def test_a_name_gives_the_same_json_as_the_code(seeded: Run, name: str) -> None:
    by_name = ok(seeded("stance", name, "--on", "2025-04-10", "--json"))

    assert by_name == ok(seeded("stance", "RUS", "--on", "2025-04-10", "--json"))


def test_the_stance_json_has_the_contract_keys(seeded: Run) -> None:
    data = ok_json(seeded("stance", "RUS", "--on", "2025-07-04", "--json"))

    assert set(data) == STANCE_KEYS
    assert (data["actor"], data["actor_name"], data["on"], data["known_at"]) == (
        "RUS",
        "Russia",
        "2025-07-04",
        None,
    )
    assert data["summary"] == {
        "value": "recognized",
        "certainty": "certain",
        "alternatives": [],
        "disputed": False,
        "default": False,
    }
    assert data["according_to"] is None
    assert list(data["components"]) == COMPONENTS
    assert all(set(c) == COMPONENT_KEYS for c in data["components"].values())
    assert data["components"]["recognition"]["since"] == "2025-07-03"
    assert data["components"]["recognition"]["facts"] == ["rus-recognition-2025-07-03"]


def test_the_world_on_4_july_2025(seeded: Run) -> None:
    world = ok_json(seeded("world", "--on", "2025-07-04", "--json"))

    summaries = {r["actor"]: r["summary"]["value"] for r in world}
    assert [code for code, value in summaries.items() if value == "recognized"] == ["RUS"]
    for code in ["CHN", "ARE", "UZB", "PAK"]:
        assert summaries[code] == "ambassador_level"


@pytest.mark.parametrize("day", ["1990-01-01", "2025-07-04", "2099-12-31"])
def test_world_json_lists_every_actor_with_a_fact_sorted_by_code(seeded: Run, day: str) -> None:
    world = ok_json(seeded("world", "--on", day, "--json"))

    assert [r["actor"] for r in world] == ACTORS
    for report in world:
        assert set(report) == STANCE_KEYS
        assert report["on"] == day
        assert set(report["summary"]) == {
            *("value", "certainty", "alternatives"),
            *("disputed", "default"),
        }
        assert list(report["components"]) == COMPONENTS
        assert all(set(c) == COMPONENT_KEYS for c in report["components"].values())


def test_world_on_an_empty_store_says_so(run: Run) -> None:
    assert ok_json(run("world", "--on", "2025-07-04", "--json")) == []
    assert "no facts recorded yet" in ok(run("world", "--on", "2025-07-04"))


def test_world_csv_has_one_row_per_actor(seeded: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(seeded("world", "--on", "2025-04-10", "--csv")))))

    assert [r["actor"] for r in rows] == ACTORS
    russia = rows[ACTORS.index("RUS")]
    assert (russia["actor_name"], russia["on"]) == ("Russia", "2025-04-10")
    assert russia["designation"] == "designated"
    assert russia["designation_certainty"] == "uncertain"
    assert russia["designation_alternatives"] == "not_designated"
    china = rows[ACTORS.index("CHN")]
    # China's ambassador arrived some day in 2021-08-15/2025-07-04: maybe not yet.
    assert (china["summary"], china["summary_certainty"]) == ("no_relations", "uncertain")
    assert china["summary_alternatives"] == "ambassador_level"
    assert china["envoy_to_kabul_alternatives"] == "ambassador"


def test_world_json_and_csv_together_is_a_usage_error(seeded: Run) -> None:
    assert "choose one" in usage_error(seeded("world", "--json", "--csv"))


def test_history_json_is_in_effective_date_order(seeded: Run) -> None:
    report = ok_json(seeded("history", "RUS", "--json"))

    entries = report["entries"]
    assert (report["actor"], report["actor_name"], len(entries)) == ("RUS", "Russia", 6)
    assert [(e["earliest"], e["latest"]) for e in entries] == sorted(
        (e["earliest"], e["latest"]) for e in entries
    )
    changes = [(e["date"], e["from"], e["to"]) for e in entries if e["component"] == "designation"]
    assert changes == [
        ("2003", "not_designated", "designated"),
        ("2025-04", "designated", "not_designated"),
    ]
    assert {"date", "component", "from", "to", "fact_id", "kind", "summary", "source"} <= set(
        entries[0]
    )


def test_history_text_shows_each_change(seeded: Run) -> None:
    out = ok(seeded("history", "Russia"))

    assert "History of Russia (RUS): 6 facts" in out
    assert "designated -> not_designated" in out
    assert "Clash Report" in out


def test_human_stance_marks_uncertain_values_with_their_alternatives(seeded: Run) -> None:
    out = ok(seeded("stance", "RUS", "--on", "2025-04-10"))

    assert out.startswith("Russia (RUS) on 2025-04-10: ")
    designation = next(line for line in out.splitlines() if line.startswith("designation"))
    assert "?" in designation
    assert "designated" in designation
    assert "not_designated" in designation


def test_human_stance_of_a_certain_day_has_no_question_mark(seeded: Run) -> None:
    out = ok(seeded("stance", "RUS", "--on", "2025-07-04"))

    assert "?" not in out
    assert "recognized" in out


def test_human_world_marks_uncertain_values(seeded: Run) -> None:
    out = ok(seeded("world", "--on", "2025-04-10"))

    russia = next(line for line in out.splitlines() if line.startswith("RUS"))
    assert "?" in russia
    assert "not_designated" in russia
    assert all(code in out for code in ACTORS)


def test_an_unknown_actor_in_a_query_is_one_line_with_suggestions(seeded: Run) -> None:
    message = one_line_error(seeded("stance", "Russa"))

    assert "unknown actor 'Russa'" in message
    assert "Russia (RUS)" in message


@pytest.mark.parametrize("day", ["2025-13-01", "2023-02-29", "yesterday-ish", "2025-04"])
def test_a_bad_on_is_a_usage_error(seeded: Run, day: str) -> None:
    assert "--on" in usage_error(seeded("stance", "RUS", "--on", day))
    assert "--on" in usage_error(seeded("world", "--on", day))


# record

RECORD = [
    "record",
    "--kind",
    "stance_stated",
    "--actor",
    "Russia",
    "--date",
    "2025-07-03",
    "--source-title",
    "Clash Report article",
]


def test_record_prints_the_fact_id_and_is_idempotent(run: Run, open_store: OpenStore) -> None:
    first = run(*RECORD, "--summary", "Moscow welcomes the envoy")
    second = run(*RECORD, "--summary", "Moscow welcomes the envoy")

    fact_id = ok(first).strip()
    assert fact_id
    assert ok(second).strip() == fact_id
    assert first.stderr == ""
    assert "already present" in second.stderr
    assert count_events(open_store) == 1
    assert open_store().view.fact(fact_id) is not None


def test_record_with_an_explicit_id(run: Run, open_store: OpenStore) -> None:
    assert ok(run(*RECORD, "--summary", "s", "--id", "rus-s-1")) == "rus-s-1\n"
    assert open_store().view.fact("rus-s-1") is not None


def test_record_details_reach_the_fact(run: Run, open_store: OpenStore) -> None:
    envoy = ok(
        run(
            "record",
            "--kind",
            "envoy_posted_to_kabul",
            "--actor",
            "UAE",
            "--date",
            "2023-12",
            "--summary",
            "The UAE posts an ambassador to Kabul",
            "--source-title",
            "A source",
            "--source-url",
            "https://example.org/uae",
            "--detail",
            "level=ambassador",
        )
    ).strip()
    sanction = ok(
        run(
            "record",
            "--kind",
            "sanctions_imposed",
            "--actor",
            "UAE",
            "--date",
            "2024-01-10",
            "--summary",
            "Sanctions on officials",
            "--source-title",
            "A source",
            "--detail",
            "measure = officials_travel_ban",
        )
    ).strip()

    store = open_store()
    assert store.view.fact(envoy).payload["details"] == {"level": "ambassador"}  # type: ignore[union-attr]
    assert store.view.fact(envoy).payload["source"]["url"] == "https://example.org/uae"  # type: ignore[union-attr]
    assert store.view.fact(sanction).payload["details"] == {"measure": "officials_travel_ban"}  # type: ignore[union-attr]
    uae = ok_json(run("stance", "ARE", "--on", "2024-02-01", "--json"))["components"]
    assert uae["envoy_to_kabul"]["value"] == "ambassador"
    assert uae["sanctions"] == {
        "value": "active",
        "certainty": "certain",
        "alternatives": [],
        "since": "2024-01-10",
        "facts": [sanction],
        "disputed": False,
        "default": False,
    }


@pytest.mark.parametrize(
    ("changes", "option"),
    [
        (["--date", "2023-02-29"], "--date"),
        (["--date", "2025-07-04/2025-07-01"], "--date"),
        (["--date", "sometime"], "--date"),
        (["--actor", "Russa"], "--actor"),
        (["--actor", "AF"], "--actor"),
        (["--detail", "level=ambassador"], "--detail level"),
        (["--kind", "envoy_posted_to_kabul"], "--detail level"),
        (["--kind", "envoy_posted_to_kabul", "--detail", "level=consul"], "--detail level"),
        (["--kind", "sanctions_imposed"], "--detail measure"),
        (["--kind", "sanctions_lifted", "--detail", "measure=Not A Code"], "--detail measure"),
        (["--source-url", "ftp://x"], "--source-url"),
        (["--source-published", "4 July 2025"], "--source-published"),
        (["--id", "has spaces"], "--id"),
    ],
)
def test_a_bad_record_option_is_named_and_nothing_is_written(
    run: Run, open_store: OpenStore, changes: list[str], option: str
) -> None:
    # A repeated option takes its last value, so `changes` override RECORD's.
    message = one_line_error(run(*RECORD, "--summary", "s", *changes))

    assert message.startswith(f"{option}: "), message
    if option == "--actor":
        assert "unknown actor" in message
    assert count_events(open_store) == 0


def test_record_with_an_id_stored_with_other_content_writes_nothing(
    run: Run, open_store: OpenStore
) -> None:
    ok(run(*RECORD, "--summary", "first words", "--id", "rus-s-1"))

    message = one_line_error(run(*RECORD, "--summary", "other words", "--id", "rus-s-1"))

    assert "'rus-s-1' is already stored with different content" in message
    assert count_events(open_store) == 1


def test_record_names_the_id_option_when_the_id_is_taken(run: Run) -> None:
    ok(run(*RECORD, "--summary", "first words", "--id", "rus-s-1"))

    message = one_line_error(run(*RECORD, "--summary", "other words", "--id", "rus-s-1"))

    assert message.startswith("--id: ")


def test_a_detail_that_is_not_key_value_is_a_usage_error(run: Run, open_store: OpenStore) -> None:
    assert "--detail" in usage_error(run(*RECORD, "--summary", "s", "--detail", "level"))
    assert count_events(open_store) == 0


def test_an_unknown_kind_is_a_usage_error(run: Run) -> None:
    args = [*RECORD, "--summary", "s"]
    args[args.index("stance_stated")] = "friendship_declared"

    assert "--kind" in usage_error(run(*args))


# schema, rebuild, export


def test_schema_is_json_naming_every_kind(run: Run) -> None:
    schema = ok_json(run("schema"))

    rules = schema["allOf"]
    kinds = {r["if"]["properties"]["kind"]["const"] for r in rules if "kind" in str(r["if"])}
    assert kinds == {k.value for k in FactKind}
    assert {"kind", "actor", "date", "summary"} <= set(schema["required"])
    assert {"required": ["source"]} in schema["oneOf"]
    assert json.dumps(schema)


def read_model(open_store: OpenStore) -> tuple[list[tuple[Any, ...]], int]:
    app = open_store()
    with app.view.datastore.transaction(commit=False) as cursor:
        cursor.execute(app.view.dialect.sql("SELECT * FROM {versions} ORDER BY position"))
        rows = [tuple(dict(row).values()) for row in cursor.fetchall()]
    return rows, app.view.position()


def test_rebuild_gives_the_read_model_incremental_updates_gave(
    seeded: Run, open_store: OpenStore, tmp_path: Path
) -> None:
    ok(seeded("load", write_jsonl(tmp_path / "more.jsonl", [fact(), fact(summary="other")])))
    before, answers = read_model(open_store), worlds(seeded)
    assert before[1] == 16

    assert ok(seeded("rebuild")) == "read model rebuilt: 16 facts\n"

    assert read_model(open_store) == before
    assert worlds(seeded) == answers


def test_export_then_load_into_an_empty_store_gives_the_same_answers(
    seeded: Run, tmp_path: Path
) -> None:
    exported = ok(seeded("export"))
    assert len(exported.splitlines()) == 14
    path = tmp_path / "export.jsonl"
    path.write_text(exported)
    other_store = f"sqlite:///{tmp_path}/other.db"

    def other(*args: str) -> Result:
        return invoke(["--store", other_store, *args])

    assert ok(other("load", str(path))) == f"{path}: 14 recorded, 0 already present\n"
    for day in DAYS:
        assert ok(other("world", "--on", day, "--json")) == ok(
            seeded("world", "--on", day, "--json")
        )
    assert ok(other("export")) == exported


def test_export_out_writes_import_lines(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"

    assert ok(seeded("export", "--out", out)) == ""

    facts = [json.loads(line) for line in out.read_text().splitlines()]
    assert [f["id"] for f in facts][:2] == [
        "rus-designation-2003",
        "rus-designation-lifted-2025-04",
    ]
    assert all({"id", "kind", "actor", "date", "summary", "source"} <= set(f) for f in facts)


# errors


@pytest.mark.parametrize(
    "url", ["postgresql://x", "mysql://db/stance", "sqlite:///:memory:", "sqlite://host/x.db"]
)
@pytest.mark.parametrize("args", [["world"], ["stance", "RUS"], ["history", "RUS"]])
def test_an_unusable_store_is_one_line_not_a_traceback(url: str, args: list[str]) -> None:
    message = one_line_error(invoke(["--store", url, *args]))

    assert url in message


def test_a_store_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/s.db"

    message = one_line_error(invoke(["--store", url, "load", str(FIXTURES)]))

    assert "does not exist" in message


def test_export_and_load_keep_text_beyond_ascii(run: Run, tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl", [fact(actor="Türkiye", summary="Ankara – Kabul: «talks» ✓")]
    )
    ok(run("load", source))
    out = tmp_path / "out.jsonl"
    ok(run("export", "--out", out))
    other_store = f"sqlite:///{tmp_path}/other.db"

    ok(invoke(["--store", other_store, "load", str(out)]))

    exported = ok(invoke(["--store", other_store, "export"]))
    assert json.loads(exported)["summary"] == "Ankara – Kabul: «talks» ✓"
    assert json.loads(exported)["actor"] == "TUR"
    assert exported == out.read_text(encoding="utf-8")


def test_status_counts_what_counts_now_and_names_the_first_day(
    run: Run, seeded: Run, tmp_path: Path
) -> None:
    def status() -> Any:
        result = run("status", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    loaded = status()
    assert (loaded["facts"], loaded["actors"], loaded["position"]) == (14, 7, 14)
    assert loaded["first_day"] == "2003-01-01"
    first_event = json.loads(run("events", "--limit", "1").output)
    assert loaded["source"] == first_event["source"]
    # An open start counts from its last day; a retracted fact no longer counts.
    early = fact(actor="KAZ", date="../2001-05-01", id="kaz-early")
    assert run("load", write_jsonl(tmp_path / "early.jsonl", [early])).exit_code == 0
    assert (status()["first_day"], status()["actors"]) == ("2001-05-01", 8)
    assert run("retract", "kaz-early", "--reason", "test").exit_code == 0
    after = status()
    assert (after["facts"], after["actors"], after["first_day"]) == (14, 7, "2003-01-01")
    assert after["position"] > loaded["position"]
    text = run("status").output
    assert "facts: 14 about 7 actors" in text
    assert "first day: 2003-01-01" in text


def test_status_of_an_empty_store(run: Run) -> None:
    report = json.loads(run("status", "--json").output)
    assert (report["facts"], report["actors"], report["position"]) == (0, 0, 0)
    assert report["first_day"] is None

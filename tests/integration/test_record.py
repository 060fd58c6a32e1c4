"""The record shipped in fixtures/: it loads whole on both stores, and keeps the curation rules
that a program can check (fixtures/README.md states them all)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from stanceline.application import Stanceline
from stanceline.application.loading import files_of
from stanceline.domain.dates import parse_effective_date
from stanceline.domain.facts import Rank
from stanceline.projections.rows import FactRow

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED = FIXTURES / "00-clash-report-2025-07-04.jsonl"
# The seed article's 14 lines, byte for byte as first released: a store that loaded them
# reloads them as "already present" (their ids and content never change).
SEED_SHA256 = "49e87b2436c21d951a4d5a1fc67883ad28fc06ca0e04dbd5caf0849374060c71"
SEED_PUBLISHER = "Clash Report"
# Addresses of copies, not of the publisher: a fact cites the original.
MIRRORS = ("web.archive.org", "archive.ph", "archive.today", "translate.goog", "webcache.")
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9.]+)+$")


def lines() -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """Every line of the record, in load order, with its file and line number."""
    for path in files_of(FIXTURES):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if text.strip():
                yield path, number, json.loads(text)


def facts() -> list[dict[str, Any]]:
    return [line for _, _, line in lines() if "kind" in line]


def new_facts() -> list[dict[str, Any]]:
    """The facts the record adds to the seed's: every curation rule applies to them."""
    return [fact for fact in facts() if fact["id"] not in seed_ids()]


def seed_ids() -> set[str]:
    return {json.loads(text)["id"] for text in SEED.read_text(encoding="utf-8").splitlines()}


def sources_of(fact: dict[str, Any]) -> list[dict[str, Any]]:
    return list(fact["sources"]) if "sources" in fact else [fact["source"]]


def test_the_folder_holds_only_the_records_files_and_its_readme() -> None:
    names = {path.name for path in FIXTURES.iterdir()}

    assert "README.md" in names
    assert {n for n in names if n != "README.md" and not n.endswith((".jsonl", ".json"))} == set()


def test_the_seed_articles_lines_are_as_first_released() -> None:
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256
    assert files_of(FIXTURES)[0] == SEED


def test_the_record_reaches_its_floor() -> None:
    every = facts()
    urls = {s["url"] for fact in every for s in sources_of(fact) if "url" in s}
    events = defaultdict(list)
    for fact in every:
        if "event" in fact:
            events[fact["event"]].append(fact)

    assert len(every) >= 150
    assert len({fact["actor"] for fact in every}) >= 30
    assert len(urls) >= 60
    assert len([claims for claims in events.values() if len(claims) >= 2]) >= 8


def test_every_fact_has_a_readable_id_of_its_actor_never_reused() -> None:
    ids = [fact["id"] for fact in facts()]

    assert len(ids) == len(set(ids))
    for fact in new_facts():
        assert ID_PATTERN.match(fact["id"]), fact["id"]
        assert fact["id"].startswith(fact["actor"].lower() + "-"), fact["id"]


def test_every_new_fact_cites_a_read_source_with_its_words() -> None:
    for fact in new_facts():
        for source in sources_of(fact):
            where = f"{fact['id']}: {source.get('url')}"
            assert {"title", "publisher", "url", "published", "quote"} <= source.keys(), where
            address = urlsplit(source["url"])
            assert address.scheme in ("http", "https"), where
            assert address.netloc, where
            assert not any(mirror in source["url"] for mirror in MIRRORS), where
            # A quote is the source's words as they stand: never shortened or spliced.
            assert "..." not in source["quote"], where
            assert "…" not in source["quote"], where
            assert source["publisher"] != SEED_PUBLISHER or fact["id"] in seed_ids(), where


def test_a_source_is_named_the_same_way_by_every_fact_that_cites_it() -> None:
    naming: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for fact in facts():
        for source in sources_of(fact):
            if "url" in source:
                naming[source["url"]].add(
                    (source["title"], source["publisher"], source["published"])
                )

    assert {url: names for url, names in naming.items() if len(names) > 1} == {}


def test_a_fact_is_dated_within_what_its_sources_could_report() -> None:
    """A source reports what happened before it was published: a claim's range starts on or
    before every source's publication, and (for the record's own facts) ends by the latest."""
    for fact in facts():
        happened = parse_effective_date(fact["date"])
        published = [
            parse_effective_date(s["published"]) for s in sources_of(fact) if "published" in s
        ]
        for date in published:
            assert happened.earliest <= date.latest, (fact["id"], date)
        if fact["id"] not in seed_ids():
            assert happened.latest <= max(date.latest for date in published), fact["id"]


def test_every_disagreement_has_two_accounts_and_a_reason_for_its_ranking() -> None:
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in facts():
        if "event" in fact:
            events[fact["event"]].append(fact)
    joined = {
        line["corrects"]: line["event"]
        for _, _, line in lines()
        if "corrects" in line and "event" in line
    }
    for fact in facts():
        if fact["id"] in joined:
            events[joined[fact["id"]]].append(fact)

    for event, claims in events.items():
        assert len(claims) >= 2, event
        told = {(claim["date"], json.dumps(sources_of(claim), sort_keys=True)) for claim in claims}
        assert len(told) == len(claims), event
        for claim in claims:
            if claim.get("rank", Rank.NORMAL.value) != Rank.NORMAL.value:
                assert claim.get("rank_reason"), claim["id"]


def test_seed_facts_join_their_events_only_by_change_lines_in_a_later_file() -> None:
    seeds = seed_ids()
    changes = [(path, line) for path, _, line in lines() if "kind" not in line]

    assert SEED not in {path for path, _ in changes}
    joined = [line["corrects"] for _, line in changes if "corrects" in line]
    assert set(joined) <= seeds
    assert joined, "the seed's vaguely dated facts are dated by later claims"


def test_readme_lists_every_source_the_record_cites() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    cited = {s["url"] for fact in facts() for s in sources_of(fact) if "url" in s}
    listed = set(re.findall(r"<(https?://[^>\s]+)>", readme))

    assert cited - listed == set()
    assert listed - cited == set()


def test_the_record_loads_whole_and_reloads_as_already_present(record: Stanceline) -> None:
    again = [record.load_file(path, by="fixtures") for path in files_of(FIXTURES)]

    assert sum(result.recorded for result in again) == 0
    assert sum(result.already_present for result in again) == len(list(lines()))
    assert record.status().facts == len(facts())


def test_every_event_reads_back_as_its_claims_with_one_standing(record: Stanceline) -> None:
    rows: list[FactRow] = list(record.view.all_facts())
    events = {row.event for row in rows if row.event}

    for event in events:
        report = record.claims(event, parse_effective_date("2026-01-01").earliest)
        assert len(report.claims) >= 2, event
        assert any(claim.counts for claim in report.claims), event


def test_sources_lists_every_url_with_the_facts_that_cite_it(record: Stanceline) -> None:
    report = record.sources()
    cited: dict[str, set[str]] = defaultdict(set)
    for fact in facts():
        for source in sources_of(fact):
            cited[source.get("url") or source["title"]].add(fact["id"])

    assert report.facts == len(facts())
    assert {s.url or s.title: {f.id for f in s.facts} for s in report.sources} == cited

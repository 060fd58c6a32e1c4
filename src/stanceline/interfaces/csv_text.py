"""CSV for spreadsheets: the world, a history, a timeline and the sources, one table each.

The command line (`--csv`) and the HTTP API (`format=csv`, `Accept: text/csv`) both write
these, so one question gives the same bytes through either. Columns are stable: a column
added later comes after the others (docs/cli.md, "CSV"). Lists in one cell are joined by
';', flags are `true` or `false`, and a missing value is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from stanceline.application.reports import (
    ComponentReport,
    HistoryReport,
    StanceReport,
    SummaryReport,
    TimelineReport,
)
from stanceline.application.sources import SourcesReport
from stanceline.domain.facts import Component

_PARTS = ["summary", *(c.value for c in Component)]
WORLD_COLUMNS = (
    ["actor", "actor_name", "on"]
    + [f"{p}{suffix}" for p in _PARTS for suffix in ("", "_certainty", "_alternatives")]
    + [f"{p}{suffix}" for p in _PARTS for suffix in ("_disputed", "_default")]
)
HISTORY_COLUMNS = [
    "actor",
    "actor_name",
    "date",
    "earliest",
    "latest",
    "component",
    "measure",
    "from",
    "to",
    "changed",
    "order_uncertain",
    "fact_id",
    "kind",
    "summary",
    "status",
    "event",
    "rank",
    "source_publisher",
    "source_title",
    "source_url",
    "source_published",
    "sources",
    "recorded_at",
    "recorded_by",
    "corrections",
]
TIMELINE_COLUMNS = [
    "actor",
    "actor_name",
    "part",
    "start",
    "end",
    "value",
    "certainty",
    "possible",
    "disputed",
    "default",
]
SOURCES_COLUMNS = [
    "publisher",
    "title",
    "url",
    "published",
    "fact_id",
    "actor",
    "kind",
    "date",
]

_Cell = str | bool | int | None


def world_csv(reports: Sequence[StanceReport]) -> str:
    """Every actor's stance on one day, one row each (alternatives joined by ';'); the
    columns added since the first release (each part's disputed and default) come after
    the others."""
    rows = []
    for r in reports:
        answers: list[SummaryReport | ComponentReport] = [
            r.summary,
            *(r.components[c.value] for c in Component),
        ]
        rows.append(
            [r.actor, r.actor_name, r.on]
            + [x for a in answers for x in (a.value, a.certainty.value, ";".join(a.alternatives))]
            + [x for a in answers for x in (a.disputed, a.default)]
        )
    return _csv(WORLD_COLUMNS, rows)


def history_csv(report: HistoryReport) -> str:
    """An actor's history, one row per fact in the history's order; the first source's
    publisher, title, url and date, and how many sources and corrections it has."""
    rows = []
    for e in report.entries:
        first = e.sources[0] if e.sources else e.source
        rows.append(
            [
                report.actor,
                report.actor_name,
                e.date,
                e.earliest,
                e.latest,
                e.component,
                e.measure,
                e.from_,
                e.to,
                e.changed,
                e.order_uncertain,
                e.fact_id,
                e.kind,
                e.summary,
                e.status,
                e.event,
                e.rank,
                *(first.get(key) for key in ("publisher", "title", "url", "published")),
                len(e.sources) or 1,
                e.recorded_at,
                e.recorded_by,
                len(e.corrections),
            ]
        )
    return _csv(HISTORY_COLUMNS, rows)


def timeline_csv(reports: Iterable[TimelineReport]) -> str:
    """Timelines, one row per band (possible values joined by ';'), in the order given."""
    rows = [
        [
            r.actor,
            r.actor_name,
            r.part,
            band.start,
            band.end,
            band.value,
            band.certainty.value,
            ";".join(band.possible),
            band.disputed,
            band.default,
        ]
        for r in reports
        for band in r.bands
    ]
    return _csv(TIMELINE_COLUMNS, rows)


def sources_csv(report: SourcesReport) -> str:
    """The cited sources, one row per source and fact citing it: a source's rows are
    together, in the report's order, its facts in recording order."""
    rows = [
        [s.publisher, s.title, s.url, s.published, f.id, f.actor, f.kind, f.date]
        for s in report.sources
        for f in s.facts
    ]
    return _csv(SOURCES_COLUMNS, rows)


def _csv(header: Sequence[str], rows: Iterable[Sequence[_Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _cell(value: _Cell) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)

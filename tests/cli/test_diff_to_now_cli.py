"""`diff --known-from T` alone: what the record learned after T up to now."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Run
from tests.cli.test_audit_cli import ok, ok_json


def test_known_from_alone_compares_with_now(amended: Run) -> None:
    alone = ok_json(amended("diff", "RUS", "--known-from", "@14", "--json"))
    explicit = ok_json(amended("diff", "RUS", "--known-from", "@14", "--known-to", "@17", "--json"))

    assert alone == explicit
    assert (alone["known_to"], alone["to_position"]) == ("@17", 17)
    assert [item["position"] for item in alone["learned"]] == [15, 16, 17]
    assert ok(amended("diff", "--all", "--known-from", "@14")).splitlines()[0] == (
        "Learned after @14 (position 14) up to @17 (position 17): 3 events"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--known-to", "@15"), "--known-to needs --known-from"),
        (
            ("--known-from", "@14", "--known-at", "@15"),
            "--known-at goes with --from/--to, not --known-from",
        ),
        (("--from", "2025-01-01", "--known-from", "@1"), "give either --from and --to, or"),
    ],
)
def test_the_knowledge_diff_s_usage_errors(
    amended: Run, args: tuple[str, ...], message: str
) -> None:
    result = amended("diff", "RUS", *args)

    assert result.exit_code == 2
    assert message in result.output

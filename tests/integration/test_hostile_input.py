"""Hostile import files: one clear line naming file, line and field, and nothing written."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application import Stanceline
from stanceline.application.json_input import MAX_DEPTH, MAX_INT_DIGITS
from stanceline.application.verify import head_digest_line, verify
from stanceline.errors import ImportFileError
from stanceline.interfaces.cli import cli
from tests.factories import fact
from tests.integration.conftest import FIXTURES
from tests.stores import law_settings, scratch

GOOD = json.dumps(fact(summary="a good line before the bad one"))
DEEP = '{"kind": "stance_stated", "details": ' + "[" * 1000 + "]" * 1000 + "}"
BIG_INTEGER = json.dumps(fact())[:-1] + ', "extra": {"n": ' + "9" * 4301 + "}}"
REPEATED = '{"kind": "stance_stated", ' + json.dumps(fact())[1:]


def state(app: Stanceline) -> tuple[list[dict[str, object]], str]:
    """Everything a reader can see of a store: its export and its head digest."""
    return list(app.export()), head_digest_line(verify(app))


def refused(app: Stanceline, path: Path) -> str:
    before = state(app)
    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)
    assert state(app) == before  # the file whole or not at all
    return str(caught.value)


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        (DEEP, f":2: nested more than {MAX_DEPTH} levels deep"),
        (BIG_INTEGER, f":2: extra.n: an integer of more than {MAX_INT_DIGITS} digits"),
        (REPEATED, ":2: kind: duplicate key 'kind'"),
        ('{"kind": NaN}', ":2: invalid JSON: NaN is not a JSON number"),
        ("\u2028", ":2: invalid JSON: Expecting value (column 1)"),
    ],
    ids=["nested", "integer", "duplicate", "nan", "separator"],
)
def test_a_hostile_line_is_one_error_naming_its_line_and_field(
    loaded_app: Stanceline, tmp_path: Path, bad: str, said: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD}\n{bad}\n", encoding="utf-8")

    assert refused(loaded_app, path) == f"{path}{said}"


def test_an_invalid_utf8_byte_is_named_by_its_line(loaded_app: Stanceline, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        GOOD.encode()
        + b"\n"
        + json.dumps(fact(summary="caf\u00e9"), ensure_ascii=False).encode("latin-1")
    )

    said = refused(loaded_app, path)

    assert said.startswith(f"{path}: cannot read line 2, column ")
    assert "not UTF-8: byte 0xe9" in said


def test_unicode_line_separators_inside_strings_are_text(app: Stanceline, tmp_path: Path) -> None:
    summary = "one\u2028two\u2029three\u0085four"
    path = tmp_path / "separators.jsonl"
    path.write_text(json.dumps(fact(summary=summary), ensure_ascii=False) + "\r\n", "utf-8")

    app.load_file(path)

    assert [f["summary"] for f in app.export()] == [summary]


def test_one_id_twice_with_different_content_names_both_lines(
    app: Stanceline, tmp_path: Path
) -> None:
    path = tmp_path / "twice.jsonl"
    lines = [fact(id="kaz-1", summary="first"), fact(summary="other"), fact(id="kaz-1")]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")

    said = refused(app, path)

    assert said == (
        f"{path}:3: id: fact 'kaz-1' is given twice with different content, first on line 1 "
        "(an id names one fact: nothing was stored)"
    )


def test_the_command_line_says_it_in_one_line(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(DEEP + "\n", "utf-8")

    result = CliRunner().invoke(cli, ["--store", store_url, "load", str(path)])

    assert result.exit_code == 1
    assert result.output == f"Error: {path}:1: nested more than {MAX_DEPTH} levels deep\n"


# Text of any Unicode character a line may hold: every plane, controls, separators.
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
).filter(str.strip)
URL_PATH = st.text(alphabet=string.ascii_letters + string.digits + "-._~%/?=&", max_size=20)


@st.composite
def facts_of_any_text(draw: st.DrawFn) -> dict[str, object]:
    source = {"title": draw(TEXT), "publisher": draw(TEXT), "quote": draw(TEXT)}
    if draw(st.booleans()):
        source["url"] = "https://example.org/" + draw(URL_PATH)
    return fact(summary=draw(TEXT), source=source)


def test_law_an_export_of_any_text_loads_back_into_an_empty_store_as_it_was(
    store_kind: str,
) -> None:
    @law_settings(store_kind)
    @given(examples=st.lists(facts_of_any_text(), min_size=1, max_size=4))
    def law(examples: list[dict[str, object]]) -> None:
        with scratch(store_kind) as (folder, make):
            first, second = make("first.db"), make("second.db")
            for example in examples:
                first.record_fact(example)
            exported = folder / "export.jsonl"
            args = ["--store", first.store.url, "export", "--out", str(exported)]
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output
            assert "\u2028" not in exported.read_text("utf-8")  # written escaped

            second.load_file(exported)

            assert list(second.export()) == list(first.export())

    law()


def test_the_fixtures_still_load(app: Stanceline) -> None:
    assert app.load_file(FIXTURES).recorded == 14

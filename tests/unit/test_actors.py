"""Actor resolution: ISO states, aliases, the organisation catalogue and its extension files."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.actors import Actor, ActorCatalogue, ActorKind
from stanceline.errors import CatalogueError, StancelineError, UnknownActorError

ALPHA_3_CODES = sorted(country.alpha_3 for country in pycountry.countries)


@pytest.fixture(scope="module")
def catalogue() -> ActorCatalogue:
    return ActorCatalogue.default()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RUS", "RUS"),
        ("rus", "RUS"),
        ("Rus", "RUS"),
        ("AFG", "AFG"),
        ("usa", "USA"),
        ("GBR", "GBR"),
        ("XKX", "XKX"),
        ("AUS", "AUS"),
    ],
)
def test_alpha_3_codes_resolve_in_any_case(catalogue: ActorCatalogue, text: str, code: str) -> None:
    actor = catalogue.resolve(text)
    assert (actor.code, actor.kind) == (code, ActorKind.STATE)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Russian Federation", "RUS"),
        ("Iran, Islamic Republic of", "IRN"),
        ("Islamic Republic of Iran", "IRN"),
        ("Islamic Republic of Afghanistan", "AFG"),
        ("Viet Nam", "VNM"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("Germany", "DEU"),
        ("Federal Republic of Germany", "DEU"),
        ("Pakistan", "PAK"),
        ("Holy See (Vatican City State)", "VAT"),
        ("Korea, Democratic People's Republic of", "PRK"),
        ("Côte d'Ivoire", "CIV"),
    ],
)
def test_names_pycountry_knows_resolve(catalogue: ActorCatalogue, text: str, code: str) -> None:
    assert catalogue.resolve(text).code == code


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("Russia", "RUS"),
        ("UAE", "ARE"),
        ("United States", "USA"),
        ("US", "USA"),
        ("USA", "USA"),
        ("America", "USA"),
        ("UK", "GBR"),
        ("Britain", "GBR"),
        ("Great Britain", "GBR"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Iran", "IRN"),
        ("Syria", "SYR"),
        ("South Korea", "KOR"),
        ("North Korea", "PRK"),
        ("DPRK", "PRK"),
        ("Vietnam", "VNM"),
        ("Laos", "LAO"),
        ("Moldova", "MDA"),
        ("Tanzania", "TZA"),
        ("Venezuela", "VEN"),
        ("Bolivia", "BOL"),
        ("Czechia", "CZE"),
        ("Czech Republic", "CZE"),
        ("Vatican", "VAT"),
        ("Vatican City", "VAT"),
        ("Holy See", "VAT"),
        ("Palestine", "PSE"),
        ("Taiwan", "TWN"),
        ("Kosovo", "XKX"),
        ("Ivory Coast", "CIV"),
        ("Afghanistan", "AFG"),
        ("Islamic Emirate of Afghanistan", "AFG"),
        ("Burma", "MMR"),
        ("DR Congo", "COD"),
        ("Congo-Brazzaville", "COG"),
    ],
)
def test_aliases_resolve_to_their_state(catalogue: ActorCatalogue, alias: str, code: str) -> None:
    actor = catalogue.resolve(alias)
    assert (actor.code, actor.kind) == (code, ActorKind.STATE)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("U.S.", "USA"),
        ("u.s.a.", "USA"),
        ("U.K.", "GBR"),
        ("U.A.E.", "ARE"),
        ("  russia\t", "RUS"),
        ("RUSSIA", "RUS"),
        ("the United Kingdom", "GBR"),
        ("  The United States ", "USA"),
        ("THE NETHERLANDS", "NLD"),
        ("the Gambia", "GMB"),
        ("Cote d'Ivoire", "CIV"),
        ("Cote d’Ivoire", "CIV"),
        ("Turkiye", "TUR"),
        ("Guinea Bissau", "GNB"),
        ("Bosnia & Herzegovina", "BIH"),
        ("south  korea", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("Timor Leste", "TLS"),
    ],
)
def test_matching_ignores_case_whitespace_the_and_punctuation(
    catalogue: ActorCatalogue, text: str, code: str
) -> None:
    assert catalogue.resolve(text).code == code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("RUS", "Russia"),
        ("USA", "United States"),
        ("GBR", "United Kingdom"),
        ("ARE", "United Arab Emirates"),
        ("CHN", "China"),
        ("IRN", "Iran"),
        ("TUR", "Turkey"),
        ("SYR", "Syria"),
        ("KOR", "South Korea"),
        ("PRK", "North Korea"),
        ("VNM", "Vietnam"),
        ("TWN", "Taiwan"),
        ("MDA", "Moldova"),
        ("TZA", "Tanzania"),
        ("VEN", "Venezuela"),
        ("BOL", "Bolivia"),
        ("LAO", "Laos"),
        ("PSE", "Palestine"),
        ("VAT", "Vatican City"),
        ("CZE", "Czechia"),
        ("AFG", "Afghanistan"),
        ("PAK", "Pakistan"),
        ("COD", "Democratic Republic of the Congo"),
        ("XKX", "Kosovo"),
    ],
)
def test_states_carry_their_common_short_name(
    catalogue: ActorCatalogue, code: str, name: str
) -> None:
    assert catalogue.get(code) == Actor(code, name, ActorKind.STATE)
    assert catalogue.resolve(name).code == code


def test_two_letter_au_is_the_african_union(catalogue: ActorCatalogue) -> None:
    assert catalogue.resolve("AU") == Actor("AU", "African Union", ActorKind.ORGANISATION)
    assert catalogue.resolve("au").code == "AU"
    assert catalogue.resolve("AUS").name == "Australia"


@pytest.mark.parametrize("text", ["AF", "af", "GB", "RU", "DE", "FR", "PK"])
def test_two_letter_iso_codes_are_refused(catalogue: ActorCatalogue, text: str) -> None:
    with pytest.raises(UnknownActorError):
        catalogue.resolve(text)


def test_no_two_letter_iso_code_names_a_state_except_us(catalogue: ActorCatalogue) -> None:
    named_states: dict[str, str] = {}
    for country in pycountry.countries:
        try:
            actor = catalogue.resolve(country.alpha_2)
        except UnknownActorError:
            continue
        if actor.kind is ActorKind.STATE:
            named_states[country.alpha_2] = actor.code
    assert named_states == {"US": "USA"}


def _builtin_entries() -> list[dict[str, object]]:
    data = resources.files("stanceline").joinpath("data", "organisations.json").read_text()
    entries: list[dict[str, object]] = json.loads(data)
    return entries


def test_builtin_catalogue_has_the_required_organisations() -> None:
    codes = {entry["code"] for entry in _builtin_entries()}
    required = {"UN", "UNSC", "EU", "AU", "SCO", "OIC", "NATO", "ASEAN", "GCC", "CSTO", "CIS"}
    required |= {"BRICS", "SAARC", "ECO", "LAS", "G7", "G20", "OSCE", "WB", "IMF"}
    assert required <= codes
    assert not codes & set(ALPHA_3_CODES)


@pytest.mark.parametrize("entry", _builtin_entries(), ids=lambda entry: str(entry["code"]))
def test_every_builtin_organisation_resolves_by_code_name_and_alias(
    catalogue: ActorCatalogue, entry: dict[str, object]
) -> None:
    expected = Actor(str(entry["code"]), str(entry["name"]), ActorKind.ORGANISATION)
    assert catalogue.get(expected.code) == expected
    aliases = entry.get("aliases", [])
    assert isinstance(aliases, list)
    texts = [expected.code, expected.code.lower(), expected.name, *aliases]
    assert {catalogue.resolve(text) for text in texts} == {expected}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("United Nations", "UN"),
        ("U.N.", "UN"),
        ("UN Security Council", "UNSC"),
        ("European Union", "EU"),
        ("E.U.", "EU"),
        ("African Union", "AU"),
        ("Shanghai Cooperation Organization", "SCO"),
        ("Organization of Islamic Cooperation", "OIC"),
        ("Arab League", "LAS"),
        ("ARAB_LEAGUE", "LAS"),
        ("League of Arab States", "LAS"),
        ("G-7", "G7"),
        ("g20", "G20"),
        ("World Bank", "WB"),
        ("the International Monetary Fund", "IMF"),
    ],
)
def test_organisation_names_and_aliases_resolve(
    catalogue: ActorCatalogue, text: str, code: str
) -> None:
    actor = catalogue.resolve(text)
    assert (actor.code, actor.kind) == (code, ActorKind.ORGANISATION)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rusia", "Russia (RUS)"),
        ("Pakistn", "Pakistan (PAK)"),
        ("Afganistan", "Afghanistan (AFG)"),
        ("Untied Nations", "United Nations (UN)"),
        ("Shanghai Cooperation", "Shanghai Cooperation Organisation (SCO)"),
        ("AF", "Afghanistan (AFG)"),
    ],
)
def test_unknown_actor_suggests_close_names(
    catalogue: ActorCatalogue, text: str, expected: str
) -> None:
    with pytest.raises(UnknownActorError) as caught:
        catalogue.resolve(text)
    assert caught.value.text == text
    assert expected in caught.value.suggestions
    assert len(caught.value.suggestions) <= 3
    assert str(caught.value).startswith(f"unknown actor {text!r}; did you mean ")
    assert expected in str(caught.value)


def test_suggestions_put_the_best_guess_first(catalogue: ActorCatalogue) -> None:
    assert catalogue.suggest("Rusia", limit=1) == ["Russia (RUS)"]
    assert catalogue.suggest("Pakistn")[0] == "Pakistan (PAK)"
    assert catalogue.suggest("Rusia", limit=0) == []


@pytest.mark.parametrize("text", ["xyzzy", "", "   ", "..."])
def test_nonsense_is_unknown_without_suggestions(catalogue: ActorCatalogue, text: str) -> None:
    with pytest.raises(UnknownActorError) as caught:
        catalogue.resolve(text)
    assert caught.value.suggestions == []
    assert isinstance(caught.value, StancelineError)
    assert isinstance(caught.value, LookupError)


def test_unknown_actor_is_never_invented(catalogue: ActorCatalogue) -> None:
    for _ in range(2):
        with pytest.raises(UnknownActorError):
            catalogue.resolve("Narnia")
    with pytest.raises(UnknownActorError):
        catalogue.get("NARNIA")


@pytest.mark.parametrize("text", ["rus", "Russia", "un", "ARAB_LEAGUE", " RUS"])
def test_get_needs_the_exact_stored_code(catalogue: ActorCatalogue, text: str) -> None:
    with pytest.raises(UnknownActorError):
        catalogue.get(text)


def test_catalogue_without_organisations_knows_only_states() -> None:
    states_only = ActorCatalogue()
    assert states_only.resolve("Russia").code == "RUS"
    with pytest.raises(UnknownActorError):
        states_only.resolve("UN")
    with pytest.raises(UnknownActorError):
        states_only.resolve("AU")


def test_organisations_can_be_given_directly_with_aliases() -> None:
    zed = Actor("ZED", "Zed Forum", ActorKind.ORGANISATION)
    custom = ActorCatalogue([zed], aliases={"ZED": ["Zedland Group"]})
    assert custom.resolve("zedland group") == zed
    assert custom.get("ZED") == zed


@pytest.mark.parametrize(
    "organisation",
    [
        Actor("RUS", "Not Russia", ActorKind.ORGANISATION),
        Actor("XYZ", "A state in disguise", ActorKind.STATE),
        Actor("lower", "Lower Case", ActorKind.ORGANISATION),
        Actor("Z", "Too Short", ActorKind.ORGANISATION),
        Actor("ZZ", "Russia", ActorKind.ORGANISATION),
    ],
)
def test_invalid_organisations_are_refused(organisation: Actor) -> None:
    with pytest.raises(CatalogueError):
        ActorCatalogue([organisation])


def _write(path: Path, entries: object) -> Path:
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def test_extension_file_adds_organisations(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "orgs.json",
        [{"code": "TAPI", "name": "TAPI Pipeline Company", "aliases": ["TAPI Consortium"]}],
    )
    extended = ActorCatalogue.with_extension(path)
    tapi = Actor("TAPI", "TAPI Pipeline Company", ActorKind.ORGANISATION)
    assert extended.resolve("tapi consortium") == tapi
    assert extended.get("TAPI") == tapi
    assert extended.resolve("UN").code == "UN"
    assert extended.resolve("Russia").code == "RUS"
    assert ActorCatalogue.with_extension(str(path)).get("TAPI") == tapi
    with pytest.raises(UnknownActorError):
        ActorCatalogue.default().resolve("TAPI")


def test_no_extension_file_means_the_default_catalogue() -> None:
    plain = ActorCatalogue.with_extension(None)
    assert plain.resolve("SCO").name == "Shanghai Cooperation Organisation"
    with pytest.raises(UnknownActorError):
        plain.resolve("TAPI")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json", "Invalid JSON"),
        ("", "Invalid JSON"),
        (json.dumps({"code": "ZZ", "name": "Zed"}), "array"),
        (json.dumps([{"code": "ZZ"}]), "entry 1, name"),
        (json.dumps([{"code": "ZZ", "name": "Zed"}, {"code": "zz", "name": "z"}]), "entry 2, code"),
        (json.dumps([{"code": "ZZ", "name": "Zed", "colour": "red"}]), "colour"),
        (json.dumps([{"code": "ZZ", "name": "  "}]), "entry 1, name"),
        (json.dumps([{"code": "RUS", "name": "Rus Org"}]), "RUS is taken by a state (Russia)"),
        (json.dumps([{"code": "XKX", "name": "K Org"}]), "XKX is taken by a state (Kosovo)"),
        (json.dumps([{"code": "UN", "name": "Other"}]), "UN is taken by another organisation"),
        (json.dumps([{"code": "ZZ", "name": "Zed", "aliases": ["UK"]}]), "United Kingdom (GBR)"),
        (json.dumps([{"code": "ZZ", "name": "African Union"}]), "African Union (AU)"),
        (json.dumps([{"code": "ZZ", "name": "Zed"}, {"code": "ZZ", "name": "Zed"}]), "ZZ is taken"),
    ],
)
def test_bad_extension_file_is_a_one_line_error_naming_the_file(
    tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "bad-orgs.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        ActorCatalogue.with_extension(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert fragment in message
    assert "\n" not in message
    assert isinstance(caught.value, StancelineError)


def test_missing_extension_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(CatalogueError) as caught:
        ActorCatalogue.with_extension(path)
    assert str(caught.value).startswith(f"{path}: cannot read")


def test_every_pycountry_country_round_trips(catalogue: ActorCatalogue) -> None:
    for code in ALPHA_3_CODES:
        actor = catalogue.resolve(code)
        assert (actor.code, actor.kind) == (code, ActorKind.STATE)
        assert catalogue.resolve(actor.name) == actor
        assert catalogue.get(code) == actor


decorations = st.tuples(
    st.sampled_from([str, str.lower, str.upper, str.title]),
    st.text(alphabet=" \t", max_size=3),
    st.text(alphabet=" \t", max_size=3),
)


@given(code=st.sampled_from(ALPHA_3_CODES), decoration=decorations)
def test_resolving_code_and_name_is_a_round_trip(
    code: str, decoration: tuple[Callable[[str], str], str, str]
) -> None:
    catalogue = ActorCatalogue.default()
    change_case, before, after = decoration
    actor = catalogue.resolve(f"{before}{change_case(code)}{after}")
    assert actor.code == code
    assert catalogue.resolve(f"{before}{change_case(actor.name)}{after}") == actor

"""Actors: states by ISO 3166-1 alpha-3 code, organisations by a code from a catalogue."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated

import pycountry
from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

from stanceline.errors import CatalogueError, UnknownActorError


class ActorKind(StrEnum):
    STATE = "state"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True)
class Actor:
    code: str
    name: str
    kind: ActorKind


# Kosovo has no ISO 3166-1 code; XKX is the user-assigned code the EU and others use.
_KOSOVO = ("XKX", "Kosovo")

# Where pycountry's common_name (or name) is not the short name people write.
_STATE_NAMES = {
    "RUS": "Russia",
    "TUR": "Turkey",
    "PSE": "Palestine",
    "VAT": "Vatican City",
    "COD": "Democratic Republic of the Congo",
    "COG": "Republic of the Congo",
    "BRN": "Brunei",
    "FSM": "Micronesia",
    "FLK": "Falkland Islands",
    "VGB": "British Virgin Islands",
    "VIR": "U.S. Virgin Islands",
    "MAF": "Saint Martin",
    "SXM": "Sint Maarten",
}

# Names pycountry does not know; they win over any pycountry name that might collide later.
_STATE_ALIASES = {
    "Russia": "RUS",
    "UAE": "ARE",
    "Emirates": "ARE",
    "United States": "USA",
    "United States of America": "USA",
    "US": "USA",
    "USA": "USA",
    "America": "USA",
    "UK": "GBR",
    "Britain": "GBR",
    "Great Britain": "GBR",
    "Turkey": "TUR",
    "Türkiye": "TUR",
    "Iran": "IRN",
    "Syria": "SYR",
    "South Korea": "KOR",
    "Republic of Korea": "KOR",
    "North Korea": "PRK",
    "DPRK": "PRK",
    "Vietnam": "VNM",
    "Laos": "LAO",
    "Moldova": "MDA",
    "Tanzania": "TZA",
    "Venezuela": "VEN",
    "Bolivia": "BOL",
    "Czechia": "CZE",
    "Czech Republic": "CZE",
    "Vatican": "VAT",
    "Vatican City": "VAT",
    "Holy See": "VAT",
    "Palestine": "PSE",
    "State of Palestine": "PSE",
    "Taiwan": "TWN",
    "Kosovo": "XKX",
    "Ivory Coast": "CIV",
    "Afghanistan": "AFG",
    "Islamic Emirate of Afghanistan": "AFG",
    "Burma": "MMR",
    "Cape Verde": "CPV",
    "East Timor": "TLS",
    "Swaziland": "SWZ",
    "Macedonia": "MKD",
    "DR Congo": "COD",
    "DRC": "COD",
    "Congo-Kinshasa": "COD",
    "Congo-Brazzaville": "COG",
    "Macau": "MAC",
}

_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_]{1,11}$"
_Code = Annotated[str, StringConstraints(pattern=_CODE_PATTERN)]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _OrganisationEntry(BaseModel):
    """One entry of an organisation catalogue file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: _Code
    name: _Text
    aliases: tuple[_Text, ...] = ()


_CATALOGUE_FILE = TypeAdapter(list[_OrganisationEntry])


@lru_cache(maxsize=4096)
def _normalise(text: str) -> str:
    """The lookup key: ignores case, accents, punctuation and a leading "the"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = re.sub(r"[.'’`]", "", folded.replace("&", " and "))
    words = re.sub(r"[\W_]+", " ", folded).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@cache
def _states() -> tuple[dict[str, Actor], dict[str, Actor]]:
    """States by code and by lookup key, built once on first use."""
    by_code: dict[str, Actor] = {}
    names: dict[Actor, list[str]] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        common = getattr(country, "common_name", None)
        actor = Actor(code, _STATE_NAMES.get(code) or common or country.name, ActorKind.STATE)
        by_code[code] = actor
        official = getattr(country, "official_name", None)
        names[actor] = [text for text in (actor.name, country.name, common, official) if text]
    kosovo = by_code.setdefault(_KOSOVO[0], Actor(*_KOSOVO, ActorKind.STATE))
    names.setdefault(kosovo, [kosovo.name])

    # Precedence on a clash: codes, then the alias table, then pycountry's names.
    index = {_normalise(code): actor for code, actor in by_code.items()}
    for alias, code in _STATE_ALIASES.items():
        index.setdefault(_normalise(alias), by_code[code])
    for actor, texts in names.items():
        for text in texts:
            index.setdefault(_normalise(text), actor)
    return by_code, index


@cache
def _builtin_entries() -> tuple[_OrganisationEntry, ...]:
    source = resources.files("stanceline").joinpath("data", "organisations.json")
    return tuple(_parse_catalogue(source.read_bytes()))


def _parse_catalogue(data: bytes) -> list[_OrganisationEntry]:
    try:
        return _CATALOGUE_FILE.validate_json(data.removeprefix(b"\xef\xbb\xbf"))
    except ValidationError as error:
        raise CatalogueError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    """The first validation problem as one line, e.g. "entry 2, code: String should match ..."."""
    problems = error.errors()
    loc = list(problems[0]["loc"])
    where = []
    if loc and isinstance(entry := loc[0], int):
        where.append(f"entry {entry + 1}")
        loc = loc[1:]
    if loc:
        where.append(".".join(str(part) for part in loc))
    message = " ".join(str(problems[0]["msg"]).split())
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more)"
    return ", ".join(where) + f": {message}" if where else message


def _organisations(
    entries: Iterable[_OrganisationEntry],
) -> tuple[list[Actor], dict[str, tuple[str, ...]]]:
    entries = list(entries)
    actors = [Actor(entry.code, entry.name, ActorKind.ORGANISATION) for entry in entries]
    return actors, {entry.code: entry.aliases for entry in entries}


class ActorCatalogue:
    """Every state pycountry knows (plus Kosovo) and the organisations given."""

    def __init__(
        self,
        organisations: Iterable[Actor] = (),
        *,
        aliases: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        states_by_code, states_index = _states()
        self._by_code = dict(states_by_code)
        self._index = dict(states_index)
        aliases = aliases or {}
        for organisation in organisations:
            self._add(organisation, aliases.get(organisation.code, ()))
        if unknown := sorted(set(aliases) - set(self._by_code)):
            raise CatalogueError(f"aliases given for unknown organisation {unknown[0]}")

    @classmethod
    def default(cls) -> ActorCatalogue:
        """The states and the built-in organisation catalogue."""
        actors, aliases = _organisations(_builtin_entries())
        return cls(actors, aliases=aliases)

    @classmethod
    def with_extension(cls, path: str | Path | None) -> ActorCatalogue:
        """The default catalogue plus the organisations of a user JSON file, if one is given."""
        if path is None:
            return cls.default()
        try:
            extension = _parse_catalogue(Path(path).read_bytes())
            actors, aliases = _organisations([*_builtin_entries(), *extension])
            return cls(actors, aliases=aliases)
        except OSError as error:
            raise CatalogueError(f"{path}: cannot read: {error.strerror}") from None
        except CatalogueError as error:
            raise CatalogueError(f"{path}: {error}") from None

    def find(self, text: str) -> Actor | None:
        """The actor a user's name, alias or code stands for, or None (no suggestions made)."""
        return self._index.get(_normalise(text))

    def resolve(self, text: str) -> Actor:
        """The actor a user's name, alias or code stands for."""
        actor = self.find(text)
        if actor is None:
            raise UnknownActorError(text, self.suggest(text))
        return actor

    def get(self, code: str) -> Actor:
        """The actor stored under exactly this code."""
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownActorError(code, self.suggest(code)) from None

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Up to `limit` "Name (CODE)" guesses at what an unknown text meant."""
        key = _normalise(text)
        if not key or limit <= 0:
            return []
        # pycountry's substring search is the better guess when it finds anything
        # ("AF", "Korea"); difflib catches typos ("Rusia") and organisations.
        try:
            fuzzy = pycountry.countries.search_fuzzy(text)
        except LookupError:
            fuzzy = []
        found = [self._by_code[country.alpha_3] for country in fuzzy]
        close = difflib.get_close_matches(key, self._index, n=limit * 4)
        found += [self._index[match] for match in close]
        unique = list(dict.fromkeys(found))[:limit]
        return [f"{actor.name} ({actor.code})" for actor in unique]

    def _add(self, organisation: Actor, aliases: Iterable[str]) -> None:
        code = organisation.code
        if organisation.kind is not ActorKind.ORGANISATION:
            raise CatalogueError(f"{code}: only organisations can be added to the catalogue")
        if not re.fullmatch(_CODE_PATTERN, code):
            raise CatalogueError(f"{code!r}: an organisation code is 2-12 of A-Z, 0-9 and _")
        if (taken := self._by_code.get(code)) is not None:
            owner = "a state" if taken.kind is ActorKind.STATE else "another organisation"
            raise CatalogueError(f"organisation code {code} is taken by {owner} ({taken.name})")
        self._by_code[code] = organisation
        for text in (code, organisation.name, *aliases):
            key = _normalise(text)
            if not key:
                raise CatalogueError(f"organisation {code}: {text!r} has no letters or digits")
            other = self._index.setdefault(key, organisation)
            if other != organisation:
                raise CatalogueError(
                    f"organisation {code}: {text!r} already names {other.name} ({other.code})"
                )

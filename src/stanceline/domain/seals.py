"""The log's seals: one digest a transaction over its events, each chained to the one before.

A fact's chain (events.py) shows an event edited or a fact's own event missing; a
seal shows the log's order: an event deleted, inserted or moved anywhere, also
when the rows after it were renumbered to hide the gap. Each transaction that
stores events stores one seal beside them: how many events it stored and a
digest over the seal before it and each of its events as stored (stream, version,
topic, bytes). `verify` walks the log in order and recomputes them. A store made
before seals has its first seal say how many events came before it: those stay
checked by their chains alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import NamedTuple


class Seal(NamedTuple):
    """One transaction's seal: its number, how many events it sealed, and the digest."""

    number: int
    events: int
    digest: str
    earlier: int | None  # the first seal only: how many events the log held before it


class Sealed(NamedTuple):
    """An event as a seal covers it: everything stored of it but its position."""

    originator_id: str
    originator_version: int
    topic: str
    state: bytes


class SealHash:
    """A seal's digest in the making: the seal before it, then its events one by one."""

    def __init__(self, previous: str) -> None:
        self._hash = hashlib.sha256(previous.encode())

    def add(self, event: Sealed) -> None:
        state = event.state
        if not isinstance(state, bytes):  # a row an intruder rewrote as text
            state = str(state).encode()
        self._hash.update(
            f"\n{event.originator_id}\0{event.originator_version}\0{event.topic}\0"
            f"{len(state)}\0".encode()
        )
        self._hash.update(state)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def seal_digest(previous: str, events: Iterable[Sealed]) -> str:
    """The digest of a transaction's events, after the seal whose digest is `previous`."""
    made = SealHash(previous)
    for event in events:
        made.add(event)
    return made.hexdigest()

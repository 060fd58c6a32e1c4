"""What a message broker is handed and answers: messages, a stream's end, a page's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Outgoing:
    """One event as a message: its CloudEvent id, actor (the subject's last token), and wire."""

    id: str
    actor: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class StreamEnd:
    """The stream's last sequence (0 when empty) and its last message's headers, if any."""

    sequence: int
    headers: Mapping[str, str] | None


@dataclass(frozen=True)
class Published:
    """A page's outcome: the stream's new last sequence, messages stored and found stored."""

    sequence: int
    stored: int
    duplicates: int

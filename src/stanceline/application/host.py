"""What the application's query mixins use of the application, for the type checker only."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stanceline.application.app import Knowledge
    from stanceline.domain.actors import Actor
    from stanceline.domain.stance import Occurrence
    from stanceline.projections.model import StanceModel


class Host:
    """Base of the mixins (audit, feed, timeline): the Stanceline members they call."""

    if TYPE_CHECKING:
        view: StanceModel

        def catch_up(self) -> int: ...
        def resolve(self, actor: str) -> Actor: ...
        def known_at(self, text: str | None) -> Knowledge: ...
        def _actor(self, code: str) -> Actor: ...
        def _occurrences(self, actor: str, position: int | None) -> list[Occurrence]: ...

"""The read side every use case reads through: the read model kept up to date, and actors.

Before a question is answered the read model is brought up to the end of the
log (catch_up); names are resolved to actors; a known-at text to a position.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from types import MappingProxyType

from eventsourcing.persistence import IntegrityError, Notification

from stanceline.application.ports import Log
from stanceline.domain.actors import Actor, ActorCatalogue, ActorKind
from stanceline.domain.claims import cites, counting
from stanceline.domain.events import DomainEvent
from stanceline.domain.facts import Rank
from stanceline.domain.knowledge import Knowledge, parse_known_at
from stanceline.domain.recording import NewFact
from stanceline.domain.stance import Occurrence
from stanceline.errors import (
    ProjectionError,
    StoreBehindError,
    StoreReadOnlyError,
    UnknownActorError,
)
from stanceline.projections.rows import FactRow

Saved = Mapping[int, NewFact | DomainEvent]
NO_EVENTS: Saved = MappingProxyType({})
CATCH_UP_BATCH = 2000


class ReadSide:
    """The read model of one log, kept up to date, and the actors it speaks of."""

    def __init__(self, log: Log, catalogue: ActorCatalogue) -> None:
        self.log = log
        self.view = log.view
        self.catalogue = catalogue

    @cached_property
    def source(self) -> str:
        """The CloudEvents `source` of this store: stable for the store's life."""
        try:
            return f"urn:stanceline:store:{self.view.store_id()}"
        except StoreReadOnlyError:
            raise StoreReadOnlyError(
                f"store {self.log.config.description} is read-only here and has no id yet, "
                "which its events need as their source: it is made the first time they are "
                "read where the store can be written"
            ) from None

    def catch_up(self, saved: Saved = NO_EVENTS) -> int:
        """Bring the read model up to the end of the log; return its position.

        `saved` are events just stored, by position: they are projected as they are,
        not decoded again from the log. The log still says which events come, in
        which order, so events that other writers stored meanwhile are projected in
        their places.
        """
        if self.log.as_it_stands:
            # Opened to read only: answered as the model stands (the primary's projector
            # brings it on), in one round trip.
            return self.view.position()
        head, position = self.view.behind()
        if head <= position:
            return position  # the common case, in one round trip
        if self.log.read_only:
            raise StoreReadOnlyError(
                f"store {self.log.config.description} is read-only here, and its read model "
                f"holds the log to position {position} of {head}: open it once where it can "
                "be written, so that the rest is projected"
            )
        if len(saved) == head - position and all(
            at in saved for at in range(position + 1, head + 1)
        ):
            # The log grew by exactly these events: it need not be read back for them.
            events = [(at, saved[at]) for at in range(position + 1, head + 1)]
            position = self._apply(events, head, position)
        while notifications := self.log.notifications(position + 1, CATCH_UP_BATCH):
            events = [(n.id, self._event(n, saved)) for n in notifications]
            position = self._apply(events, notifications[-1].id, position)
        return position

    def _apply(
        self, events: Sequence[tuple[int, NewFact | DomainEvent]], upto: int, position: int
    ) -> int:
        """Project events after `position` up to `upto`; return the model's position after.

        Another process may have projected the same events first: the model has then
        moved on. If it has not, the model refuses them for another reason, and
        asking again would refuse them for ever: ProjectionError.
        """
        try:
            self.view.apply(events, upto)
        except IntegrityError as error:
            moved = self.view.position()
            if moved <= position:
                raise ProjectionError(
                    f"the read model refuses the events after position {position}: {error}"
                ) from None
            return moved
        return self.view.position()

    def _event(self, notification: Notification, saved: Saved) -> NewFact | DomainEvent:
        if notification.id in saved:
            return saved[notification.id]
        return self.log.decode(notification)

    def rebuild(self) -> int:
        """Rebuild the read model and its index from the whole log; return how many facts."""
        self.view.reset()
        self.catch_up()
        self.build_index()
        return sum(1 for _ in self.view.all_facts())

    def build_index(self) -> int:
        """Bring every actor's index up to date now, not on first use; return how many were."""
        self.catch_up()
        return sum(self.view.refresh(actor) for actor in self.view.stale_actors())

    def resolve(self, actor: str) -> Actor:
        """The actor a name, alias or code means (UnknownActorError with suggestions)."""
        try:
            return self.catalogue.resolve(actor)
        except UnknownActorError:
            # A stored actor whose catalogue entry is not loaded now still answers.
            code = actor.strip().upper()
            if code in self.view.actors():
                return self.actor(code)
            raise

    def actor(self, code: str) -> Actor:
        """The actor stored under `code`."""
        try:
            return self.catalogue.get(code)
        except UnknownActorError:
            # Recorded with an extension catalogue that is not loaded now: name it by code.
            return Actor(code=code, name=code, kind=ActorKind.ORGANISATION)

    def actors(self, actor: str | None, position: int | None) -> list[Actor]:
        """The actor named, or every actor with a fact as known at `position`."""
        if actor is not None:
            return [self.resolve(actor)]
        return [self.actor(code) for code in self.view.actors(position)]

    def known_at(self, text: str | None) -> Knowledge:
        """Resolve a known-at value (ISO timestamp or @N) to a log position; None means now.

        Opened to read only, a position the read model has not reached yet cannot be
        answered: StoreBehindError (the log may hold it, the model not yet).
        """
        projected = self.catch_up()
        if text is None:
            return Knowledge(None, None)
        known = parse_known_at(text)
        if known.position is not None:
            # Events in (projected, known] that the log holds and the model not yet would be
            # left out of the answer: refused, whether or not the log reaches `known`.
            if self.log.as_it_stands and known.position > projected and self.log.head() > projected:
                raise StoreBehindError(
                    f"known at {known.text}: this server's read model holds the log to "
                    f"position {projected}, not yet {known.position}: ask again shortly, "
                    "or ask the primary"
                )
            return Knowledge(known.position, known.text)
        assert known.moment is not None
        return Knowledge(self.view.position_at(known.moment), known.text)

    def counting(
        self, code: str, position: int | None, according_to: str | None = None
    ) -> list[FactRow]:
        """The actor's facts that count, as known at `position` (None: now), in recording order.

        In the record's own view, the claims that count (DESIGN §7: preferred over normal,
        never deprecated); according to a source, every fact citing it, whatever its rank.
        Retracted facts never count.
        """
        return choose(self.view.facts_of(code, position), according_to)

    def occurrences(
        self, code: str, position: int | None, according_to: str | None = None
    ) -> list[Occurrence]:
        """The actor's facts that count and move its stance, as `counting` gives them."""
        return [o for r in self.counting(code, position, according_to) if (o := r.occurrence())]


def choose(rows: Iterable[FactRow], according_to: str | None = None) -> list[FactRow]:
    """Of facts that are not retracted, those that count (ReadSide.counting), in order."""
    if according_to is None:
        return counting(rows, _event, _rank)
    return [row for row in rows if cites(row.sources, according_to)]


def _event(row: FactRow) -> str | None:
    return row.event


def _rank(row: FactRow) -> Rank:
    return row.claim_rank

"""Copy a whole event log into an empty store: the same events, bytes and order, kept whole.

The copy is one transaction on the target, holding its events table's write lock
from the emptiness check to the commit: a failure anywhere leaves the target as
empty as it was. The source is only read, in batches, up to the position it had
when the copy began. Events go through the recorders' own select and insert, so
the stored bytes (and with them every id, recorded time and chain hash) are the
ones read. While copying, the chain of every event is checked as `verify` would
check it at its new position, so a log that does not verify is never copied.

Positions: a PostgreSQL target gives every event its source position (gaps
included); a SQLite target numbers its rows 1..N, which keeps the positions of
a source numbered so (any SQLite store) and renumbers the rest. Then the old and
new position of every event go to a positions file (tab-separated, one event a
line, oldest first); a subscriber's saved position P becomes the new position on
the last line whose old position is at most P (0 when none is).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO, cast

from stanceline.application.app import Stanceline
from stanceline.application.verify import (
    ChainWalk,
    SealWalk,
    VerifyReport,
    head_digest_line,
    verify,
)
from stanceline.errors import MigrationError, StoreNotEmptyError

COPY_BATCH = 1000
POSITIONS_HEADER = "old_position\tnew_position\n"

Progress = Callable[[int, int], None]
"""Called after each batch with the events copied so far and the last position to copy."""


@dataclass(frozen=True, slots=True)
class Migration:
    """What a migration copied, and what a subscriber needs to know about it."""

    copied: int
    through: int  # the source's last position copied
    last_position: int  # the target's
    renumbered: bool
    positions_file: Path | None  # written only when renumbered
    store_id: str | None  # the source's store id, now the target's too (None: a new one)
    digest: str  # the target's head digest, sha256:<hex>@N
    source_grew: bool  # events were stored in the source during the copy (not copied)


def migrate(
    source: Stanceline,
    target: Stanceline,
    *,
    positions_file: Path | None = None,
    keep_store_id: bool = True,
    progress: Progress | None = None,
    stage: Callable[[str], None] | None = None,
    batch: int = COPY_BATCH,
) -> Migration:
    """Copy every event of `source` into the empty `target`; build and verify its read model.

    StoreNotEmptyError when the target holds events; MigrationError when the
    source is empty or does not verify, or positions would change and there is no
    `positions_file` to say how. Either way nothing is written.
    """
    if positions_file is not None and not positions_file.parent.is_dir():
        raise MigrationError(f"positions file {positions_file}: its folder does not exist")
    _check_empty(target, target.log.head())
    # Before the head is read: every seal known now covers events up to it.
    seals = SealWalk(source.log, batch)
    through = source.log.head()
    if through == 0:
        raise MigrationError(f"source store {source.store.description} holds no events")
    # Named now if it never was (the id is made on first use, say by `events`): otherwise
    # the copy would name itself and the source, named later, would differ from it.
    store_id = source.view.store_id() if keep_store_id else None
    with _PositionsLog(positions_file) as positions:
        copied = _copy(source, target, through, seals, store_id, positions, progress, stage, batch)
    _say(stage, "building the read model")
    target.catch_up()
    _say(stage, "verifying the copy")
    report = verify(target)
    if not report.ok or report.digest != copied.digest:
        raise MigrationError(
            f"the copy was stored in {target.store.description} but does not verify: "
            f"{report.problem or 'its head digest differs from the one copied'}"
        )
    return Migration(
        copied=copied.count,
        through=through,
        last_position=copied.position,
        renumbered=positions.renumbered,
        positions_file=positions_file if positions.renumbered else None,
        store_id=store_id,
        digest=head_digest_line(report),
        source_grew=(source.log.head()) > through,
    )


def _copy(
    source: Stanceline,
    target: Stanceline,
    through: int,
    seals: SealWalk,
    store_id: str | None,
    positions: _PositionsLog,
    progress: Progress | None,
    stage: Callable[[str], None] | None,
    batch: int,
) -> VerifyReport:
    """The copy itself, in one transaction; the chain walk of what it copied."""
    walk = ChainWalk(target.log.decode, None, consecutive=target.log.consecutive)
    with target.log.copying() as copy:
        _check_empty(target, copy.last_position())
        _say(stage, f"copying the events up to position {through}")
        start = 1
        while page := source.log.notifications(start, batch, stop=through):
            for old, new in zip(page, copy.insert(page), strict=True):
                problem = walk.step(replace(old, id=new)) or seals.step(old)
                if problem is not None:
                    raise MigrationError(f"the source does not verify: {problem}; nothing copied")
                positions.add(old.id, new)
            start = page[-1].id + 1
            if progress is not None:
                progress(walk.count, through)
        if problem := seals.check_end():
            raise MigrationError(f"the source does not verify: {problem}; nothing copied")
        if store_id is not None:
            target.view.adopt_store_id(copy.cursor, store_id)
        positions.check_free()
        _say(stage, f"committing {walk.count} events")
    # Only the totals: the walk's memory of every fact's chain goes before the read model's.
    return walk.report(None)


def _say(stage: Callable[[str], None] | None, text: str) -> None:
    if stage is not None:
        stage(text)


def _check_empty(target: Stanceline, last: int) -> None:
    if last:
        raise StoreNotEmptyError(
            f"target store {target.store.description} is not empty (it holds events up to "
            f"position {last}): migrate copies only into an empty store"
        )


class _PositionsLog:
    """Every event's old and new position, written beside the target file as the copy goes.

    The file takes its name only after the copy committed, and only when a
    position changed; otherwise (and on any failure) it is removed.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.renumbered = False
        self.file: TextIO | None = None

    def __enter__(self) -> _PositionsLog:
        if self.path is not None:
            try:
                file = tempfile.NamedTemporaryFile(
                    "w",
                    encoding="utf-8",
                    dir=self.path.parent,
                    prefix=f".{self.path.name}.",
                    suffix=".partial",
                    delete=False,
                )
            except OSError as error:
                raise MigrationError(f"positions file {self.path}: {error.strerror}") from None
            file.write(POSITIONS_HEADER)
            self.file = cast(TextIO, file)
        return self

    def add(self, old: int, new: int) -> None:
        if old != new and not self.renumbered:
            if self.file is None:
                raise MigrationError(
                    f"positions would change (position {old} becomes {new}) and no positions "
                    "file was named to say how; nothing copied"
                )
            self.renumbered = True
        if self.file is not None:
            self.file.write(f"{old}\t{new}\n")

    def check_free(self) -> None:
        """Before the commit: a renumbering must not overwrite an existing file."""
        if self.renumbered and self.path is not None and self.path.exists():
            raise MigrationError(
                f"positions would change, and the positions file {self.path} already exists; "
                "nothing copied (move it away or name another with --positions-file)"
            )

    def __exit__(self, *exc: object) -> None:
        """After the commit, name the file if positions changed; remove it otherwise."""
        if self.file is None:
            return
        self.file.close()
        if exc[0] is None and self.renumbered and self.path is not None:
            try:
                os.replace(self.file.name, self.path)
            except OSError as error:
                raise MigrationError(
                    f"the copy is stored, but the positions file could not be named {self.path} "
                    f"({error.strerror}): it is {self.file.name}"
                ) from None
        else:
            Path(self.file.name).unlink(missing_ok=True)

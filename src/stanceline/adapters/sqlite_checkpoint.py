"""SQLite's write-ahead log, copied back into the database by a thread of its own.

In WAL mode every commit appends to the log, and by default the commit that
takes the log past 1,000 pages also copies it back into the database file and
waits for the disk: for a load of 50,000 facts, about a tenth of its time.
This application's connections leave that to a checkpointer instead: after
each of their commits a thread copies the log back (a PASSIVE
checkpoint, which never waits for readers or writers), while the caller goes
on with its next file. Closing the application waits for the last copy.

The log stays correct whatever happens to the thread: a checkpoint only moves
committed pages, and a log left behind by a killed process is read (and later
copied back) by the next one to open the store.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress
from urllib.parse import quote

# Each connection's own checkpoints, switched off: the checkpointer makes them.
NO_AUTOCHECKPOINT = "PRAGMA wal_autocheckpoint = 0"
CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"


class Checkpointer:
    """Copies the log back into the database after each write, on a thread of its own."""

    def __init__(self, db_name: str, timeout: float) -> None:
        self.db_name = db_name
        self._uri = db_name if db_name.startswith("file:") else f"file:{quote(db_name)}?mode=rw"
        self.timeout = timeout
        self._wanted = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def prepare(self, connection: sqlite3.Connection) -> None:
        """Switch a new connection's own checkpoints off: this thread makes them."""
        connection.execute(NO_AUTOCHECKPOINT)

    def request(self) -> None:
        """Ask for a checkpoint soon (requests made meanwhile are one checkpoint)."""
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="stanceline-checkpoint", daemon=True
                )
                self._thread.start()
        self._wanted.set()

    def close(self) -> None:
        """Stop the thread, then copy back what is left, before the caller goes on."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wanted.set()
        if thread is not None:
            thread.join()
            with suppress(sqlite3.Error):  # the store removed meanwhile: nothing to copy
                self.checkpoint()

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint now: (busy, pages in the log, pages copied back)."""
        # Read-write, never create: a store removed meanwhile is not made anew.
        connection = sqlite3.connect(self._uri, uri=True, timeout=self.timeout)
        try:
            busy, logged, copied = connection.execute(CHECKPOINT).fetchone()
            return int(busy), int(logged), int(copied)
        finally:
            connection.close()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopping:
                return
            # Busy or gone: the next write asks again, and close() copies back the rest.
            with suppress(sqlite3.Error):
                self.checkpoint()

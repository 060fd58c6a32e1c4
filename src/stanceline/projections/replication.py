"""What a store's server says of its replication, where it is a hot standby (a replica).

The read model it holds is the primary's, replayed: answers from it are as of the
position it reached, and this says how far the replay is behind.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Replication:
    """How far a store's server, a hot standby, replays behind its primary."""

    replay_lag_seconds: float | None  # None: it has replayed no transaction yet
    replay_lag_bytes: int  # write-ahead log received and not yet replayed

#!/usr/bin/env bash
# Make sure a PostgreSQL 15 hot standby answers on 127.0.0.1:5433, streaming from the primary
# on 127.0.0.1:5432 (the replica tests, tests/replicas.py). Needs root to set it up; when it
# is already up, in recovery and streaming, it changes nothing.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
PRIMARY_CONF=/etc/postgresql/15/main
DATA=${STANCELINE_STANDBY_DIR:-/var/lib/postgresql/stanceline-standby}
LOG=${STANCELINE_STANDBY_LOG:-/var/log/postgresql/stanceline-standby.log}
PORT=5433
HBA_LINE="host replication all 127.0.0.1/32 trust"

say() { echo "standby: $*"; }
as_postgres() { runuser -u postgres -- "$@"; }
sql() { "$BIN/psql" -X -q -tA -h 127.0.0.1 -U postgres -d postgres "$@"; }
primary_sql() { sql -p 5432 -c "$1"; }
standby_sql() { sql -p "$PORT" -c "$1" 2>/dev/null; }
running() {
    [ -f "$DATA/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# In recovery is not enough: a standby whose primary recycled the WAL it needs (or was made
# anew) stays in recovery for ever without replaying anything. It must also be streaming.
healthy() {
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" &&
        [ "$(standby_sql 'SELECT pg_is_in_recovery()')" = t ] &&
        [ "$(standby_sql 'SELECT status FROM pg_stat_wal_receiver')" = streaming ]
}

wait_healthy() {
    for _ in $(seq 1 30); do
        healthy && return 0
        sleep 1
    done
    return 1
}

start() {
    say "starting on 127.0.0.1:$PORT (log $LOG)"
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null && wait_healthy
}

# The primary refuses replication connections until pg_hba.conf has a replication line.
allow_replication() {
    grep -qxF "$HBA_LINE" "$PRIMARY_CONF/pg_hba.conf" && return 0
    say "allowing replication from 127.0.0.1 in $PRIMARY_CONF/pg_hba.conf"
    printf '\n# Streaming replication for the test standby (tools/standby.sh).\n%s\n' "$HBA_LINE" \
        >>"$PRIMARY_CONF/pg_hba.conf"
    primary_sql 'SELECT pg_reload_conf()' >/dev/null
}

remake() {
    # Only ever a PostgreSQL data directory (or an empty one), and never the primary's.
    if [ "$(realpath -m "$DATA")" = "$(realpath -m "$(primary_sql 'SHOW data_directory')")" ] ||
        { [ -n "$(ls -A "$DATA" 2>/dev/null)" ] && [ ! -f "$DATA/PG_VERSION" ]; }; then
        say "refusing to remove $DATA: not a standby's data directory"
        return 1
    fi
    # A postmaster killed outright can linger as a zombie here (an init that reaps late), so
    # pg_ctl still sees it and cannot stop it: its directory goes anyway.
    if running; then
        as_postgres "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
    say "making $DATA from the primary"
    rm -rf "$DATA"
    install -d -o postgres -g postgres -m 0700 "$DATA"
    # A fast checkpoint: the default spreads it out, and the copy waits minutes for it.
    as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$DATA" -R -X stream \
        --checkpoint=fast
    # Debian keeps the primary's configuration in /etc, so the copy has none: write its own.
    # A hot standby refuses to start with fewer of these than the primary has.
    {
        echo "# The test standby (tools/standby.sh); primary_conninfo is in postgresql.auto.conf."
        echo "port = $PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '/tmp'"
        echo "hot_standby = on"
        echo "cluster_name = 'stanceline-standby'"
        primary_sql "SELECT format('%s = %L', name, setting) FROM pg_settings WHERE name IN
            ('max_connections', 'max_worker_processes', 'max_wal_senders',
             'max_prepared_transactions', 'max_locks_per_transaction', 'TimeZone', 'DateStyle')"
    } | as_postgres tee "$DATA/postgresql.conf" >/dev/null
    chmod 0600 "$DATA/postgresql.conf"
    install -o postgres -g postgres -m 0600 \
        "$PRIMARY_CONF/pg_hba.conf" "$PRIMARY_CONF/pg_ident.conf" "$DATA/"
}

up() { say "up on 127.0.0.1:$PORT, in recovery, streaming"; exit 0; }

healthy && up
[ "$(id -u)" = 0 ] || { say "not up on 127.0.0.1:$PORT, and setting it up needs root"; exit 1; }
allow_replication
if [ -f "$DATA/PG_VERSION" ]; then
    # Running and in recovery but not yet streaming (just started), or down: give it the
    # chance first. Anything else (promoted, not answering) is remade.
    if running; then
        [ "$(standby_sql 'SELECT pg_is_in_recovery()')" = t ] && wait_healthy && up
    else
        start && up
    fi
    say "$DATA does not work as a standby (see $LOG): remaking it"
fi
remake
start && up
say "did not come up in recovery and streaming; the end of $LOG:"
tail -n 20 "$LOG"
exit 1

#!/usr/bin/env bash
# A PostgreSQL primary and a hot standby of its own, streaming, on spare ports, for the read-replica tests.
#
#   scripts/pg-replica-pair.sh start   # prints the two URLs as shell assignments (PRIMARY_URL=..., STANDBY_URL=...)
#   scripts/pg-replica-pair.sh stop
#
# Uses the PostgreSQL binaries on the machine (initdb, pg_basebackup, pg_ctl) as the `postgres` user in a
# temporary directory; nothing of the machine's own cluster is touched. Trust auth on 127.0.0.1 only.
set -euo pipefail

PRIMARY_PORT="${GONGHUI_PAIR_PRIMARY_PORT:-55432}"
STANDBY_PORT="${GONGHUI_PAIR_STANDBY_PORT:-55433}"
DIR="${GONGHUI_PAIR_DIR:-/tmp/gonghui-replica-pair}"
DB="${GONGHUI_PAIR_DB:-gonghui_replica}"

pg_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
  echo "$found"
}
BIN=$(pg_bin)

as_postgres() {
  if [ "$(id -un)" = "postgres" ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

stop() {
  for node in standby primary; do
    if [ -f "$DIR/$node/postmaster.pid" ]; then
      as_postgres "$BIN/pg_ctl" -D "$DIR/$node" -m fast -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$DIR"
}

start() {
  stop
  mkdir -p "$DIR"
  chown postgres: "$DIR" 2>/dev/null || true
  as_postgres "$BIN/initdb" -D "$DIR/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$DIR/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$DIR'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
EOF
  echo "host replication postgres 127.0.0.1/32 trust" >>"$DIR/primary/pg_hba.conf"
  as_postgres "$BIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w start >/dev/null
  as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/standby" -R -X stream >/dev/null
  sed -i "s/^port = .*/port = $STANDBY_PORT/" "$DIR/standby/postgresql.conf"
  as_postgres "$BIN/pg_ctl" -D "$DIR/standby" -l "$DIR/standby.log" -w start >/dev/null
  as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qc "CREATE DATABASE $DB" >/dev/null
  # The standby replays the CREATE DATABASE; wait until it can be read there.
  for _ in $(seq 1 50); do
    if as_postgres "$BIN/psql" -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -d "$DB" -Atqc "SELECT pg_is_in_recovery()" 2>/dev/null | grep -q t; then
      echo "PRIMARY_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB"
      echo "STANDBY_URL=postgres://postgres@127.0.0.1:$STANDBY_PORT/$DB"
      return 0
    fi
    sleep 0.2
  done
  echo "the standby did not come up; see $DIR/standby.log" >&2
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# PostgreSQL and Redis for n8n's queue mode, private to one test or bench run: never a server that
# happens to run on the machine.
#   bash scripts/queue-services.sh start DIR   → starts both under DIR, prints shell assignments:
#       QUEUE_PG_PORT=… QUEUE_PG_USER=… QUEUE_PG_DB=… QUEUE_REDIS_PORT=…
#   bash scripts/queue-services.sh stop DIR    → stops both (safe to call twice, or after a failed start)
# PostgreSQL: the binaries of $PG_BIN (default: the newest /usr/lib/postgresql/*/bin, else initdb in
# PATH), a fresh cluster in DIR/pg on a free loopback port, trust auth on 127.0.0.1 only.
# Redis: redis-server (installed from Debian's package when missing and we are root), a free
# loopback port, no persistence (--save "" --appendonly no), its pid file in DIR.
set -euo pipefail
# runuser, redis-server and apt-get live in the system folders, which a CI PATH may leave out.
export PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"
action="${1:?usage: queue-services.sh start|stop DIR}"
dir="${2:?usage: queue-services.sh start|stop DIR}"
# PostgreSQL binaries: $PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else initdb in PATH.
if [ -z "${PG_BIN:-}" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -x "${PG_BIN:-/nonexistent}/initdb" ] || PG_BIN="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# PostgreSQL refuses to run as root: run its tools as the postgres user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "${PG_OS_USER:-postgres}" -- "$@"; else "$@"; fi
}

start() {
  mkdir -p "$dir"
  [ -x "$PG_BIN/initdb" ] || { echo "queue-services: PostgreSQL binaries not found (set PG_BIN)" >&2; exit 1; }
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "queue-services: installing redis-server (Debian package)" >&2
      (apt-get install -y redis-server || (apt-get update && apt-get install -y redis-server)) >"$dir/apt.log" 2>&1 \
        || { echo "queue-services: could not install redis-server, see $dir/apt.log" >&2; exit 1; }
    else
      echo "queue-services: redis-server is missing (apt-get install redis-server)" >&2; exit 1
    fi
  fi
  local pg_port redis_port
  pg_port="$(free_port)"
  redis_port="$(free_port)"
  mkdir -p "$dir/pg" "$dir/redis"
  [ "$(id -u)" = 0 ] && chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown -R "${PG_OS_USER:-postgres}" "$dir/pg"
  as_pg "$PG_BIN/initdb" -D "$dir/pg/data" -U n8n --auth=trust -E UTF8 --no-instructions >"$dir/pg/initdb.log" 2>&1 \
    || { cat "$dir/pg/initdb.log" >&2; exit 1; }
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$dir/pg -c fsync=off -c max_connections=60" \
    start >/dev/null || { cat "$dir/pg/server.log" >&2; exit 1; }
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U n8n n8n
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --dir "$dir/redis"
  for _ in $(seq 1 50); do [ -s "$dir/redis/redis.pid" ] && break; sleep 0.1; done
  echo "QUEUE_PG_PORT=$pg_port QUEUE_PG_USER=n8n QUEUE_PG_DB=n8n QUEUE_REDIS_PORT=$redis_port"
}

stop() {
  if [ -s "$dir/redis/redis.pid" ]; then
    kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
    rm -f "$dir/redis/redis.pid"
  fi
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: queue-services.sh start|stop DIR" >&2; exit 2 ;;
esac

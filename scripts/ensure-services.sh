#!/usr/bin/env bash
# Starts local PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) when they are installed but down.
# On a machine without them it stops with what to install.
set -uo pipefail

missing=0
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "[services] starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || { echo "[services] PostgreSQL is not running on 127.0.0.1:5432. Install it (Debian: apt-get install postgresql) with trust auth for local connections." >&2; missing=1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "[services] starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  fi
  redis_up || { echo "[services] Redis (6.2 or later) is not running on 127.0.0.1:6379. Install it (Debian: apt-get install redis-server)." >&2; missing=1; }
fi
# Both are tried before giving up, so one missing service does not keep the other from starting.
[ "$missing" = 0 ] || exit 1
echo "[services] PostgreSQL and Redis are up"

#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on their local ports, starting the machine's own
# services when they are installed but stopped. With REDIS_URL / DATABASE_URL pointing
# elsewhere (or a Docker engine for the tests' testcontainers), nothing needs starting.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! answers 6379; then
  if command -v redis-server >/dev/null; then
    echo "starting redis-server on 127.0.0.1:6379"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  else
    echo "Redis is not running and redis-server is not installed (apt-get install -y redis-server)" >&2
    exit 1
  fi
fi

if ! answers 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  else
    echo "PostgreSQL is not running and not installed (apt-get install -y postgresql)" >&2
    exit 1
  fi
fi

for _ in $(seq 1 30); do
  if answers 6379 && answers 5432; then exit 0; fi
  sleep 1
done
echo "PostgreSQL or Redis did not come up on 127.0.0.1" >&2
exit 1

#!/usr/bin/env bash
# Makes this machine ready to run elasticache-local (and, with --test, its tests). Idempotent and
# quick when everything is already there; run automatically before `npm start` and `npm test`.
#   - Debian packages: redis-server, memcached (nodes of the process runtime); with --test also
#     awscli (the AWS CLI tests), python3-boto3 and python3-redis (boto3 tests and redis-py RedisCluster in the cluster-mode tests, run with /usr/bin/python3), docker.io
#     (the Docker runtime tests), haproxy (benchmarks), ansible (its community.aws ElastiCache
#     modules, driven by the tests), chromium (the dashboard, driven headless by playwright-core)
#     and postgresql (the store's tests on PostgreSQL: each test file starts a server of its own
#     with initdb/pg_ctl in a temporary directory, test/helpers/postgresql.ts; none is started here)
#   - npm packages: npm ci when node_modules was not installed from this very package-lock.json
#     (judged by the lockfile's hash, kept in node_modules/.ecl-lock-hash, not by file dates: a
#     node_modules copied into a fresh clone is kept when it matches)
#   - with --test: starts dockerd when it is installed but not running, builds the local images
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[[ "${1:-}" == "--test" ]] && want_tests=true

packages=(redis-server memcached)
$want_tests && packages+=(awscli python3-boto3 python3-redis docker.io haproxy redis-tools ansible chromium postgresql)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install the Debian packages: ${missing[*]}" >&2
  fi
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
# A node_modules installed before this check existed: trusted once if newer than the lockfile.
if [[ -f node_modules/.package-lock.json && ! -f node_modules/.ecl-lock-hash && node_modules/.package-lock.json -nt package-lock.json ]]; then
  echo "$lock_hash" > node_modules/.ecl-lock-hash
fi
if [[ ! -f node_modules/.package-lock.json || "$(cat node_modules/.ecl-lock-hash 2>/dev/null)" != "$lock_hash" ]]; then
  echo "setup: installing npm packages (the first time takes a few minutes: better-sqlite3 compiles)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.ecl-lock-hash
fi
# The Prisma clients (SQLite's and PostgreSQL's) are generated at install (postinstall); a clone
# that kept an older node_modules may lack the second one. After the install: tsx comes with it.
[[ -d src/generated/prisma && -d src/generated/prisma-postgresql ]] || npm run --silent prisma:generate

if $want_tests && command -v dockerd >/dev/null; then
  if ! docker info >/dev/null 2>&1; then
    echo "setup: starting dockerd"
    (dockerd >/tmp/elasticache-local-dockerd.log 2>&1 &)
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start, see /tmp/elasticache-local-dockerd.log" >&2; exit 1; }
  fi
  bash scripts/build-images.sh
fi

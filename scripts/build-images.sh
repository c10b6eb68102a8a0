#!/usr/bin/env bash
# Builds the local engine images from this host's binaries, for machines without an image registry
# (CI, air-gapped laptops). No Dockerfile, no base image: the binary, every library `ldd` lists, the
# dynamic loader, a minimal /etc, /tmp and /data are packed into a tarball and `docker import`ed.
#
#   bash scripts/build-images.sh            # build what is missing
#   bash scripts/build-images.sh --force    # rebuild both
#
# Images (the engine -> image table lives in src/runtime/images.ts, LOCAL_IMAGES):
#   elasticache-local/redis:7.0      redis-server (+ valkey-server symlink, + redis-cli if present)
#   elasticache-local/memcached:1.6  memcached
# Neither image has an ENTRYPOINT: the runtime passes the command ("redis-server", "valkey-server",
# "memcached") and its arguments, exactly as it does with the official images.
#
# Environment overrides: REDIS_SERVER, REDIS_CLI, MEMCACHED (binary paths), REDIS_IMAGE, MEMCACHED_IMAGE.
set -euo pipefail

FORCE=0
for arg in "$@"; do
  case "$arg" in
    -f|--force) FORCE=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "build-images.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

REDIS_IMAGE="${REDIS_IMAGE:-elasticache-local/redis:7.0}"
MEMCACHED_IMAGE="${MEMCACHED_IMAGE:-elasticache-local/memcached:1.6}"
REDIS_SERVER="${REDIS_SERVER:-$(command -v redis-server || true)}"
REDIS_CLI="${REDIS_CLI:-$(command -v redis-cli || true)}"
MEMCACHED="${MEMCACHED:-$(command -v memcached || true)}"

command -v docker >/dev/null || { echo "build-images.sh: the docker CLI is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build-images.sh: the Docker engine does not answer (docker info failed)" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ecl-images.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Copies a binary to /usr/local/bin/<name> inside the root, plus every shared library and the loader.
add_binary() { # root binary name
  local root="$1" bin="$2" name="$3" lib
  install -D -m 0755 "$(readlink -f "$bin")" "$root/usr/local/bin/$name"
  # "libx.so => /path (0x..)" and "/lib64/ld-linux-x86-64.so.2 (0x..)"; linux-vdso has no file.
  while read -r lib; do
    [ -n "$lib" ] || continue
    if [ ! -e "$root$lib" ]; then
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    fi
  done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

make_root() { # root
  local root="$1"
  mkdir -p "$root/etc" "$root/tmp" "$root/data" "$root/usr/local/bin" "$root/usr/bin" "$root/bin"
  chmod 1777 "$root/tmp" "$root/data"
  printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
}

import_root() { # root image cmd-json expose
  local root="$1" image="$2" cmd="$3" expose="$4"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'WORKDIR /data' \
    --change "EXPOSE $expose" \
    --change "CMD $cmd" \
    --change 'LABEL elasticache-local.image=true' \
    - "$image" >/dev/null
  echo "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.1f MB", $1 / 1e6 }'))"
}

build_redis() {
  [ -n "$REDIS_SERVER" ] || { echo "build-images.sh: redis-server not found (apt-get install -y redis-server)" >&2; exit 1; }
  local root="$WORK/redis"
  make_root "$root"
  add_binary "$root" "$REDIS_SERVER" redis-server
  # Redis picks its mode from argv[0] ("redis-check-rdb" ...); "valkey-server" runs the server.
  ln -s redis-server "$root/usr/local/bin/valkey-server"
  if [ -n "$REDIS_CLI" ]; then add_binary "$root" "$REDIS_CLI" redis-cli; fi
  import_root "$root" "$REDIS_IMAGE" '["redis-server", "--protected-mode", "no"]' 6379/tcp
}

build_memcached() {
  [ -n "$MEMCACHED" ] || { echo "build-images.sh: memcached not found (apt-get install -y memcached)" >&2; exit 1; }
  local root="$WORK/memcached"
  make_root "$root"
  add_binary "$root" "$MEMCACHED" memcached
  import_root "$root" "$MEMCACHED_IMAGE" '["memcached", "-u", "nobody"]' 11211/tcp
}

for pair in "redis:$REDIS_IMAGE" "memcached:$MEMCACHED_IMAGE"; do
  kind="${pair%%:*}" image="${pair#*:}"
  if [ "$FORCE" = 0 ] && image_exists "$image"; then
    echo "exists $image (use --force to rebuild)"
    continue
  fi
  "build_$kind"
done

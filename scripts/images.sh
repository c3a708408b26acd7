#!/usr/bin/env bash
# Builds the fleet's four images (api, worker, sandbox, migrate) from docker/Dockerfile with
# podman, or with docker when podman is missing. The Dockerfile is the one a Docker user
# builds; only its base (the NODE_IMAGE build argument) may come from here: when
# node:<major>-bookworm-slim cannot be pulled (no image registry reachable, as on the
# project's machines), the script makes an equivalent base locally with debootstrap and the
# Node release that npm ships as node-linux-<arch>, and builds on that.
#
#   bash scripts/images.sh               # or: npm run images
#   IMAGE_TAG=1.2.3 bash scripts/images.sh api worker
#
# Environment:
#   IMAGE_TAG       tag of the built images (default: local) -> tiktok-fleet/<target>:<tag>
#   NODE_IMAGE      base image to build on; skips the pull attempt and the local base
#   NODE_VERSION    the Node release of the local base (default below; same major as the
#                   Dockerfile's default NODE_IMAGE)
#   CONTAINER_ENGINE  podman or docker (default: podman if installed, else docker)
#
# The local base is made once per machine: an existing localhost/tiktok-fleet/node-base image
# of the same Node version is reused. Prints each step's time and each image's size.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION="${NODE_VERSION:-24.22.3}"
NODE_MAJOR="${NODE_VERSION%%.*}"
IMAGE_TAG="${IMAGE_TAG:-local}"
DEBIAN_SUITE=bookworm
# Bump when make_local_base changes, so machines that kept an older base make a new one.
BASE_REVISION=2
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(api worker sandbox migrate)

log() { printf '[images %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
now() { date +%s; }

engine="${CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker
  else
    echo "images.sh: neither podman nor a docker engine is available (apt-get install -y podman runc)" >&2
    exit 1
  fi
fi

# podman's default OCI runtime (crun) refuses cgroups in hybrid mode, which these machines
# have; runc works. The default ulimits ask for more than the machine allows.
engine_args=()
build_args=()
if [ "$engine" = podman ]; then
  [ -x /usr/sbin/runc ] && engine_args+=(--runtime /usr/sbin/runc)
  build_args+=(--ulimit nofile=20000:20000 --ulimit nproc=1024:1024)
  # BuildKit reads docker/Dockerfile.dockerignore by itself; podman is told.
  build_args+=(--ignorefile docker/Dockerfile.dockerignore)
fi
# Host networking for the build's package downloads (npm, Debian).
build_args+=(--network=host)
run_engine() { "$engine" "${engine_args[@]}" "$@"; }

case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64 | arm64) node_arch=arm64 ;;
  *) echo "images.sh: no local Node base for $(uname -m)" >&2; exit 1 ;;
esac

# Makes localhost/tiktok-fleet/node-base:<version>-bookworm: Debian bookworm (minbase), Node
# in /usr/local like the official image, npm, the `node` user (uid/gid 1000), and this
# machine's CA bundle (npm inside the build then trusts whatever TLS interception the
# machine's registry access goes through).
make_local_base() {
  local image="$1" rootfs tmp
  command -v debootstrap >/dev/null || {
    echo "images.sh: debootstrap is needed to make a base image (apt-get install -y debootstrap)" >&2
    exit 1
  }
  tmp="$(mktemp -d /tmp/tiktok-fleet-base.XXXXXX)"
  rootfs="$tmp/rootfs"
  trap 'rm -rf "$tmp"' RETURN
  log "debootstrap $DEBIAN_SUITE (minbase) from $DEBIAN_MIRROR"
  debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" \
    >"$tmp/debootstrap.log" 2>&1 || { tail -20 "$tmp/debootstrap.log" >&2; exit 1; }

  log "node $NODE_VERSION (npm package node-linux-$node_arch) and npm $(npm --version)"
  (cd "$tmp" && npm pack --silent "node-linux-$node_arch@$NODE_VERSION" >/dev/null)
  tar -xzf "$tmp"/node-linux-"$node_arch"-*.tgz -C "$tmp" package/bin/node
  install -m 0755 "$tmp/package/bin/node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$(npm root -g)/npm" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # Kept beside Debian's own bundle, which a later ca-certificates run would rewrite.
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/host-ca-bundle.crt"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  # Like Debian's own container images: apt keeps no downloaded packages or caches in a layer.
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*

  log "import $image"
  tar -C "$rootfs" -c . | run_engine import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca-bundle.crt' \
    --change 'CMD ["node"]' \
    - "$image" >/dev/null
}

started=$(now)
base="${NODE_IMAGE:-}"
if [ -z "$base" ]; then
  official="docker.io/library/node:${NODE_MAJOR}-bookworm-slim"
  local_base="localhost/tiktok-fleet/node-base:${NODE_VERSION}-${DEBIAN_SUITE}-${BASE_REVISION}"
  if run_engine image exists "$official" 2>/dev/null || run_engine pull -q "$official" >/dev/null 2>&1; then
    base="$official"
  elif run_engine image exists "$local_base" 2>/dev/null; then
    base="$local_base"
    log "reusing $local_base"
  else
    log "$official cannot be pulled: making $local_base"
    make_local_base "$local_base"
    base="$local_base"
  fi
fi
base_done=$(now)
log "base $base ready in $((base_done - started)) s"

for target in "${targets[@]}"; do
  t0=$(now)
  log "building tiktok-fleet/$target:$IMAGE_TAG"
  run_engine build "${build_args[@]}" \
    --build-arg "NODE_IMAGE=$base" \
    -f docker/Dockerfile --target "$target" -t "tiktok-fleet/$target:$IMAGE_TAG" . \
    >"/tmp/tiktok-fleet-image-$target.log" 2>&1 || {
    tail -40 "/tmp/tiktok-fleet-image-$target.log" >&2
    echo "images.sh: building $target failed (full log: /tmp/tiktok-fleet-image-$target.log)" >&2
    exit 1
  }
  log "built tiktok-fleet/$target:$IMAGE_TAG in $(($(now) - t0)) s"
done

log "all images in $(($(now) - started)) s (base $((base_done - started)) s)"
for target in "${targets[@]}"; do
  size=$(run_engine image inspect --format '{{.Size}}' "tiktok-fleet/$target:$IMAGE_TAG")
  printf '%-8s tiktok-fleet/%s:%s  %d MB\n' "$target" "$target" "$IMAGE_TAG" $((size / 1000000))
done

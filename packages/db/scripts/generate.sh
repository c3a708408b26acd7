#!/bin/sh
# Generates the Prisma client into packages/db/generated/prisma (gitignored). Run it before
# the type check and the tests; it is idempotent.
#
# Every Prisma CLI command first fetches a native schema-engine binary from a host these
# machines cannot reach. `generate` never runs that binary, so pointing
# PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the download. A real binary set by
# the caller is kept.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ] || [ ! -e "$PRISMA_SCHEMA_ENGINE_BINARY" ]; then
  PRISMA_SCHEMA_ENGINE_BINARY="$(pwd)/scripts/generate.sh"
  export PRISMA_SCHEMA_ENGINE_BINARY
fi
# Telemetry and update checks would reach for the network too.
export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
exec ./node_modules/.bin/prisma generate --config prisma.config.ts "$@"

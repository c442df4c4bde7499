#!/usr/bin/env bash
# The published packages, the way a user gets them (`npm run test:package`; CI runs it after the build):
#   1. makes sure the local cluster's parts are installed (PostgreSQL 15, FerretDB), through scripts/run.sh,
#   2. packs @mongo-master-slave/core and @mongo-master-slave/testkit with pnpm (their prepack builds them),
#   3. lints the tarballs with publint (strict) and @arethetypeswrong/cli, and the sources for import cycles (madge),
#   4. installs both tarballs into a fresh npm app in a temporary directory outside the workspace, with
#      effect@^3.22, mongodb@^7 and TypeScript from the registry, and checks the app holds one copy of effect,
#   5. type-checks scripts/package-check/program.ts there as ESM (nodenext), CommonJS (node16 and node10)
#      and for a bundler, then runs it as ESM and as CommonJS: a local cluster started by the testkit,
#      a write on the master, a read from a slave,
#   6. checks that installing the core tarball into an app on effect 4 fails with npm's peer-dependency error.
# Anything missing or wrong fails the run with a message saying what; nothing is skipped. The temporary
# directory (apps and tarballs) is removed at the end, also on failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '\n\033[1;36m[check-package]\033[0m %s\n' "$*" >&2; }
die() {
  printf '\n\033[1;31m[check-package] FAILED:\033[0m %s\n' "$*" >&2
  exit 1
}
# indents a command's output, so it reads as quoted
quote() { sed 's/^/    | /'; }

command -v node >/dev/null 2>&1 || die "Node.js is not installed: install Node.js 20.19 or newer."
command -v npm >/dev/null 2>&1 || die "npm is not installed: it comes with Node.js; install Node.js 20.19 or newer."

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
typescript_version=$(node -p 'require("./package.json").devDependencies.typescript')
pnpm=(npx -y "pnpm@$pnpm_version")

# the check always runs on a local cluster, whatever deployment the environment names
unset MSC_MASTER_URI MSC_SLAVE_URIS
# npm's defaults, whatever the user's npm configuration says: a peer conflict is an error, not a warning
export npm_config_legacy_peer_deps=false npm_config_force=false npm_config_audit=false npm_config_fund=false
export npm_config_update_notifier=false

work=$(mktemp -d "${TMPDIR:-/tmp}/msc-check-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
case $work in "$root"/*) die "the temporary directory $work is inside the workspace: set TMPDIR elsewhere" ;; esac

say "the local cluster's parts (bash scripts/run.sh cluster install)"
bash scripts/run.sh cluster install || die "the cluster's parts are missing and could not be installed (see above)"

say "packing the packages (pnpm pack: prepack builds ESM, CommonJS and declarations)"
mkdir "$work/tarballs"
for dir in master-slave testkit; do
  (cd "packages/$dir" && "${pnpm[@]}" pack --pack-destination "$work/tarballs") >"$work/pack-$dir.log" 2>&1 ||
    {
      quote <"$work/pack-$dir.log"
      die "pnpm pack failed in packages/$dir"
    }
done
tarball() {
  local found=("$work"/tarballs/mongo-master-slave-"$1"-*.tgz)
  [ ${#found[@]} -eq 1 ] && [ -f "${found[0]}" ] || die "expected one tarball of @mongo-master-slave/$1, found: ${found[*]}"
  printf '%s' "${found[0]}"
}
core=$(tarball core)
testkit=$(tarball testkit)
for tgz in "$core" "$testkit"; do
  contents=$(tar tzf "$tgz")
  printf '  %s: %s files, %s bytes\n' "$(basename "$tgz")" "$(grep -c . <<<"$contents")" "$(wc -c <"$tgz")"
  for file in package/package.json package/README.md package/LICENSE package/dist/esm/index.js \
    package/dist/esm/index.d.ts package/dist/cjs/index.js package/dist/cjs/index.d.ts package/dist/cjs/package.json; do
    grep -qx "$file" <<<"$contents" || die "$(basename "$tgz") lacks $file"
  done
done

say "publint (strict)"
for tgz in "$core" "$testkit"; do
  node_modules/.bin/publint run --strict "$tgz" || die "publint found problems in $(basename "$tgz")"
done

say "are the types wrong (@arethetypeswrong/cli), every public module included"
# the "./*" subpath is a pattern attw cannot enumerate: name every public module (not bin/cluster, which runs the CLI)
public_modules() {
  local file
  for file in "packages/$1/src"/*.ts; do
    file=$(basename "$file" .ts)
    [ "$file" = index ] || printf './%s\n' "$file"
  done
}
mapfile -t core_modules < <(public_modules master-slave)
mapfile -t testkit_modules < <(public_modules testkit)
node_modules/.bin/attw "$core" --include-entrypoints "${core_modules[@]}" ||
  die "attw found problems in $(basename "$core")"
node_modules/.bin/attw "$testkit" --include-entrypoints "${testkit_modules[@]}" ||
  die "attw found problems in $(basename "$testkit")"

say "import cycles (madge, runtime imports; see .madgerc)"
node_modules/.bin/madge --circular --extensions ts packages/master-slave/src packages/testkit/src ||
  die "madge found an import cycle"

say "a fresh app in $work/app: npm install the two tarballs, effect@^3.22, mongodb@^7, typescript@$typescript_version"
app="$work/app"
mkdir "$app"
printf '{ "name": "msc-package-check-app", "version": "0.0.0", "private": true }\n' >"$app/package.json"
(cd "$app" && npm install --no-audit --no-fund "$core" "$testkit" "effect@^3.22" "mongodb@^7" \
  "typescript@$typescript_version" "@types/node@^20.19") 2>&1 | quote || die "npm install failed in the app"

say "one copy of effect in the app (npm ls effect)"
(cd "$app" && npm ls effect) 2>&1 | quote || die "npm ls effect reports a problem in the app"
copies=$(cd "$app" && npm ls effect --all --parseable | sort -u)
[ "$(printf '%s\n' "$copies" | grep -c .)" -eq 1 ] || die "the app holds more than one copy of effect:
$copies"
effect_version=$(cd "$app" && node -p 'require("effect/package.json").version')
case $effect_version in 3.*) ;; *) die "the app's effect is $effect_version, not 3.x" ;; esac

say "the testkit's bin, from the tarball (msc-cluster install)"
[ -x "$app/node_modules/.bin/msc-cluster" ] || die "the testkit tarball installed no msc-cluster command"
(cd "$app" && node_modules/.bin/msc-cluster install) || die "msc-cluster install failed"

# one directory per module mode, each with the same program; the app's node_modules serve them all
mode() {
  local name=$1 type=$2 options=$3
  mkdir "$app/$name"
  cp scripts/package-check/program.ts "$app/$name/program.ts"
  printf '{ "type": "%s" }\n' "$type" >"$app/$name/package.json"
  cat >"$app/$name/tsconfig.json" <<EOF
{
  "include": ["program.ts"],
  "compilerOptions": {
    $options,
    "target": "ES2022",
    "lib": ["ES2022"],
    "types": ["node"],
    "strict": true,
    "skipLibCheck": false,
    "outDir": "out"
  }
}
EOF
}
mode esm module '"module": "NodeNext", "moduleResolution": "NodeNext"'
mode cjs commonjs '"module": "Node16", "moduleResolution": "Node16"'
mode node10 commonjs '"module": "CommonJS", "moduleResolution": "Node10", "esModuleInterop": true'
mode bundler module '"module": "ESNext", "moduleResolution": "Bundler", "noEmit": true'

say "type-checking the program in every module mode (skipLibCheck off: the packages' declarations are checked too)"
for name in esm cjs node10 bundler; do
  settings=$(grep -o '"module": "[^"]*", "moduleResolution": "[^"]*"' "$app/$name/tsconfig.json")
  (cd "$app" && node_modules/.bin/tsc -p "$name") 2>&1 | quote || die "the program does not type-check in the $name mode ($settings)"
  printf '  %-8s ok (%s)\n' "$name" "$settings"
done
grep -q 'require("@mongo-master-slave/core")' "$app/cjs/out/program.js" || die "the CommonJS program does not require() the core"
grep -q 'from "@mongo-master-slave/core"' "$app/esm/out/program.js" || die "the ESM program does not import the core"

for name in esm cjs; do
  say "running the program as ${name^^} (node $name/out/program.js): a local cluster from the testkit tarball"
  (cd "$app" && timeout --kill-after=30 600 node "$name/out/program.js") >"$work/$name.out" ||
    {
      quote <"$work/$name.out"
      die "the $name program failed (its messages are above)"
    }
  quote <"$work/$name.out"
  grep -q '^package-check: .*: wrote on the master, read from slave [0-9]' "$work/$name.out" ||
    die "the $name program did not report a read from a slave"
done

say "an app on effect 4 must refuse the core tarball (npm install <core> effect@4 mongodb@^7)"
mkdir "$work/app-effect4"
printf '{ "name": "msc-package-check-effect4", "version": "0.0.0", "private": true }\n' >"$work/app-effect4/package.json"
status=0
npm_output=$(cd "$work/app-effect4" && npm install --no-audit --no-fund "$core" "effect@4" "mongodb@^7" 2>&1) || status=$?
printf '%s\n' "$npm_output" | quote
[ "$status" -ne 0 ] || die "npm installed the core next to effect 4: the peer dependency on effect ^3 does not hold"
grep -q 'ERESOLVE' <<<"$npm_output" || die "npm failed, but not with its peer-dependency error (ERESOLVE)"
grep -q 'peer effect@"^3' <<<"$npm_output" || die "npm's error does not name the core's peer effect@^3"
[ ! -d "$work/app-effect4/node_modules/@mongo-master-slave" ] || die "npm left the core installed next to effect 4"

say "the published packages install, type-check and run as a user gets them"

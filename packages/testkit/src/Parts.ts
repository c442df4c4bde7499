/**
 * The parts a local cluster is built from — PostgreSQL 15 and FerretDB 1.24.2
 * — where they are found, and how they are installed when missing.
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * The PostgreSQL major version the local cluster runs.
 *
 * @since 0.1.0
 * @category constants
 */
export const postgresMajor = 15

/**
 * The FerretDB release that fronts each PostgreSQL node.
 *
 * @since 0.1.0
 * @category constants
 */
export const ferretdbVersion = "v1.24.2"

const ferretdbModule = "github.com/FerretDB/FerretDB"

/**
 * Where the local cluster's programs are.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parts {
  /** The directory holding `postgres`, `initdb` and `pg_basebackup`. */
  readonly postgresBin: string
  /** The `ferretdb` executable. */
  readonly ferretdb: string
}

/**
 * A part of the local cluster is missing and cannot be installed here. The
 * message says what to do.
 *
 * @since 0.1.0
 * @category errors
 */
export class PartsMissing extends Data.TaggedError("PartsMissing")<{
  readonly part: string
  readonly reason: string
  readonly remedy: string
}> {
  override get message(): string {
    return (
      `${this.part} is missing: ${this.reason}\n` +
      `  To fix it: ${this.remedy}\n` +
      "  Or point the tests, the demo and the benchmarks at a MongoDB deployment of your own with\n" +
      "  MSC_MASTER_URI=mongodb://primary:27017 MSC_SLAVE_URIS=mongodb://secondary1:27017,mongodb://secondary2:27017"
    )
  }
}

/**
 * The directory where built parts are kept across clones:
 * `$MSC_CACHE_DIR`, else `$XDG_CACHE_HOME/mongo-master-slave`, else
 * `~/.cache/mongo-master-slave`.
 *
 * @since 0.1.0
 * @category constants
 */
export const cacheDir = (): string =>
  process.env.MSC_CACHE_DIR ??
  Path.join(process.env.XDG_CACHE_HOME ?? Path.join(Os.homedir(), ".cache"), "mongo-master-slave")

const ferretdbPath = (): string => process.env.MSC_FERRETDB_BIN ?? Path.join(cacheDir(), "bin", "ferretdb")

const output = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  Effect.async<string, Error>((resume) => {
    execFile(
      command,
      [...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resume(
          error === null
            ? Effect.succeed(stdout)
            : Effect.fail(new Error(`${command} ${args.join(" ")}: ${stderr || error.message}`.trim()))
        )
    )
  })

const exists = (path: string): boolean => {
  try {
    Fs.accessSync(path, Fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

const postgresCandidates = (): Effect.Effect<ReadonlyArray<string>> =>
  Effect.gen(function* () {
    const fromEnv = process.env.MSC_POSTGRES_BIN
    const fromPgConfig = yield* output("pg_config", ["--bindir"]).pipe(
      Effect.map((dir) => [dir.trim()]),
      Effect.orElseSucceed(() => [])
    )
    return [...(fromEnv === undefined ? [] : [fromEnv]), `/usr/lib/postgresql/${postgresMajor}/bin`, ...fromPgConfig]
  })

const findPostgres: Effect.Effect<Option.Option<string>> = Effect.gen(function* () {
  for (const dir of yield* postgresCandidates()) {
    if (!exists(Path.join(dir, "postgres"))) continue
    const version = yield* output(Path.join(dir, "postgres"), ["--version"]).pipe(Effect.orElseSucceed(() => ""))
    if (new RegExp(`\\(PostgreSQL\\) ${postgresMajor}\\.`).test(version)) return Option.some(dir)
  }
  return Option.none()
})

const findFerretdb: Effect.Effect<Option.Option<string>> = Effect.gen(function* () {
  const path = ferretdbPath()
  if (!exists(path)) return Option.none()
  const version = yield* output(path, ["--version"]).pipe(Effect.orElseSucceed(() => ""))
  return version.includes(`version: ${ferretdbVersion}`) ? Option.some(path) : Option.none()
})

const postgresMissing = (reason: string) =>
  new PartsMissing({
    part: `PostgreSQL ${postgresMajor}`,
    reason,
    remedy: `install Debian's package as root: apt-get update && apt-get install -y postgresql-${postgresMajor} (or set MSC_POSTGRES_BIN to the bin directory of a PostgreSQL ${postgresMajor})`
  })

/**
 * Finds the parts without installing anything.
 *
 * @since 0.1.0
 * @category constructors
 */
export const locate: Effect.Effect<Parts, PartsMissing> = Effect.gen(function* () {
  const postgresBin = yield* findPostgres.pipe(
    Effect.flatten,
    Effect.mapError(() => postgresMissing(`no PostgreSQL ${postgresMajor} server binaries were found`))
  )
  const ferretdb = yield* findFerretdb.pipe(
    Effect.flatten,
    Effect.mapError(
      () =>
        new PartsMissing({
          part: `FerretDB ${ferretdbVersion}`,
          reason: `${ferretdbPath()} does not exist or is not ${ferretdbVersion}`,
          remedy: "run `npm test` or `pnpm cluster install`, which build it with Go (or set MSC_FERRETDB_BIN)"
        })
    )
  )
  return { postgresBin, ferretdb }
})

/**
 * A progress line for a person watching the installation.
 *
 * @since 0.1.0
 * @category models
 */
export type Progress = (line: string) => Effect.Effect<void>

const installPostgres = (progress: Progress) =>
  Effect.gen(function* () {
    const isRoot = process.getuid?.() === 0
    if (!isRoot) return yield* postgresMissing("it is not installed, and installing it needs root")
    const apt = yield* output("sh", ["-c", "command -v apt-get"]).pipe(Effect.option)
    if (Option.isNone(apt)) return yield* postgresMissing("it is not installed, and this machine has no apt-get")
    yield* progress(`installing PostgreSQL ${postgresMajor} from Debian's packages (apt-get)`)
    const env = { DEBIAN_FRONTEND: "noninteractive" }
    yield* output("apt-get", ["update"], env).pipe(
      Effect.mapError((e) => postgresMissing(`apt-get update failed: ${e.message}`))
    )
    yield* output("apt-get", ["install", "-y", "--no-install-recommends", `postgresql-${postgresMajor}`], env).pipe(
      Effect.mapError((e) => postgresMissing(`apt-get install failed: ${e.message}`))
    )
    return yield* findPostgres.pipe(
      Effect.flatten,
      Effect.mapError(() => postgresMissing("apt-get installed it but its binaries were not found"))
    )
  })

/**
 * How to get a Go recent enough to build FerretDB: Debian 12's `golang` is
 * Go 1.19 and bookworm-backports stops at `golang-1.23`, so the official
 * release it is.
 */
const goAdvice =
  "install Go 1.24 or newer from the official release (https://go.dev/dl: unpack go1.24.<n>.linux-amd64.tar.gz " +
  "or newer into /usr/local with `tar -C /usr/local -xzf`, and put /usr/local/go/bin on the PATH) — Debian 12's " +
  "`golang` package is Go 1.19 and bookworm-backports stops at golang-1.23 — then run this again; the Go module " +
  "proxy must be reachable. Or set MSC_FERRETDB_BIN to a FerretDB 1.24.2 binary"

const ferretdbMissing = (reason: string) =>
  new PartsMissing({ part: `FerretDB ${ferretdbVersion}`, reason, remedy: goAdvice })

// "go version go1.23.5 linux/amd64" -> [1, 23]
const goVersionOf = (output: string): readonly [number, number] | undefined => {
  const match = /go(\d+)\.(\d+)/.exec(output)
  return match === null ? undefined : [Number(match[1]), Number(match[2])]
}

/**
 * Builds FerretDB from its module source. `go install …@v1.24.2` alone gives a
 * binary that panics at start: the module archive lacks the generated
 * `build/version/version.txt`. So the source is copied out of the module
 * cache, that file is written (as FerretDB's own `bin/task gen-version` does)
 * and the command is built from there.
 */
const buildFerretdb = (progress: Progress) =>
  Effect.gen(function* () {
    const go = yield* output("go", ["version"]).pipe(
      Effect.mapError(() => ferretdbMissing("building it needs Go 1.24 or newer, and `go` is not on the PATH"))
    )
    const version = goVersionOf(go)
    // Go 1.21 and newer fetch the toolchain FerretDB's go.mod asks for by themselves (GOTOOLCHAIN=auto)
    if (version !== undefined && (version[0] < 1 || (version[0] === 1 && version[1] < 21))) {
      return yield* ferretdbMissing(`building it needs Go 1.24 or newer, and ${go.trim()} is too old`)
    }
    if (version !== undefined && version[0] === 1 && version[1] < 24) {
      yield* progress(
        `${go.trim()} is older than the Go 1.24 FerretDB needs: go will try to fetch that toolchain (GOTOOLCHAIN=auto)`
      )
    }
    yield* progress(`building FerretDB ${ferretdbVersion} with ${go.trim()} (takes a minute or two, once)`)
    const goEnv = { GOWORK: "off", GOFLAGS: "-buildvcs=false" }
    const download = yield* output(
      "go",
      ["mod", "download", "-json", `${ferretdbModule}@${ferretdbVersion}`],
      goEnv
    ).pipe(Effect.mapError((e) => ferretdbMissing(`go mod download failed: ${e.message}`)))
    const sourceDir = (JSON.parse(download) as { Dir: string }).Dir
    const target = ferretdbPath()
    Fs.mkdirSync(Path.dirname(target), { recursive: true })
    yield* Effect.acquireUseRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "msc-ferretdb-build-"))),
      (work) =>
        Effect.gen(function* () {
          const source = Path.join(work, "src")
          Fs.cpSync(sourceDir, source, { recursive: true })
          const versionDir = Path.join(source, "build", "version")
          Fs.chmodSync(versionDir, 0o755)
          Fs.writeFileSync(Path.join(versionDir, "version.txt"), `${ferretdbVersion}\n`)
          const partial = `${target}.partial-${process.pid}`
          const started = Date.now()
          const heartbeat = Effect.suspend(() =>
            progress(`  still building FerretDB (${Math.round((Date.now() - started) / 1000)} s)`)
          ).pipe(Effect.delay("20 seconds"), Effect.forever)
          yield* output(
            "sh",
            ["-c", 'cd "$1" && go build -trimpath -o "$2" ./cmd/ferretdb', "sh", source, partial],
            goEnv
          ).pipe(
            Effect.raceFirst(heartbeat),
            Effect.mapError((e) => ferretdbMissing(`go build failed: ${e.message}`))
          )
          Fs.renameSync(partial, target)
          yield* progress(`built FerretDB in ${Math.round((Date.now() - started) / 1000)} s: ${target}`)
        }),
      (work) => Effect.sync(() => Fs.rmSync(work, { recursive: true, force: true }))
    )
    return yield* findFerretdb.pipe(
      Effect.flatten,
      Effect.mapError(() => ferretdbMissing(`the build finished but ${target} does not report ${ferretdbVersion}`))
    )
  })

/**
 * The parts in one line, for a person: which PostgreSQL and FerretDB, where.
 *
 * @since 0.2.0
 * @category utils
 */
export const describe = (parts: Parts): string =>
  `cluster parts ready: PostgreSQL ${postgresMajor} (${parts.postgresBin}), FerretDB ${ferretdbVersion} (${parts.ferretdb})`

/**
 * Finds the parts, installing what is missing: PostgreSQL from Debian's
 * packages (as root), FerretDB built with Go into {@link cacheDir} so later
 * clones reuse it. Idempotent; says what it does through `progress`, and
 * that the parts are ready once it had to install or build one (see
 * {@link describe} to say it otherwise).
 *
 * @since 0.1.0
 * @category constructors
 */
export const ensure = (progress: Progress): Effect.Effect<Parts, PartsMissing> =>
  Effect.gen(function* () {
    // what had to be installed or built: only then is "ready" news
    let installed = false
    const postgresBin = yield* findPostgres.pipe(
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.tap(installPostgres(progress), () => (installed = true)),
          onSome: Effect.succeed
        })
      )
    )
    if (process.getuid?.() === 0) {
      yield* output("id", ["-u", "postgres"]).pipe(
        Effect.mapError(
          () =>
            new PartsMissing({
              part: "the postgres user",
              reason: "PostgreSQL refuses to run as root, and there is no postgres user to run it as",
              remedy: `create it (apt-get install postgresql-${postgresMajor} does), or run as a user other than root`
            })
        )
      )
    }
    const ferretdb = yield* findFerretdb.pipe(
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.tap(buildFerretdb(progress), () => (installed = true)),
          onSome: Effect.succeed
        })
      )
    )
    const parts = { postgresBin, ferretdb }
    if (installed) yield* progress(describe(parts))
    return parts
  })

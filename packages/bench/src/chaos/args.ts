/**
 * The command line of the chaos run.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"

/**
 * @since 0.2.0
 */
export const usage = `usage: npm run chaos -- [--duration S] [--seed N] [--slaves N] [--json FILE] [--no-final-phase]
       npm run chaos -- --quirks

  --duration S      seconds of workload under faults, final phase included (default 120; at least 20)
  --seed N          the seed of the fault schedule and the workload's choices (default: a random one, printed)
  --slaves N        slaves in the local cluster (default 3; at least 2)
  --json FILE       write the report, every fault and every check with examples, as JSON to FILE
  --no-final-phase  skip the last phase, where every slave is down
  --quirks          run only the check of the stand-in (FerretDB) with the raw driver, and print it
  --help            show this

Runs a local cluster (PostgreSQL 15 + FerretDB) with a fault proxy in front of every node, a mixed
workload through the library, and a seeded injector that stops, blackholes, slows and delays slaves and
blackholes or resets the master. Exits non-zero if any check fails, printing how to reproduce.`

/**
 * @since 0.2.0
 */
export interface Args {
  readonly durationSeconds: number
  /** `undefined`: draw one. */
  readonly seed: number | undefined
  readonly slaves: number
  readonly json: string | undefined
  readonly finalPhase: boolean
  readonly quirksOnly: boolean
  readonly help: boolean
}

/**
 * The command line was wrong.
 *
 * @since 0.2.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return `${this.reason}\n\n${usage}`
  }
}

const integer = (
  flag: string,
  text: string | undefined,
  min: number,
  max: number
): Either.Either<number, UsageError> => {
  if (text === undefined || !/^\d+$/.test(text)) {
    return Either.left(new UsageError({ reason: `${flag} needs a whole number` }))
  }
  const value = Number(text)
  return value < min || value > max
    ? Either.left(new UsageError({ reason: `${flag} must be between ${min} and ${max}, got ${value}` }))
    : Either.right(value)
}

/**
 * Parses the arguments after the script name (a literal `--` is skipped).
 *
 * @since 0.2.0
 */
export const parse = (argv: ReadonlyArray<string>): Either.Either<Args, UsageError> => {
  let durationSeconds = 120
  let seed: number | undefined
  let slaves = 3
  let json: string | undefined
  let finalPhase = true
  let quirksOnly = false
  let help = false
  const args = argv.filter((arg) => arg !== "--")
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const eq = arg.indexOf("=")
    const flag = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg
    const inline = arg.startsWith("--") && eq !== -1 ? arg.slice(eq + 1) : undefined
    const value = () => {
      const v = inline ?? args[++i]
      return v === undefined || v === "" || (inline === undefined && v.startsWith("--")) ? undefined : v
    }
    switch (flag) {
      case "--duration": {
        const parsed = integer(flag, value(), 20, 86_400)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        durationSeconds = parsed.right
        break
      }
      case "--seed": {
        const parsed = integer(flag, value(), 0, 2 ** 32 - 1)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        seed = parsed.right
        break
      }
      case "--slaves": {
        const parsed = integer(flag, value(), 2, 8)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        slaves = parsed.right
        break
      }
      case "--json": {
        const file = value()
        if (file === undefined) return Either.left(new UsageError({ reason: "--json needs a file name" }))
        json = file
        break
      }
      case "--no-final-phase":
        finalPhase = false
        break
      case "--quirks":
        quirksOnly = true
        break
      case "--help":
      case "-h":
        help = true
        break
      default:
        return Either.left(new UsageError({ reason: `unknown argument "${arg}"` }))
    }
  }
  return Either.right({ durationSeconds, seed, slaves, json, finalPhase, quirksOnly, help })
}

/**
 * The command that reproduces a run.
 *
 * @since 0.2.0
 */
export const reproduce = (args: Args, seed: number): string =>
  [
    "npm run chaos --",
    `--duration ${args.durationSeconds}`,
    `--seed ${seed}`,
    ...(args.slaves === 3 ? [] : [`--slaves ${args.slaves}`]),
    ...(args.finalPhase ? [] : ["--no-final-phase"])
  ].join(" ")

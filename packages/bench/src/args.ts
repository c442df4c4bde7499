/**
 * The command line of the benchmark, and the sizes of a quick and a full run.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { type CaseId, caseIds } from "./results.js"

/**
 * The command line was wrong; the message says how, followed by the usage.
 *
 * @since 0.1.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return `${this.reason}\n\n${usage}`
  }
}

/**
 * @since 0.1.0
 */
export const usage = `usage: npm run bench -- [--quick] [--json FILE] [--markdown FILE] [--only CASES]
       npm run bench -- --render FILE [--markdown FILE]

  --quick          a reduced run (fewer operations and rounds; a few minutes once the parts are installed)
  --json FILE      write every figure, the library/raw ratios and the target checks as JSON to FILE
  --markdown FILE  write the results as Markdown (the tables of BENCHMARKS.md, with the machine) to FILE
  --only CASES     run only these cases, comma-separated: ${caseIds.join(", ")}
  --render FILE    run nothing: print the tables of a JSON file written by --json (and write its Markdown)
  --help           show this

Runs against a local cluster (PostgreSQL 15 + FerretDB, 4 slaves) unless MSC_MASTER_URI and
MSC_SLAVE_URIS name a deployment of your own.`

/**
 * @since 0.1.0
 */
export interface Args {
  readonly quick: boolean
  readonly json: string | undefined
  readonly markdown: string | undefined
  readonly only: ReadonlyArray<CaseId>
  /** A JSON report to render instead of running. */
  readonly render: string | undefined
  readonly help: boolean
}

const isCaseId = (name: string): name is CaseId => (caseIds as ReadonlyArray<string>).includes(name)

/**
 * Parses the arguments after the script name. A literal `--` (which the run
 * script puts first, so Node keeps its hands off the rest) is skipped.
 *
 * @since 0.1.0
 */
export const parse = (argv: ReadonlyArray<string>): Either.Either<Args, UsageError> => {
  let quick = false
  let help = false
  let json: string | undefined
  let markdown: string | undefined
  let render: string | undefined
  let only: ReadonlyArray<CaseId> = caseIds
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
      case "--quick":
        quick = true
        break
      case "--help":
      case "-h":
        help = true
        break
      case "--json":
      case "--markdown":
      case "--render": {
        const file = value()
        if (file === undefined) return Either.left(new UsageError({ reason: `${flag} needs a file name` }))
        if (flag === "--json") json = file
        else if (flag === "--markdown") markdown = file
        else render = file
        break
      }
      case "--only": {
        const list = value()
        if (list === undefined) return Either.left(new UsageError({ reason: "--only needs a list of cases" }))
        const names = list.split(",").map((name) => name.trim())
        const unknown = names.find((name) => !isCaseId(name))
        if (unknown !== undefined) {
          return Either.left(
            new UsageError({ reason: `unknown case "${unknown}"; the cases are ${caseIds.join(", ")}` })
          )
        }
        only = caseIds.filter((id) => names.includes(id))
        break
      }
      default:
        return Either.left(new UsageError({ reason: `unknown argument "${arg}"` }))
    }
  }
  return Either.right({ quick, json, markdown, only, render, help })
}

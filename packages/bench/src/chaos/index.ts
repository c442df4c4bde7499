/**
 * The chaos run: `npm run chaos -- [--duration S] [--seed N] [--json FILE]`. A
 * mixed workload through the library on the local cluster while a seeded
 * injector breaks slaves and the master; at the end, the checks — writes
 * lost, reads failed while a slave was alive, read-your-writes, budgets,
 * defects, leaks — and a non-zero exit if any fails. See `args.ts`.
 *
 * @since 0.2.0
 */
import { randomInt } from "node:crypto"
import * as Fs from "node:fs"
import { Main } from "@mongo-master-slave/testkit"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { Progress } from "../cluster.js"
import { during } from "../errors.js"
import * as Args from "./args.js"
import * as Config from "./config.js"
import * as Defects from "./defects.js"
import * as Quirks from "./quirks.js"
import * as Report from "./report.js"
import * as Run from "./run.js"
import * as Topology from "./topology.js"
import * as Verdict from "./verdict.js"

/**
 * The run found violations; the report above says which.
 *
 * @since 0.2.0
 */
export class ChaosFailed extends Data.TaggedError("ChaosFailed")<{
  readonly seed: number
  readonly failing: ReadonlyArray<string>
  readonly reproduce: string
}> {
  override get message(): string {
    return `chaos run failed (seed ${this.seed}): ${this.failing.join(", ")}\nReproduce with: ${this.reproduce}`
  }
}

const progress: Progress = (line) => Effect.sync(() => process.stderr.write(`[chaos] ${line}\n`))

const quirksOnly = Effect.scoped(
  Effect.gen(function* () {
    const cluster = yield* Topology.startCluster(1, progress)
    const findings = yield* Quirks.verify(cluster.masterUri)
    yield* Effect.sync(() => {
      process.stdout.write(`${Quirks.describeFindings(findings).join("\n")}\n`)
      process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`)
    })
  })
)

/**
 * Runs the chaos run for the given command-line arguments.
 *
 * @since 0.2.0
 */
export const main = (argv: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const args = yield* Args.parse(argv)
    if (args.help) {
      yield* Effect.sync(() => process.stdout.write(`${Args.usage}\n`))
      return
    }
    if (args.quirksOnly) return yield* quirksOnly
    const seed = args.seed ?? randomInt(2 ** 32 - 1)
    const config = Config.make({
      slaves: args.slaves,
      finalPhase: args.finalPhase,
      durationSeconds: args.durationSeconds
    })
    const reproduce = Args.reproduce(args, seed)
    yield* progress(`seed ${seed} — reproduce with: ${reproduce}`)
    const defects = Defects.make()
    const startedAt = new Date()
    const started = performance.now()
    const finished = yield* Defects.watched(defects, Run.run(config, seed, progress)).pipe(
      Effect.tapError(() => progress(`the run could not finish (seed ${seed}; reproduce with: ${reproduce})`))
    )
    const report = Verdict.report({ args, seed, reproduce, config, finished, defects, startedAt, started })
    yield* Effect.sync(() => process.stdout.write(`\n${Report.renderTerminal(report)}`))
    if (args.json !== undefined) {
      const path = args.json
      yield* Effect.try({
        try: () => Fs.writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`),
        catch: during(`write the JSON report to ${path}`)
      })
      yield* progress(`wrote the JSON report to ${path}`)
    }
    if (!report.passed) {
      return yield* new ChaosFailed({
        seed,
        failing: report.checks.filter((c) => c.fails).map((c) => c.id),
        reproduce
      })
    }
  })

Main.runMain(main(process.argv.slice(2)))

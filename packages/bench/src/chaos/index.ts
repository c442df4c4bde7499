/**
 * The chaos run: `pnpm chaos [--duration S] [--seed N] [--json FILE]`. A
 * mixed workload through the library on the local cluster while a seeded
 * injector breaks slaves and the master; at the end, the checks — writes
 * lost, reads failed while a slave was alive, read-your-writes, budgets,
 * defects, leaks — and a non-zero exit if any fails. See `args.ts`.
 *
 * @since 0.2.0
 */
import { randomInt } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import { Main } from "@mongo-master-slave/testkit"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { Progress } from "../cluster.js"
import { during } from "../errors.js"
import * as Args from "./args.js"
import * as Checks from "./checks.js"
import * as Config from "./config.js"
import * as Defects from "./defects.js"
import * as Quirks from "./quirks.js"
import * as Report from "./report.js"
import * as Run from "./run.js"
import * as Topology from "./topology.js"

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
    const report = makeReport({ args, seed, reproduce, config, finished, defects, startedAt, started })
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

/**
 * Every check of a finished run.
 *
 * @since 0.2.0
 */
export const checksOf = (
  finished: Run.Finished,
  config: Config.ChaosConfig,
  defects: Pick<Defects.ProcessDefects, "unhandledRejections" | "uncaughtExceptions" | "loggedErrors">
): ReadonlyArray<Checks.Check> => {
  const { recorded, quirks, left } = finished
  const { origin, ops, probes, faults, phases } = recorded
  const end = phases.workloadEnd
  const available = Checks.availability(probes, faults, config.oracle, config.slaves, end)
  const masterData = "unreadable" in recorded.master ? undefined : Checks.compareData(recorded.ledger, recorded.master)
  const slaveData = recorded.slaves.map((data) =>
    "unreadable" in data ? data : Checks.compareData(recorded.ledger, data)
  )
  const unreadableMaster = "unreadable" in recorded.master ? recorded.master.unreadable : undefined
  const data =
    masterData === undefined
      ? [
          Checks.check({
            id: "writes-lost-master",
            title: "acknowledged writes lost on the master",
            violations: [`the master could not be read: ${unreadableMaster}`]
          })
        ]
      : Checks.dataChecks(masterData, slaveData, quirks.incLosesUpdates)
  const allDown = Checks.allDownCheck(ops, phases, origin)
  return [
    ...data,
    ...Checks.availabilityChecks(ops, available, config, origin),
    ...Checks.consistencyChecks(ops, config, origin),
    ...(allDown === undefined ? [] : [allDown]),
    Checks.budgetCheck(ops, config.budgets, origin, recorded.stalls),
    Checks.stuckCheck(
      recorded.samples.filter((s) => s.at <= phases.mainEnd),
      available,
      config.oracle,
      origin
    ),
    Checks.defectCheck(ops, defects, origin),
    ...Checks.leakChecks(left),
    Checks.oracleCheck(probes, faults, config.oracle, 5_000, end, origin),
    Checks.injectorCheck(faults, origin),
    Checks.check({
      id: "restore",
      title: "slaves not back in step at the end (harness)",
      subject: "harness",
      violations: recorded.restoreError === undefined ? [] : [recorded.restoreError]
    })
  ]
}

const makeReport = (input: {
  readonly args: Args.Args
  readonly seed: number
  readonly reproduce: string
  readonly config: Config.ChaosConfig
  readonly finished: Run.Finished
  readonly defects: Defects.ProcessDefects
  readonly startedAt: Date
  readonly started: number
}): Report.ChaosReport => {
  const { finished, config, defects } = input
  const { recorded, quirks } = finished
  const checks = checksOf(finished, config, defects)
  const seconds = (t: number) => Math.round(t - recorded.origin) / 1000
  const final = recorded.phases.final
  const cpus = Os.cpus()
  return {
    format: "mongo-master-slave-chaos/1",
    seed: input.seed,
    durationSeconds: input.args.durationSeconds,
    command: input.reproduce,
    reproduce: input.reproduce,
    startedAt: input.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: (performance.now() - input.started) / 1000,
    machine: {
      cpus: cpus.length,
      model: cpus[0]?.model.trim() ?? "unknown",
      node: process.version,
      loadAverage: Os.loadavg()
    },
    config,
    phases: {
      mainEnd: seconds(recorded.phases.mainEnd),
      ...(final === undefined
        ? {}
        : {
            final: {
              start: seconds(final.start),
              allDown: seconds(final.allDown),
              stopped: seconds(final.stopped),
              liftAt: seconds(final.liftAt),
              end: seconds(final.end)
            }
          }),
      workloadEnd: seconds(recorded.phases.workloadEnd)
    },
    quirks: { ...quirks, lines: Quirks.describeFindings(quirks) },
    faults: recorded.faults.map((f) => Report.relativeFault(f, recorded.origin)),
    faultCounts: Report.faultCounts(recorded.faults.filter((f) => f.phase === "main")),
    operations: {
      main: Report.operationStats(
        recorded.ops.filter((op) => op.start < recorded.phases.mainEnd),
        (recorded.phases.mainEnd - recorded.origin) / 1000
      ),
      final: Report.operationStats(
        recorded.ops.filter((op) => op.start >= recorded.phases.mainEnd),
        (recorded.phases.workloadEnd - recorded.phases.mainEnd) / 1000
      )
    },
    checks,
    oracle: {
      probes: recorded.probes.length,
      failedProbes: recorded.probes.filter((p) => !p.ok).length,
      markers: recorded.markers
    },
    eventLoopDelay: Report.loopDelay(recorded.stalls, recorded.origin),
    logs: { warnings: defects.warningCount, examples: defects.warnings, fiberFailures: defects.fiberFailures },
    acknowledgedInserts: recorded.acknowledgedInserts,
    passed: checks.every((c) => !c.fails)
  }
}

Main.runMain(main(process.argv.slice(2)))

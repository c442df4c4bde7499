/**
 * The verdict of a finished run: every check, and the report around them.
 *
 * @since 0.2.0
 */
import * as Os from "node:os"
import type * as Args from "./args.js"
import * as Checks from "./checks.js"
import type * as Config from "./config.js"
import * as DataChecks from "./dataChecks.js"
import type * as Defects from "./defects.js"
import * as Leaks from "./leaks.js"
import * as Quirks from "./quirks.js"
import * as Report from "./report.js"
import type * as Run from "./run.js"

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
  const masterData =
    "unreadable" in recorded.master ? undefined : DataChecks.compareData(recorded.ledger, recorded.master)
  const slaveData = recorded.slaves.map((data) =>
    "unreadable" in data ? data : DataChecks.compareData(recorded.ledger, data)
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
      : DataChecks.dataChecks(masterData, slaveData, quirks.incLosesUpdates)
  const allDown = Checks.allDownCheck(ops, phases, origin)
  return [
    ...data,
    ...Checks.availabilityChecks(ops, available, config, origin, recorded.samples),
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
    ...Leaks.leakChecks(left),
    Checks.oracleCheck(
      probes.filter((p) => p.via === undefined),
      faults,
      config.oracle,
      5_000,
      end,
      origin
    ),
    Checks.pathCheck(available, config.oracle.pathWindowMillis, origin),
    Checks.injectorCheck(faults, origin),
    Checks.check({
      id: "restore",
      title: "slaves not back in step at the end (harness)",
      subject: "harness",
      violations: recorded.restoreError === undefined ? [] : [recorded.restoreError]
    })
  ]
}

/**
 * The report of a finished run, its checks made.
 *
 * @since 0.2.0
 */
export const report = (input: {
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
      probes: recorded.probes.filter((p) => p.via === undefined).length,
      failedProbes: recorded.probes.filter((p) => p.via === undefined && !p.ok).length,
      proxyProbes: recorded.probes.filter((p) => p.via === "proxy").length,
      failedProxyProbes: recorded.probes.filter((p) => p.via === "proxy" && !p.ok).length,
      markers: recorded.markers
    },
    eventLoopDelay: Report.loopDelay(recorded.stalls, recorded.origin),
    logs: { warnings: defects.warningCount, examples: defects.warnings, fiberFailures: defects.fiberFailures },
    acknowledgedInserts: recorded.acknowledgedInserts,
    passed: checks.every((c) => !c.fails)
  }
}

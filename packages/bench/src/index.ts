/**
 * The benchmark harness: the library against the raw driver, side by side,
 * on one cluster, in one run. `npm run bench -- [--quick] [--json FILE]
 * [--markdown FILE] [--only CASES]`; see `args.ts`.
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import { Main, Parts } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import * as Args from "./args.js"
import * as AllSlavesDown from "./cases/allSlavesDown.js"
import * as Consistency from "./cases/consistency.js"
import type { Bench } from "./cases/context.js"
import * as FailingSlave from "./cases/failingSlave.js"
import * as MasterBlackholed from "./cases/masterBlackholed.js"
import * as Overhead from "./cases/overhead.js"
import * as Reads from "./cases/reads.js"
import * as Routing from "./cases/routing.js"
import * as Scaling from "./cases/scaling.js"
import * as Writes from "./cases/writes.js"
import * as Cluster from "./cluster.js"
import type { CpuPerOp } from "./cpu.js"
import { type BenchError, during } from "./errors.js"
import * as Report from "./report.js"
import {
  type BenchReport,
  type CaseId,
  type CaseResult,
  checkTargets,
  compare,
  type Figure,
  fromSaved,
  type HeartbeatLoad,
  inMemoryCases,
  type Skipped
} from "./results.js"
import * as Settings from "./settings.js"
import { canCollectGarbage } from "./workload.js"

const progress: Cluster.Progress = (line) => Effect.sync(() => process.stderr.write(`[bench] ${line}\n`))

type InMemoryCase = "routing" | "overhead"

const inMemory: Record<
  InMemoryCase,
  (bench: Pick<Bench, "settings" | "progress">) => Effect.Effect<CaseResult, BenchError>
> = {
  routing: Routing.run,
  overhead: Overhead.run
}

const cases: Record<Exclude<CaseId, InMemoryCase>, (bench: Bench) => Effect.Effect<CaseResult, BenchError>> = {
  reads: Reads.run,
  writes: Writes.run,
  scaling: Scaling.run,
  "failing-slave": FailingSlave.run,
  "all-slaves-down": AllSlavesDown.run,
  "master-blackholed": MasterBlackholed.run,
  consistency: Consistency.run
}

const isInMemory = (id: CaseId): id is InMemoryCase => inMemoryCases.includes(id)

const writeFile = (path: string, text: string, what: string) =>
  Effect.try({ try: () => Fs.writeFileSync(path, text), catch: during(`write the ${what} to ${path}`) }).pipe(
    Effect.zipRight(progress(`wrote the ${what} to ${path}`))
  )

/**
 * Runs the benchmark for the given command-line arguments.
 *
 * @since 0.1.0
 */
export const main = (argv: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const args = yield* Args.parse(argv)
    if (args.help) {
      yield* Effect.sync(() => process.stdout.write(`${Args.usage}\n`))
      return
    }
    if (args.render !== undefined) {
      const path = args.render
      const saved = yield* Effect.try({
        try: () => JSON.parse(Fs.readFileSync(path, "utf8")) as BenchReport,
        catch: during(`read the JSON results in ${path}`)
      })
      if (saved.format !== "mongo-master-slave-bench/1") {
        return yield* during(`read the JSON results in ${path}`)("it is not a file written by npm run bench -- --json")
      }
      // the comparisons and target checks are made again, by this version's rules
      const report = fromSaved(saved)
      yield* Effect.sync(() => process.stdout.write(Report.renderTerminal(report)))
      if (args.markdown !== undefined) yield* writeFile(args.markdown, Report.renderMarkdown(report), "Markdown report")
      return
    }
    const settings = args.quick ? Settings.quick : Settings.full
    const startedAt = new Date()
    const started = performance.now()
    const figures: Array<Figure> = []
    const notes: Array<{ case: CaseId | "run"; note: string }> = []
    const skipped: Array<Skipped> = []
    const heartbeats: Array<HeartbeatLoad> = []
    const cpuPerOp: Array<CpuPerOp> = []
    const collect = (id: CaseId, result: CaseResult) => {
      figures.push(...result.figures)
      heartbeats.push(...(result.heartbeats ?? []))
      cpuPerOp.push(...(result.cpuPerOp ?? []))
      notes.push(...result.notes.map((note) => ({ case: id, note })))
      skipped.push(...result.skipped)
    }
    notes.push({
      case: "run",
      note:
        `${settings.rounds} measured rounds per side after a warm-up run of each, the side going first rotating ` +
        `from round to round${canCollectGarbage ? ", a full GC before every run" : ""}; medians reported (max: the worst of all ` +
        "rounds; errors: the sum); latency per operation with performance.now()"
    })

    // no I/O: measured first, before the cluster adds noise
    for (const id of args.only.filter(isInMemory)) {
      const caseStarted = performance.now()
      yield* progress(`── ${id}`)
      collect(id, yield* inMemory[id]({ settings, progress }))
      yield* progress(`── ${id} done in ${((performance.now() - caseStarted) / 1000).toFixed(1)} s`)
    }

    const clusterCases = args.only.filter((id): id is Exclude<CaseId, InMemoryCase> => !isInMemory(id))
    let clusterInfo: BenchReport["cluster"] = {
      kind: "local",
      slaves: 0,
      description: `no cluster (${args.only.join(", ")} only)`
    }
    if (clusterCases.length > 0) {
      yield* Effect.scoped(
        Effect.gen(function* () {
          const clusterStarted = performance.now()
          const cluster = yield* Cluster.acquire(settings.clusterSlaves, progress)
          const dataset = yield* Cluster.seed(cluster, settings.documents, progress)
          clusterInfo = {
            kind: cluster.kind,
            slaves: cluster.slaveUris.length,
            description:
              cluster.kind === "local"
                ? `local cluster on this machine: 1 master + ${cluster.slaveUris.length} slaves, each PostgreSQL 15 ` +
                  `(streaming replication) behind FerretDB ${Parts.ferretdbVersion}`
                : `deployment of your own (MSC_MASTER_URI/MSC_SLAVE_URIS): 1 master + ${cluster.slaveUris.length} slaves`
          }
          yield* progress(`cluster and data ready in ${((performance.now() - clusterStarted) / 1000).toFixed(1)} s`)
          const bench = { cluster, dataset, settings, progress }
          for (const id of clusterCases) {
            const caseStarted = performance.now()
            yield* progress(`── ${id}`)
            collect(id, yield* cases[id](bench))
            yield* progress(`── ${id} done in ${((performance.now() - caseStarted) / 1000).toFixed(1)} s`)
          }
          yield* progress("stopping the cluster")
        })
      )
    }

    const report: BenchReport = {
      format: "mongo-master-slave-bench/1",
      mode: settings.mode,
      command: ["npm run bench --", ...argv.filter((arg) => arg !== "--")].join(" "),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationSeconds: (performance.now() - started) / 1000,
      machine: Report.machine(),
      cluster: clusterInfo,
      settings: {
        rounds: settings.rounds,
        documents: settings.documents,
        reads: settings.reads.concurrencies.map((c) => ({
          concurrency: c,
          ops: settings.reads.ops(c),
          warmupOps: settings.reads.warmupOps(c)
        })),
        writes: settings.writes.concurrencies.map((c) => ({
          concurrency: c,
          ops: settings.writes.ops(c),
          warmupOps: settings.writes.warmupOps(c)
        })),
        failing: settings.failing,
        scaling: settings.scaling.concurrencies.map((c) => ({
          slaveCounts: settings.scaling.slaveCounts,
          concurrency: c,
          ops: settings.scaling.ops(c),
          warmupOps: settings.scaling.warmupOps(c)
        })),
        routing: settings.routing,
        overhead: settings.overhead,
        allSlavesDown: settings.allSlavesDown,
        masterBlackholed: settings.masterBlackholed,
        consistency: {
          runs: settings.consistency.concurrencies.map((c) => ({
            concurrency: c,
            ops: settings.consistency.ops(c),
            warmupOps: settings.consistency.warmupOps(c)
          })),
          idleSeconds: settings.consistency.idleSeconds
        },
        library: { attemptTimeoutMs: 2_000, healthCheckIntervalMs: 1_000, readStrategy: "random" },
        garbageCollectionBetweenRuns: canCollectGarbage
      },
      figures,
      heartbeats,
      cpuPerOp,
      comparisons: compare(figures),
      targets: checkTargets(figures, cpuPerOp),
      notes,
      skipped
    }
    yield* Effect.sync(() => process.stdout.write(`\n${Report.renderTerminal(report)}`))
    if (args.json !== undefined) yield* writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`, "JSON results")
    if (args.markdown !== undefined) yield* writeFile(args.markdown, Report.renderMarkdown(report), "Markdown report")
  })

Main.runMain(main(process.argv.slice(2)))

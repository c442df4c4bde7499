/**
 * The injector: runs a fault schedule on the cluster and the proxies,
 * recording when each fault was really injected and lifted, and prints each
 * as it happens.
 *
 * @since 0.2.0
 */
import { FaultProxy, type LocalCluster } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import type { Progress } from "../cluster.js"
import type { FaultKind } from "./config.js"
import type { FaultRecord } from "./records.js"
import { describe, type PlannedFault } from "./schedule.js"
import type { Proxies } from "./topology.js"

/**
 * What the injector works on.
 *
 * @since 0.2.0
 */
export interface Targets {
  readonly cluster: LocalCluster.LocalCluster
  readonly proxies: Proxies
  readonly progress: Progress
  /** The run's time zero (`performance.now()`): planned times count from it. */
  readonly origin: number
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

const actions = (
  targets: Targets,
  fault: Pick<PlannedFault, "kind" | "target" | "amount">
): { readonly inject: Effect.Effect<void, unknown>; readonly lift: Effect.Effect<void, unknown> } => {
  const { cluster, proxies } = targets
  const i = fault.target
  const proxy = i === -1 ? proxies.master : proxies.slaves[i]!
  const pass = proxy.setMode(FaultProxy.Mode.Pass())
  const kind: FaultKind = fault.kind
  switch (kind) {
    case "slave-stop":
      return { inject: cluster.stopSlave(i), lift: cluster.startSlave(i) }
    case "slave-blackhole":
    case "master-blackhole":
      return { inject: proxy.setMode(FaultProxy.Mode.Blackhole()), lift: pass }
    case "slave-slow":
      return { inject: proxy.setMode(FaultProxy.Mode.Latency({ millis: fault.amount })), lift: pass }
    case "slave-delay":
      return { inject: cluster.setReplicationDelay(i, fault.amount), lift: cluster.setReplicationDelay(i, 0) }
    case "slave-pause":
      return { inject: cluster.pauseReplication(i), lift: cluster.resumeReplication(i) }
    case "master-reset":
      return { inject: proxy.setMode(FaultProxy.Mode.Reset()), lift: pass }
  }
}

const stamp = (targets: Targets) => `+${((performance.now() - targets.origin) / 1000).toFixed(3)} s`

/**
 * A fault being run: its record, filled in as it goes.
 *
 * @since 0.2.0
 */
export class Running {
  injectedAt = 0
  injectedDone = 0
  liftedAt: number | undefined = undefined
  liftedDone: number | undefined = undefined
  error: string | undefined = undefined
  constructor(
    readonly fault: PlannedFault,
    readonly phase: "main" | "final"
  ) {}
  record(): FaultRecord {
    return {
      ...this.fault,
      phase: this.phase,
      injectedAt: this.injectedAt,
      injectedDone: this.injectedDone,
      liftedAt: this.liftedAt,
      liftedDone: this.liftedDone,
      ...(this.error === undefined ? {} : { error: this.error })
    }
  }
}

/**
 * Injects a fault now.
 *
 * @since 0.2.0
 */
export const inject = (targets: Targets, running: Running): Effect.Effect<void> =>
  Effect.suspend(() => {
    const { fault } = running
    running.injectedAt = performance.now()
    return actions(targets, fault).inject.pipe(
      Effect.catchAll((error) => Effect.sync(() => (running.error = `inject: ${messageOf(error)}`))),
      Effect.zipRight(
        Effect.suspend(() => {
          running.injectedDone = performance.now()
          const took = Math.round(running.injectedDone - running.injectedAt)
          return targets.progress(
            `${stamp(targets)} fault #${fault.id}: ${describe(fault)} for ${fault.duration} ms` +
              ` (${running.phase} phase; took ${took} ms)${running.error === undefined ? "" : ` — FAILED: ${running.error}`}`
          )
        })
      )
    )
  })

/**
 * Lifts a fault now.
 *
 * @since 0.2.0
 */
export const lift = (targets: Targets, running: Running): Effect.Effect<void> =>
  Effect.suspend(() => {
    const { fault } = running
    running.liftedAt = performance.now()
    return actions(targets, fault).lift.pipe(
      Effect.matchEffect({
        onFailure: (error) =>
          Effect.sync(() => {
            running.error = `${running.error === undefined ? "" : `${running.error}; `}lift: ${messageOf(error)}`
          }),
        onSuccess: () => Effect.sync(() => (running.liftedDone = performance.now()))
      }),
      Effect.zipRight(
        Effect.suspend(() =>
          targets.progress(
            `${stamp(targets)} fault #${fault.id} lifted: ${describe(fault)}` +
              (running.liftedDone === undefined
                ? ` — FAILED: ${running.error}`
                : ` (took ${Math.round(running.liftedDone - running.liftedAt!)} ms)`)
          )
        )
      )
    )
  })

const sleepUntil = (at: number) => Effect.suspend(() => Effect.sleep(Math.max(0, at - performance.now())))

/**
 * Runs a schedule: each fault injected at its time and lifted after its
 * duration (times from `origin`), one step at a time. Every record, also of
 * faults not yet lifted when interrupted.
 *
 * @since 0.2.0
 */
export const run = (
  targets: Targets,
  schedule: ReadonlyArray<PlannedFault>,
  records: Array<Running>
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const steps = schedule
      .flatMap((fault) => [
        { at: fault.at, fault, lift: false },
        { at: fault.at + fault.duration, fault, lift: true }
      ])
      // at the same moment, lifts first: a node is freed before it is hit again
      .sort((a, b) => a.at - b.at || Number(b.lift) - Number(a.lift))
    const running = new Map<number, Running>()
    for (const step of steps) {
      yield* sleepUntil(targets.origin + step.at)
      if (step.lift) {
        const current = running.get(step.fault.id)
        if (current !== undefined) yield* lift(targets, current)
      } else {
        const current = new Running(step.fault, "main")
        running.set(step.fault.id, current)
        records.push(current)
        yield* inject(targets, current)
      }
    }
  })

/**
 * Lifts every fault still on (after an interruption, or before the final
 * checks): the proxies to `Pass`, every slave running, replication resumed
 * and undelayed.
 *
 * @since 0.2.0
 */
export const liftAll = (targets: Targets, records: ReadonlyArray<Running>): Effect.Effect<void> =>
  Effect.forEach(
    records.filter((r) => r.liftedDone === undefined),
    (r) => lift(targets, r),
    { discard: true }
  )

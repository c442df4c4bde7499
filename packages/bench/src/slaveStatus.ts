/**
 * Waiting for what a library connection knows of its slaves
 * (`connection.slaveStatus`): every slave known down before a case measures
 * reads that must skip them all, none in trouble before it measures a fault
 * from scratch.
 *
 * @since 0.2.0
 */
import type { MasterSlaveConnection, ReadStrategy } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import { BenchError } from "./errors.js"

/**
 * What a connection knows of its slaves.
 *
 * @since 0.2.0
 */
export type Statuses = ReadonlyArray<ReadStrategy.SlaveStatus>

/**
 * Every slave known to be down (reads skip them all).
 *
 * @since 0.2.0
 */
export const everyDown = (statuses: Statuses): boolean => statuses.length > 0 && statuses.every((status) => status.down)

/**
 * No slave down or slow: every one is up as far as the connection knows.
 *
 * @since 0.2.0
 */
export const everyUp = (statuses: Statuses): boolean => statuses.every((status) => !status.down && !status.slow)

/**
 * The given slaves up (not down, not slow), whatever the others are.
 *
 * @since 0.2.0
 */
export const up =
  (...connectionIds: ReadonlyArray<number>) =>
  (statuses: Statuses): boolean =>
    connectionIds.every((id) => {
      const status = statuses.find((s) => s.connectionId === id)
      return status !== undefined && !status.down && !status.slow
    })

/**
 * One line for a log or an error: `slave 0 down, slave 1 slow, slave 2 up`.
 *
 * @since 0.2.0
 */
export const describe = (statuses: Statuses): string =>
  statuses.map((s) => `slave ${s.connectionId} ${s.down ? "down" : s.slow ? "slow" : "up"}`).join(", ")

/**
 * Polls the connection's slave status every 20 ms until `holds` does; the
 * milliseconds it took. Fails, saying what the slaves looked like, after
 * `timeoutMillis`.
 *
 * @since 0.2.0
 */
export const awaitSlaves = (
  connection: MasterSlaveConnection.MasterSlaveConnection,
  what: string,
  holds: (statuses: Statuses) => boolean,
  timeoutMillis: number
): Effect.Effect<number, BenchError> =>
  Effect.gen(function* () {
    const started = performance.now()
    while (true) {
      const statuses = yield* connection.slaveStatus
      if (holds(statuses)) return performance.now() - started
      if (performance.now() - started > timeoutMillis) {
        return yield* new BenchError({
          step: `wait for ${what}`,
          reason: `not so after ${timeoutMillis} ms: ${describe(statuses)}`
        })
      }
      yield* Effect.sleep("20 millis")
    }
  })

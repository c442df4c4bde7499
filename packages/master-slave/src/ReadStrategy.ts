/**
 * Read strategies: in which order a read tries the slaves. A strategy is pure:
 * it orders the slaves from what is known of them, and draws any randomness
 * from Effect's `Random` service, so a test can seed it. Whatever order it
 * gives, slaves known to be down are left out (skipped until the prober sees
 * them answer) and slow ones go last.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"

/**
 * What a strategy knows of one slave.
 *
 * @since 0.1.0
 * @category models
 */
export interface SlaveStatus {
  /** The slave's connection id, `0..n-1`. */
  readonly connectionId: number
  readonly address: string
  /**
   * It refused, or the prober could not reach it, and it has not answered
   * since: reads skip it until it does.
   */
  readonly down: boolean
  /**
   * An attempt on it ran out of time (or its connection broke), or a call
   * has waited on it much longer than it usually takes (one and a half
   * times its 95th-percentile latency), and it has not answered since:
   * reads try it after the others.
   *
   * @since 0.2.0
   */
  readonly slow: boolean
  /** Its recent read latency (exponentially weighted), once it has answered. */
  readonly latencyMillis: Option.Option<number>
  /**
   * How far behind the master it can be, in milliseconds (its staleness
   * bound, from the newest heartbeat of this connection seen on it); `None`
   * while unknown.
   *
   * @since 0.2.0
   */
  readonly stalenessMillis: Option.Option<number>
}

/**
 * A read strategy: the order in which a read tries the slaves, as connection
 * ids. Ids it leaves out are not tried; an empty order, or ids that name no
 * slave, fall back to every slave in turn.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadStrategy {
  readonly name: string
  readonly order: (slaves: ReadonlyArray<SlaveStatus>) => Effect.Effect<ReadonlyArray<number>>
}

const factorials = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600]

/**
 * The permutation of `items` that `index` (0 to n! - 1) numbers, by its
 * factorial-base digits (a Lehmer code): every index gives a different
 * permutation, so a uniform index gives a uniform permutation.
 *
 * @since 0.1.0
 * @category utils
 */
export const nthPermutation = <A>(items: ReadonlyArray<A>, index: number): Array<A> => {
  const pool = [...items]
  const out: Array<A> = []
  let rest = index
  for (let i = pool.length; i > 0; i--) {
    const f = factorials[i - 1]!
    out.push(pool.splice(Math.floor(rest / f), 1)[0]!)
    rest %= f
  }
  return out
}

/**
 * A fresh random permutation for every read, drawn from Effect's `Random`
 * service, as PyMongo shuffled its slaves. The default. One draw per read —
 * the permutation's index — for up to 12 slaves; more are shuffled with one
 * draw per slave.
 *
 * @since 0.1.0
 * @category constructors
 */
export const random: ReadStrategy = {
  name: "random",
  order: (slaves) => {
    const ids = slaves.map((slave) => slave.connectionId)
    if (ids.length <= 1) return Effect.succeed(ids)
    if (ids.length >= factorials.length) return Effect.map(Random.shuffle(ids), Chunk.toReadonlyArray)
    return Effect.map(Random.nextIntBetween(0, factorials[ids.length]!), (index) => nthPermutation(ids, index))
  }
}

/**
 * Always slave 0 first, then 1, and so on: the later slaves are fallbacks.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ordered: ReadStrategy = {
  name: "ordered",
  order: (slaves) => Effect.succeed(slaves.map((slave) => slave.connectionId))
}

/**
 * Each read starts at the next slave, cycling through them all. Each call
 * makes a strategy with its own counter.
 *
 * @since 0.1.0
 * @category constructors
 */
export const roundRobin = (): ReadStrategy => {
  let next = 0
  return {
    name: "round-robin",
    order: (slaves) =>
      Effect.sync(() => {
        const start = next++ % slaves.length
        return slaves.map((_, i) => slaves[(start + i) % slaves.length]!.connectionId)
      })
  }
}

/**
 * The slave with the lowest recent latency first. Slaves that have not
 * answered yet come first, in random order, so every slave gets measured.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lowestLatency: ReadStrategy = {
  name: "lowest-latency",
  order: (slaves) =>
    Effect.gen(function* () {
      const unmeasured = slaves.filter((slave) => Option.isNone(slave.latencyMillis))
      const measured = slaves
        .filter((slave) => Option.isSome(slave.latencyMillis))
        .sort((a, b) => Option.getOrThrow(a.latencyMillis) - Option.getOrThrow(b.latencyMillis))
      const shuffled = yield* Random.shuffle(unmeasured.map((slave) => slave.connectionId))
      return [...Chunk.toReadonlyArray(shuffled), ...measured.map((slave) => slave.connectionId)]
    })
}

/**
 * A strategy of your own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  name: string,
  order: (slaves: ReadonlyArray<SlaveStatus>) => Effect.Effect<ReadonlyArray<number>>
): ReadStrategy => ({ name, order })

// The common case, checked without allocating: every slave, once, none down or slow.
const isHealthyPermutation = (slaves: ReadonlyArray<SlaveStatus>, proposed: ReadonlyArray<number>): boolean => {
  if (!Array.isArray(proposed) || proposed.length !== slaves.length || slaves.length > 31) return false
  let seen = 0
  for (const id of proposed) {
    const slave = slaves[id]
    if (slave === undefined || slave.connectionId !== id || slave.down || slave.slow || (seen & (1 << id)) !== 0) {
      return false
    }
    seen |= 1 << id
  }
  return true
}

/**
 * The order a read really follows: the strategy's order cleaned of unknown
 * and repeated ids (all slaves in turn if nothing is left, or if it is not
 * an array at all), less the slaves
 * known to be down, with the slow ones moved to the end, keeping their
 * relative order. A down slave is not tried at all: the prober finds out when
 * it is back, so that no read pays for it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const attemptOrder = (
  slaves: ReadonlyArray<SlaveStatus>,
  proposed: ReadonlyArray<number>
): ReadonlyArray<number> => {
  if (isHealthyPermutation(slaves, proposed)) return proposed
  const known = new Set(slaves.map((slave) => slave.connectionId))
  const seen = new Set<number>()
  // a strategy of untyped code may give anything: what is not an array is no order at all
  const cleaned = Array.isArray(proposed) ? proposed.filter((id) => known.has(id) && !seen.has(id) && seen.add(id)) : []
  const order = cleaned.length > 0 ? cleaned : slaves.map((slave) => slave.connectionId)
  const byId = new Map(slaves.map((slave) => [slave.connectionId, slave]))
  const up = order.filter((id) => !byId.get(id)!.down)
  return [...up.filter((id) => !byId.get(id)!.slow), ...up.filter((id) => byId.get(id)!.slow)]
}

/**
 * The slaves a read leaves out because they are known to be down, in the
 * strategy's order cleaned as by {@link attemptOrder}.
 *
 * @since 0.2.0
 * @category combinators
 */
export const skippedAsDown = (slaves: ReadonlyArray<SlaveStatus>): ReadonlyArray<number> =>
  slaves.filter((slave) => slave.down).map((slave) => slave.connectionId)

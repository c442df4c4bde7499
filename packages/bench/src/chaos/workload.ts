/**
 * The chaos workload: fibers that write, read, stream, run requests and
 * causal scopes through the library for as long as the run lasts, each
 * operation timed and recorded with what it must show.
 *
 * @since 0.2.0
 */
import { type Collection, MasterSlaveConnection } from "@mongo-master-slave/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ChaosConfig } from "./config.js"
import type { Ledger } from "./ledger.js"
import * as Prng from "./prng.js"
import type { OpKind, OpRecord } from "./records.js"

/**
 * The errors the library may fail with: anything else is a defect.
 *
 * @since 0.2.0
 */
export const typedErrors: ReadonlySet<string> = new Set([
  "InvalidName",
  "ConfigError",
  "InvalidOption",
  "ConnectionError",
  "NodeUnavailable",
  "StaleSlave",
  "AllSlavesUnavailable",
  "WriteError",
  "DecodeError",
  "EncodeError",
  "CursorNotFound",
  "CollectionExists",
  "ServerError",
  // announced for the core: a master operation or a read past its budget
  "OperationTimeout"
])

// an error's message on one line (an AllSlavesUnavailable lists every attempt)
const oneLine = (text: string) => {
  const line = text
    .split("\n")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .join(" | ")
  return line.length > 600 ? `${line.slice(0, 600)}…` : line
}

/**
 * How an operation ended: ok, a typed error, or a defect.
 *
 * @since 0.2.0
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): Pick<OpRecord, "ok" | "error" | "defect"> => {
  if (Exit.isSuccess(exit)) return { ok: true }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value as { readonly _tag?: unknown; readonly message?: unknown }
    const tag = typeof error?._tag === "string" ? error._tag : undefined
    const message = oneLine(typeof error?.message === "string" ? error.message : String(error))
    if (tag !== undefined && typedErrors.has(tag)) return { ok: false, error: { tag, message } }
    return { ok: false, defect: `untyped error${tag === undefined ? "" : ` ${tag}`}: ${message}` }
  }
  const defect = Cause.dieOption(exit.cause)
  if (Option.isSome(defect)) {
    const value = defect.value
    return { ok: false, defect: `die: ${oneLine(value instanceof Error ? value.message : String(value))}` }
  }
  return { ok: false, defect: "interrupted (it outlived the drain time)" }
}

/**
 * What the fibers share.
 *
 * @since 0.2.0
 */
export interface Context {
  readonly seed: number
  readonly config: ChaosConfig
  readonly docs: Collection.Collection
  readonly counters: Collection.Collection
  /** The same documents through a connection with `fallbackToMaster`. */
  readonly fallbackDocs: Collection.Collection
  readonly ledger: Ledger
  readonly record: (op: OpRecord) => void
  /** Whether the workload has been told to stop. */
  readonly stopped: () => boolean
  /** Whether the final phase (every slave down) is on. */
  readonly finalPhase: () => boolean
}

type Judge<A> = (value: A) => Partial<Pick<OpRecord, "expect" | "seenVersion" | "wrong" | "node">>

/**
 * Runs an operation and records it — also when it is interrupted. Its exit
 * and when it ended.
 *
 * @since 0.2.0
 */
export const timed = <A, E, R>(
  ctx: Pick<Context, "record">,
  kind: OpKind,
  fiber: string,
  effect: Effect.Effect<A, E, R>,
  judge?: Judge<A>
): Effect.Effect<{ readonly exit: Exit.Exit<A, E>; readonly end: number }, never, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    let end = start
    return effect.pipe(
      Effect.onExit((exit) =>
        Effect.sync(() => {
          end = performance.now()
          const extra = Exit.isSuccess(exit) && judge !== undefined ? judge(exit.value) : {}
          ctx.record({ kind, fiber, start, end, ...outcomeOf(exit), ...extra })
        })
      ),
      Effect.exit,
      Effect.map((exit) => ({ exit, end }))
    )
  })

const pad = "x".repeat(64)

interface Doc {
  readonly _id?: unknown
  readonly fiber?: unknown
  readonly v?: unknown
}

/** What is wrong with a document read by `_id`, if anything. */
const wrongDocument = (ledger: Ledger, id: string, doc: Doc): string | undefined => {
  if (doc._id !== id) return `asked for ${id}, got ${String(doc._id)}`
  const v = typeof doc.v === "number" ? doc.v : Number.NaN
  const attempted = ledger.attemptedVersion(id)
  return v >= 0 && v <= attempted ? undefined : `${id} at version ${String(doc.v)}, never written beyond ${attempted}`
}

const judgeRead =
  (ledger: Ledger, id: string, expect?: OpRecord["expect"]): Judge<Option.Option<Doc>> =>
  (found) => {
    const doc = Option.getOrUndefined(found)
    return {
      ...(expect === undefined ? {} : { expect }),
      seenVersion: typeof doc?.v === "number" ? doc.v : undefined,
      ...(doc === undefined ? {} : { wrong: wrongDocument(ledger, id, doc) })
    }
  }

const pause = (ctx: Context, random: Prng.Prng) =>
  Effect.sleep(Math.floor(random.between(0, ctx.config.workload.pauseMillis + 1)))

const loop = (ctx: Context, random: Prng.Prng, step: Effect.Effect<void>) =>
  Effect.gen(function* () {
    while (!ctx.stopped()) {
      yield* step
      yield* pause(ctx, random)
    }
  })

/** Inserts a new document of the fiber's; the `_id` if acknowledged, with when. */
const insert = (ctx: Context, kind: OpKind, fiber: string, n: number) =>
  Effect.gen(function* () {
    const id = `${fiber}-${n}`
    ctx.ledger.insertSent(id, fiber)
    const { exit, end } = yield* timed(ctx, kind, fiber, ctx.docs.insertOne({ _id: id, fiber, n, v: 0, pad }))
    if (Exit.isFailure(exit)) return undefined
    ctx.ledger.insertAcked(id, fiber, end)
    return { id, version: 0, ackedAt: end }
  })

/** Moves one of the fiber's documents to its next version; what it wrote if acknowledged. */
const update = (ctx: Context, kind: OpKind, fiber: string, id: string) =>
  Effect.gen(function* () {
    const version = ctx.ledger.updateSent(id)
    const { exit, end } = yield* timed(
      ctx,
      kind,
      fiber,
      ctx.docs.updateOne({ _id: id }, { $set: { v: version } }),
      (result) =>
        result.matchedCount === 1 ? {} : { wrong: `updating ${id} matched ${result.matchedCount} documents` }
    )
    if (Exit.isFailure(exit)) return undefined
    ctx.ledger.updateAcked(id, version)
    return { id, version, ackedAt: end }
  })

const increment = (ctx: Context, kind: OpKind, fiber: string, counter: string) =>
  Effect.gen(function* () {
    ctx.ledger.incrementSent(counter)
    const { exit } = yield* timed(
      ctx,
      kind,
      fiber,
      ctx.counters.updateOne({ _id: counter }, { $inc: { n: 1 } }),
      (r) => (r.matchedCount === 1 ? {} : { wrong: `incrementing ${counter} matched ${r.matchedCount} documents` })
    )
    if (Exit.isSuccess(exit) && exit.value.matchedCount === 1) ctx.ledger.incrementAcked(counter)
  })

/**
 * The counter a writer increments alone.
 *
 * @since 0.2.0
 */
export const ownCounter = (fiber: string) => `own-${fiber}`

/**
 * The counter every writer increments.
 *
 * @since 0.2.0
 */
export const sharedCounter = "shared"

/**
 * The writers' fiber names.
 *
 * @since 0.2.0
 */
export const writerNames = (config: ChaosConfig) => Array.from({ length: config.workload.writers }, (_, i) => `w${i}`)

const writer = (ctx: Context, fiber: string) =>
  Effect.suspend(() => {
    const random = Prng.make(Prng.derive(ctx.seed, fiber))
    let n = 0
    const step = Effect.gen(function* () {
      const op = random.weighted(ctx.config.workload.writeMix)
      const own = ctx.ledger.ownDocument(fiber, random)
      if (op === "update" && own !== undefined) yield* update(ctx, "update", fiber, own)
      else if (op === "inc") yield* increment(ctx, "inc", fiber, ownCounter(fiber))
      else if (op === "sharedInc") yield* increment(ctx, "inc.shared", fiber, sharedCounter)
      else yield* insert(ctx, "insert", fiber, n++)
    })
    return loop(ctx, random, step)
  })

const stream = (ctx: Context, fiber: string, target: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { limit, batchSize } = {
        limit: ctx.config.workload.streamLimit,
        batchSize: ctx.config.workload.streamBatchSize
      }
      const opened = yield* timed(
        ctx,
        "stream.open",
        fiber,
        ctx.docs.findCursor({ fiber: target }, { limit, batchSize }),
        (cursor) => ({ node: cursor.connectionId })
      )
      if (Exit.isFailure(opened.exit)) return
      const cursor = opened.exit.value
      const node = cursor.connectionId
      const seen = new Set<unknown>()
      const wrong: Array<string> = []
      let last = performance.now()
      let first = true
      const exit = yield* Stream.runForEachChunk(cursor.stream, (chunk) =>
        Effect.sync(() => {
          const now = performance.now()
          // the first chunk is the first batch, already fetched: every later one is a getMore
          if (!first) ctx.record({ kind: "stream.getMore", fiber, start: last, end: now, ok: true, node })
          first = false
          for (const doc of chunk as Iterable<Doc>) {
            if (doc.fiber !== target)
              wrong.push(`a stream of ${target}'s documents returned one of ${String(doc.fiber)}`)
            if (seen.has(doc._id)) wrong.push(`a stream returned ${String(doc._id)} twice`)
            seen.add(doc._id)
          }
          if (seen.size > limit) wrong.push(`a stream limited to ${limit} documents returned ${seen.size}`)
          last = performance.now()
        })
      ).pipe(Effect.exit)
      // the pull that ended the stream: its end, or its failure
      ctx.record({
        kind: "stream.getMore",
        fiber,
        start: last,
        end: performance.now(),
        ...outcomeOf(exit),
        node,
        ...(wrong.length === 0 ? {} : { wrong: wrong.slice(0, 3).join("; ") })
      })
    })
  )

const reader = (ctx: Context, fiber: string) =>
  Effect.suspend(() => {
    const random = Prng.make(Prng.derive(ctx.seed, fiber))
    const writers = writerNames(ctx.config)
    const maxStaleness = ctx.config.library.boundedReadMaxStalenessMillis
    const step = Effect.gen(function* () {
      const op = random.weighted(ctx.config.workload.readMix)
      if (op === "count") {
        const target = random.pick(writers)
        const limit = ctx.config.workload.countLimit
        yield* timed(ctx, "count", fiber, ctx.docs.countDocuments({ fiber: target }, { limit }), (count) => {
          const sent = ctx.ledger.insertsSentBy(target)
          if (count > sent) return { wrong: `counted ${count} documents of ${target}, only ${sent} inserted` }
          return count <= limit ? {} : { wrong: `a count limited to ${limit} documents counted ${count}` }
        })
        return
      }
      if (op === "stream") {
        yield* stream(ctx, fiber, random.pick(writers))
        return
      }
      if (op === "bounded") {
        const target =
          ctx.ledger.ackedBefore(performance.now() - maxStaleness - 100, random) ?? ctx.ledger.anyAcked(random)
        if (target === undefined) return
        yield* timed(
          ctx,
          "findOne.bounded",
          fiber,
          ctx.docs.findOne({ _id: target.id }, { maxStaleness }),
          judgeRead(ctx.ledger, target.id, { id: target.id, version: 0, ackedAt: target.at })
        )
        return
      }
      const target = ctx.ledger.anyAcked(random)
      if (target === undefined) return
      yield* timed(ctx, "findOne", fiber, ctx.docs.findOne({ _id: target.id }), judgeRead(ctx.ledger, target.id))
    })
    return loop(ctx, random, step)
  })

/**
 * A fiber that writes then reads its write, each time in a new scope made by
 * `scope` (a request, or a causal scope).
 */
const readYourWrites = (
  ctx: Context,
  fiber: string,
  kinds: { readonly write: OpKind; readonly read: OpKind },
  scope: <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
) =>
  Effect.suspend(() => {
    const random = Prng.make(Prng.derive(ctx.seed, fiber))
    let n = 0
    const step = scope(
      Effect.gen(function* () {
        const own = ctx.ledger.ownDocument(fiber, random)
        const written =
          own !== undefined && random.chance(0.4)
            ? yield* update(ctx, kinds.write, fiber, own)
            : yield* insert(ctx, kinds.write, fiber, n++)
        if (written === undefined) return
        yield* timed(
          ctx,
          kinds.read,
          fiber,
          ctx.docs.findOne({ _id: written.id }),
          judgeRead(ctx.ledger, written.id, written)
        )
      })
    )
    return loop(ctx, random, step)
  })

/**
 * A fiber that reads at a steady rate while the final phase is on, each read
 * in a fiber of its own: a read that waits does not hold back the next, so
 * the phase shows how every read fares, not only the first.
 */
const finalReader = (ctx: Context, fiber: string, kind: OpKind, docs: Collection.Collection) =>
  Effect.suspend(() => {
    const random = Prng.make(Prng.derive(ctx.seed, fiber))
    return Effect.gen(function* () {
      const reads: Array<Fiber.RuntimeFiber<unknown>> = []
      while (!ctx.stopped()) {
        const target = ctx.finalPhase() ? ctx.ledger.anyAcked(random) : undefined
        if (target !== undefined) {
          reads.push(
            yield* Effect.fork(
              timed(ctx, kind, fiber, docs.findOne({ _id: target.id }), judgeRead(ctx.ledger, target.id))
            )
          )
          yield* Effect.sleep(ctx.config.workload.finalReadEveryMillis)
        } else {
          yield* Effect.sleep(50)
        }
      }
      yield* Fiber.joinAll(reads)
    })
  })

/**
 * Every fiber of the workload, to run concurrently until `stopped`.
 *
 * @since 0.2.0
 */
export const fibers = (ctx: Context): ReadonlyArray<Effect.Effect<void>> => {
  const { workload } = ctx.config
  const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`)
  return [
    ...writerNames(ctx.config).map((fiber) => writer(ctx, fiber)),
    ...names("r", workload.readers).map((fiber) => reader(ctx, fiber)),
    ...names("q", workload.requesters).map((fiber) =>
      readYourWrites(ctx, fiber, { write: "request.write", read: "request.read" }, MasterSlaveConnection.inRequest)
    ),
    ...names("c", workload.causals).map((fiber) =>
      readYourWrites(ctx, fiber, { write: "causal.write", read: "causal.read" }, MasterSlaveConnection.causal)
    ),
    finalReader(ctx, "x0", "findOne.allDown", ctx.docs),
    finalReader(ctx, "f0", "findOne.fallback", ctx.fallbackDocs)
  ]
}

/**
 * The counters the workload increments, to create before it starts.
 *
 * @since 0.2.0
 */
export const counterIds = (config: ChaosConfig): ReadonlyArray<string> => [
  ...writerNames(config).map(ownCounter),
  sharedCounter
]

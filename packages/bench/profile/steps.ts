/**
 * The steps of Effect's run loop one operation takes, with no I/O: the
 * library's `findOne` over one slave and `insertOne` over the overhead case's
 * stub nodes (`src/cases/stub.ts`), the read again with a tracer installed
 * that keeps nothing, beside the thinnest Effect wrapper of the same stub
 * call. Each step is one instruction the fiber evaluates (a suspension, a
 * continuation pushed or popped, an async wait, ...), with what it runs; on
 * the real path each costs well over its cost in a tight loop, so their
 * count is what a change to the hot path should lower. It is exactly the
 * same from run to run.
 *
 *   npm run build
 *   node --import tsx packages/bench/profile/steps.ts [--list]
 */

import * as Effect from "effect/Effect"
import { stubOperations, underItsTracer } from "./stubOperations.js"

const list = process.argv.includes("--list")

// what a step runs, in a few words: its function's source, or the kind of effect it holds
const describe = (value: unknown): string => {
  if (typeof value === "function") return String(value).replace(/\s+/g, " ").slice(0, 100)
  if (typeof value === "object" && value !== null) {
    const tagged = value as { readonly _op?: unknown; readonly _tag?: unknown }
    return `<${String(tagged._op ?? tagged._tag ?? "object")}>`
  }
  return String(value)
}

interface Instruction {
  readonly effect_instruction_i0?: unknown
  readonly effect_instruction_i1?: unknown
  readonly commit?: unknown
}

let recording: Array<string> | undefined

// Every handler of an instruction on the fiber's prototype records the step before it runs.
const instrument = Effect.withFiberRuntime((fiber) =>
  Effect.sync(() => {
    const prototype = Object.getPrototypeOf(fiber) as Record<string, unknown>
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[key]
      if (!/^[A-Z][A-Za-z]+$/.test(key) || typeof handler !== "function") continue
      prototype[key] = function (this: unknown, instruction: Instruction) {
        recording?.push(
          `${key} ${describe(instruction.effect_instruction_i0 ?? instruction.commit)}` +
            (instruction.effect_instruction_i1 === undefined ? "" : ` | ${describe(instruction.effect_instruction_i1)}`)
        )
        return handler.call(this, instruction)
      }
    }
  })
)

// the steps of one run of `operation`, after a warm-up
const stepsOf = (operation: () => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 100; i++) yield* operation()
    recording = []
    yield* operation()
    const steps = recording
    recording = undefined
    return steps
  })

const program = Effect.scoped(
  Effect.gen(function* () {
    const operations = yield* stubOperations
    yield* instrument
    for (const operation of operations) {
      const steps = yield* Effect.orDie(underItsTracer(operation, stepsOf(operation.run)))
      console.log(`${operation.name}: ${steps.length} steps`)
      if (list) for (const [i, step] of steps.entries()) console.log(`  ${String(i).padStart(3)} ${step}`)
    }
  })
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)

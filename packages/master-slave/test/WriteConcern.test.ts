import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as WriteConcern from "../src/WriteConcern.js"

describe("write-concern state (PyMongo's safe and getlasterror options)", () => {
  it("setting options implies safe and keeps the options already set", () => {
    const unsafe: WriteConcern.State = { safe: false, options: { w: 2 } }
    expect(WriteConcern.setOptions(unsafe, { j: true })).toEqual({ safe: true, options: { w: 2, j: true } })
  })

  it("unsetting named options keeps the others; unsetting none clears all; neither touches safe", () => {
    const state: WriteConcern.State = { safe: false, options: { w: 2, wtimeout: 100, j: true } }
    expect(WriteConcern.unsetOptions(state, ["w"])).toEqual({ safe: false, options: { wtimeout: 100, j: true } })
    expect(WriteConcern.unsetOptions(state, [])).toEqual({ safe: false, options: {} })
  })

  it("maps to what the driver sends: w 0 when not safe, nothing when safe without options, fsync as j", () => {
    expect(WriteConcern.toDriver({ safe: false, options: { w: 2 } })).toEqual({ w: 0 })
    expect(WriteConcern.toDriver({ safe: true, options: {} })).toBeUndefined()
    expect(WriteConcern.toDriver({ safe: true, options: { w: "majority", wtimeout: 500, j: false } })).toEqual({
      w: "majority",
      wtimeoutMS: 500,
      journal: false
    })
    expect(WriteConcern.toDriver({ safe: true, options: { fsync: true } })).toEqual({ journal: true })
  })

  it("validates options, naming the bad one", () => {
    const bad = (input: unknown) => Either.getLeft(WriteConcern.validate(input))
    expect(bad({ w: -1 })._tag === "Some" && bad({ w: -1 }).pipe((e) => e._tag === "Some" && e.value.option)).toBe("w")
    const unknown = Either.getLeft(WriteConcern.validate({ fsnyc: true }))
    expect(unknown._tag === "Some" && unknown.value.option).toBe("fsnyc")
    expect(unknown._tag === "Some" && unknown.value.message).toMatch(
      /unknown option; the getlasterror options are w, wtimeout, j, fsync/
    )
    const contradictory = Either.getLeft(WriteConcern.validate({ w: 0, j: true }))
    expect(contradictory._tag === "Some" && contradictory.value.message).toMatch(/cannot be combined with j or fsync/)
    expect(Either.isLeft(WriteConcern.validate({ wtimeout: 1.5 }))).toBe(true)
    expect(Either.isLeft(WriteConcern.validate({ w: " " }))).toBe(true)
    expect(WriteConcern.validate({ w: "majority", wtimeout: 0, j: true, fsync: false })).toEqual(
      Either.right({ w: "majority", wtimeout: 0, j: true, fsync: false })
    )
  })

  it("starts from a connection string's write concern", () => {
    const from = (query: string) => WriteConcern.fromUriParams(new URLSearchParams(query))
    expect(from("w=majority&wtimeoutMS=250&journal=true")).toEqual(
      Either.right({ safe: true, options: { w: "majority", wtimeout: 250, j: true } })
    )
    expect(from("w=2")).toEqual(Either.right({ safe: true, options: { w: 2 } }))
    expect(from("w=0")).toEqual(Either.right({ safe: false, options: {} }))
    expect(from("")).toEqual(Either.right(WriteConcern.acknowledged))
    expect(Either.isLeft(from("wtimeoutMS=soon"))).toBe(true)
  })
})

describe("write-concern controls over a Ref", () => {
  it.effect("set, get and unset as PyMongo did, with typed errors for bad input", () =>
    Effect.gen(function* () {
      const control = yield* WriteConcern.makeControl(WriteConcern.acknowledged)
      yield* control.setSafe(false)
      expect(yield* control.safe).toBe(false)
      yield* control.setLastErrorOptions({ w: 2, wtimeout: 1000 })
      expect(yield* control.safe).toBe(true)
      expect(yield* control.getLastErrorOptions).toEqual({ w: 2, wtimeout: 1000 })
      yield* control.unsetLastErrorOptions("wtimeout")
      expect(yield* control.getLastErrorOptions).toEqual({ w: 2 })
      const error = yield* Effect.flip(control.setLastErrorOptions({ w: -3 }))
      expect(error._tag).toBe("InvalidOption")
      expect(yield* control.getLastErrorOptions).toEqual({ w: 2 })
      const unknown = yield* Effect.flip(control.unsetLastErrorOptions("nope" as never))
      expect(unknown.option).toBe("nope")
      yield* control.unsetLastErrorOptions()
      expect(yield* control.getLastErrorOptions).toEqual({})
      expect(yield* control.safe).toBe(true)
    })
  )

  it.effect(
    "what untyped code passes is an InvalidOption that shows it: no options object, no name, nested too deep",
    () =>
      Effect.gen(function* () {
        const control = yield* WriteConcern.makeControl(WriteConcern.acknowledged)
        const untyped = control as unknown as Record<
          string,
          (...args: ReadonlyArray<unknown>) => Effect.Effect<void, { message: string }>
        >
        expect((yield* Effect.flip(untyped.setLastErrorOptions!("k"))).message).toBe(
          `invalid write concern: expected an object of getlasterror options (w, wtimeout, j, fsync), got "k"`
        )
        expect((yield* Effect.flip(untyped.unsetLastErrorOptions!(null))).message).toBe(
          "invalid write concern: expected the name of a getlasterror option (w, wtimeout, j, fsync), got null"
        )
        expect((yield* Effect.flip(untyped.setSafe!(1))).message).toBe("invalid safe: expected true or false, got 1")
        let deep: unknown = 1
        for (let i = 0; i < 10_000; i++) deep = { a: deep }
        // the schema's report of the value would recurse through it
        expect((yield* Effect.flip(untyped.setLastErrorOptions!({ wtimeout: deep }))).message).toMatch(
          /^invalid write concern: it is nested more than 200 levels deep/
        )
        expect(yield* control.state).toEqual(WriteConcern.acknowledged)
        // checked when run, not when called: even an object that throws when read does not throw at the call
        const hostile = new Proxy(
          {},
          {
            ownKeys: () => {
              throw new Error("no keys for you")
            }
          }
        )
        expect(Effect.isEffect(untyped.setLastErrorOptions!(hostile))).toBe(true)
      })
  )
})

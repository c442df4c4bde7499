import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { ObjectId } from "mongodb"
import * as Validate from "../src/internal/validate.js"

// how deep a value nests, counting its plain objects, arrays and maps (recursively: the values here are small)
const depthOf = (value: unknown): number => {
  if (typeof value !== "object" || value === null) return 0
  const children = Array.isArray(value)
    ? value
    : value instanceof Map
      ? [...value.keys(), ...value.values()]
      : Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
        ? Object.values(value)
        : undefined
  return children === undefined ? 0 : 1 + Math.max(0, ...children.map(depthOf))
}

const nestedIn = (depth: number, leaf: unknown): unknown => {
  let value = leaf
  for (let i = 0; i < depth; i++) value = i % 3 === 0 ? [value] : i % 3 === 1 ? { a: value } : new Map([["k", value]])
  return value
}

describe("the walk of a value handed to the driver", () => {
  it.prop(
    "refuses exactly what nests deeper than 200 levels, whatever the containers",
    [fc.integer({ min: 0, max: 260 }), fc.jsonValue({ maxDepth: 3 })],
    ([depth, leaf]) => {
      const value = nestedIn(depth, leaf)
      const problem = Validate.walkProblem(value)
      expect(problem === undefined).toBe(depthOf(value) <= Validate.maxDepth)
      if (problem !== undefined) expect(problem).toMatch(/nested more than 200 levels deep/)
    }
  )

  it.prop(
    "dates and ids beside a nested value do not hide how deep it nests",
    [fc.integer({ min: 0, max: 260 })],
    ([depth]) => {
      const value = { at: new Date(0), id: new ObjectId(), nested: nestedIn(depth, new Date(0)) }
      expect(Validate.walkProblem(value) === undefined).toBe(depthOf(value) <= Validate.maxDepth)
    }
  )

  it("refuses a cycle at any depth, and a value repeated past the size MongoDB can hold, without recursing", () => {
    const cycle: Record<string, unknown> = { a: { b: [1] } }
    ;(cycle.a as Record<string, unknown>).back = cycle
    expect(Validate.walkProblem(cycle)).toMatch(/contains itself/)
    // shared, not circular: fine
    const shared = { x: 1 }
    expect(Validate.walkProblem({ a: shared, b: [shared, shared] })).toBeUndefined()
    // 2^24 paths through 24 levels of one array repeated twice
    let doubling: unknown = [1, 2]
    for (let i = 0; i < 24; i++) doubling = [doubling, doubling]
    expect(Validate.walkProblem(doubling)).toMatch(/more than 6,000,000 values/)
    expect(Validate.walkProblem(nestedIn(200_000, 1))).toMatch(/nested more than 200 levels deep/)
  })

  it.prop("never throws, and leaves other objects (dates, ids, class instances) alone", [fc.anything()], ([value]) => {
    const problem = Validate.walkProblem(value)
    expect(problem === undefined || typeof problem === "string").toBe(true)
  })

  it("options, filters, updates and pipelines name what is wrong", () => {
    expect(Validate.options(null)?.message).toBe("invalid options: expected an object of options, or nothing, got null")
    expect(Validate.options({ timeoutMS: 5 })?.option).toBe("options.timeoutMS")
    expect(Validate.options({ sort: { a: 1 }, schema: undefined })).toBeUndefined()
    expect(Validate.filter(undefined, false)).toBeUndefined()
    expect(Validate.filter(undefined, true)?.option).toBe("filter")
    expect(Validate.update([{ $set: { a: 1 } }, 5])?.option).toBe("update[1]")
    expect(Validate.pipeline("x")?.option).toBe("pipeline")
    expect(Validate.bulkOperations([{ updateMany: { filter: {}, update: null } }])?.option).toBe(
      "operations[0].updateMany.update"
    )
    expect(Validate.key("")?.option).toBe("key")
    expect(Validate.command({})?.option).toBe("command")
  })
})

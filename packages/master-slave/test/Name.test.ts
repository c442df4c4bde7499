import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { InvalidName } from "../src/Errors.js"
import * as Name from "../src/Name.js"

const rejected = (name: string) =>
  Effect.gen(function* () {
    const result = yield* Effect.either(Name.databaseName(name))
    if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(name)} to be rejected`)
    expect(result.left).toBeInstanceOf(InvalidName)
    expect(result.left.value).toBe(name)
    expect(result.left.name).toBe("InvalidName")
    return result.left
  })

describe("database names", () => {
  it.effect("accepts ordinary names", () =>
    Effect.gen(function* () {
      for (const name of ["app", "my_db-2", "Données", "a".repeat(63)]) {
        expect(yield* Name.databaseName(name)).toBe(name)
      }
    })
  )

  it.effect("rejects the empty name", () =>
    Effect.gen(function* () {
      const error = yield* rejected("")
      expect(error.message).toContain("cannot be empty")
    })
  )

  it.effect("rejects each forbidden character, naming it", () =>
    Effect.gen(function* () {
      for (const [c, shown] of [
        ["/", `"/"`],
        ["\\", `"\\"`],
        [".", `"."`],
        ['"', `"""`],
        ["$", `"$"`],
        ["\0", "a NUL character"],
        [" ", "a space"]
      ] as const) {
        const error = yield* rejected(`a${c}b`)
        expect(error.reason).toBe(`a database name cannot contain ${shown}`)
      }
    })
  )

  it.effect("rejects names of 64 bytes or more, counting UTF-8 bytes", () =>
    Effect.gen(function* () {
      yield* rejected("a".repeat(64))
      // 32 two-byte characters: 32 characters but 64 bytes
      const error = yield* rejected("é".repeat(32))
      expect(error.reason).toContain("64 bytes")
    })
  )
})

describe("names that are not strings", () => {
  it.effect("are an InvalidName that shows the value, and the error prints under its own name", () =>
    Effect.gen(function* () {
      for (const [value, shown] of [
        [5, "5"],
        [null, "null"],
        [undefined, "undefined"],
        [{ name: "db" }, `{"name":"db"}`]
      ] as const) {
        const error = yield* Effect.flip(Name.databaseName(value as never))
        expect(error.value).toBe(value)
        expect(error.message).toBe(`invalid database name ${shown}: a database name must be a string`)
        const collection = yield* Effect.flip(Name.collectionName(value as never))
        expect(collection.message).toBe(`invalid collection name ${shown}: a collection name must be a string`)
      }
      const error = yield* Effect.flip(Name.databaseName("my.shop"))
      expect(String(error)).toBe(`InvalidName: invalid database name "my.shop": a database name cannot contain "."`)
      const failure = yield* Effect.sync(() => {
        try {
          Effect.runSync(Name.databaseName("my.shop"))
        } catch (thrown) {
          return String(thrown)
        }
        return ""
      })
      expect(failure).toMatch(/^\(FiberFailure\) InvalidName: invalid database name "my.shop"/)
    })
  )
})

describe("collection names", () => {
  it.effect("accepts dotted names and rejects MongoDB's reserved forms", () =>
    Effect.gen(function* () {
      expect(yield* Name.collectionName("users.archive")).toBe("users.archive")
      for (const bad of ["", "a$b", "a\0b", "a..b", ".a", "a.", "system.users"]) {
        const result = yield* Effect.either(Name.collectionName(bad))
        expect(Either.isLeft(result) && result.left._tag === "InvalidName" && result.left.kind === "collection").toBe(
          true
        )
      }
    })
  )
})

import { describe, expect, it } from "@effect/vitest"
import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError
} from "mongodb"
import { collectionOperation, isUnavailable, mapReadError, mapWriteError } from "../src/internal/driver.js"

const node = { connectionId: 0, address: "127.0.0.1:1" }
const read = collectionOperation("find", "db", "c", false)
const write = collectionOperation("insert", "db", "c", true)
const socketError = (code: string, message: string) => Object.assign(new Error(message), { code })
const serverError = (code: number, errmsg = "boom") => new MongoServerError({ ok: 0, code, errmsg })

describe("what counts as an unavailable node (the only failure a read moves on from)", () => {
  it("network, server-selection and closed-topology errors", () => {
    expect(isUnavailable(new MongoNetworkError("reset"))).toBe(true)
    expect(isUnavailable(new MongoNetworkTimeoutError("timed out"))).toBe(true)
    expect(isUnavailable(new MongoServerSelectionError("no server", { error: undefined } as never))).toBe(true)
    expect(isUnavailable(new MongoTopologyClosedError())).toBe(true)
  })

  it("raw socket errors the driver lets through, also as a cause", () => {
    expect(isUnavailable(socketError("EPIPE", "This socket has been ended by the other party"))).toBe(true)
    expect(isUnavailable(socketError("ECONNRESET", "read ECONNRESET"))).toBe(true)
    expect(isUnavailable(new Error("wrapped", { cause: socketError("ECONNREFUSED", "refused") }))).toBe(true)
    expect(isUnavailable(socketError("ENOENT", "no such file"))).toBe(false)
  })

  it("server codes of a node that cannot serve now, but not those of a bad request", () => {
    for (const code of [91, 189, 10107, 11600, 11602, 13435, 13436]) expect(isUnavailable(serverError(code))).toBe(true)
    expect(isUnavailable(serverError(1, "node is recovering"))).toBe(true)
    for (const code of [2, 11000, 43, 238]) expect(isUnavailable(serverError(code))).toBe(false)
    expect(isUnavailable(new Error("bad input"))).toBe(false)
  })
})

describe("mapping driver errors to typed errors", () => {
  it("a read: NodeUnavailable, CursorNotFound, or a ServerError that stops the read", () => {
    expect(mapReadError(node, read, socketError("EPIPE", "ended"))._tag).toBe("NodeUnavailable")
    expect(mapReadError(node, read, serverError(43), 7n)).toMatchObject({ _tag: "CursorNotFound", cursorId: 7n })
    expect(mapReadError(node, read, serverError(2, "bad query"))).toMatchObject({ _tag: "ServerError", code: 2 })
  })

  it("a write: WriteError with the server's code, and the failed position of a batch", () => {
    expect(mapWriteError(node, write, serverError(11000, "E11000 duplicate key"))).toMatchObject({
      _tag: "WriteError",
      code: 11000,
      namespace: "db.c"
    })
    const bulk = new MongoBulkWriteError(
      { message: "dup", code: 11000, writeErrors: [] } as never,
      {
        insertedCount: 1,
        matchedCount: 0,
        modifiedCount: 0,
        deletedCount: 0,
        upsertedCount: 0,
        insertedIds: {},
        upsertedIds: {}
      } as never
    )
    expect(mapWriteError(node, write, bulk)).toMatchObject({ _tag: "WriteError", code: 11000 })
    expect(mapWriteError(node, write, new MongoNetworkError("reset"))._tag).toBe("NodeUnavailable")
  })
})

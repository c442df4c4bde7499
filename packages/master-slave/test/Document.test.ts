import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, FastCheck as fc, Schema } from "effect"
import { ObjectId } from "mongodb"
import * as Doc from "../src/Document.js"

const User = Schema.Struct({ name: Schema.String, age: Schema.Number, address: Schema.Struct({ city: Schema.String }) })

describe("documents", () => {
  it("with tzAware, dates become DateTime.Utc at any depth, other values untouched", () => {
    const id = new ObjectId()
    const date = new Date("2024-02-29T12:00:00Z")
    const converted = Doc.datesToDateTimes({ _id: id, at: date, nested: { list: [date, 1, "x"] } }) as {
      _id: ObjectId
      at: DateTime.Utc
      nested: { list: Array<unknown> }
    }
    expect(converted._id).toBe(id)
    expect(DateTime.isDateTime(converted.at) && DateTime.isUtc(converted.at)).toBe(true)
    expect(DateTime.toEpochMillis(converted.at)).toBe(date.getTime())
    expect(DateTime.isDateTime(converted.nested.list[0])).toBe(true)
    expect(converted.nested.list.slice(1)).toEqual([1, "x"])
  })

  it("DateTime values are written as dates, and a written document is a copy", () => {
    const at = DateTime.unsafeMake("2024-01-01T00:00:00Z")
    const input = { at, list: [{ at }] }
    const output = Doc.dateTimesToDates(input) as { at: Date; list: Array<{ at: Date }> }
    expect(output.at).toEqual(new Date("2024-01-01T00:00:00Z"))
    expect(output.list[0]!.at).toBeInstanceOf(Date)
    expect(input.at).toBe(at)
  })

  it("a document that does not match its schema is a DecodeError naming the field", () => {
    const result = Doc.decode(User, "app.users", false, { name: "ada", age: 36, address: { city: 7 } })
    const error = Either.getLeft(result)
    if (error._tag === "None") throw new Error("expected a DecodeError")
    expect(error.value._tag).toBe("DecodeError")
    expect(error.value.path).toEqual(["address", "city"])
    expect(error.value.message).toMatch(/a document of app.users does not match its schema at field address.city/)
  })

  it("decodes through the schema, dropping fields it does not declare", () => {
    expect(Doc.decode(User, "app.users", false, { _id: 1, name: "ada", age: 36, address: { city: "London" } })).toEqual(
      Either.right({ name: "ada", age: 36, address: { city: "London" } })
    )
  })

  it("the default schema takes any document as it is", () => {
    const raw = { _id: new ObjectId(), any: ["thing"] }
    expect(Doc.decode(Doc.Document, "a.b", false, raw)).toEqual(Either.right(raw))
  })

  it("encoding checks the schema and names the field", () => {
    const error = Either.getLeft(Doc.encode(User, "app.users", { name: "ada", age: "old" } as never))
    expect(error._tag === "Some" && error.value.path).toEqual(["age"])
  })

  it("an encoded document is a copy of the same fields, the driver's _id added to the copy only; an own __proto__ key stays a field", () => {
    const input = { name: "ada", n: 1, at: new Date(0) }
    const encoded = Either.getOrThrow(Doc.encode(Doc.Document, "app.items", input))
    expect(encoded).not.toBe(input)
    expect(encoded).toEqual(input)
    encoded._id = new ObjectId()
    expect("_id" in input).toBe(false)

    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>
    const copied = Either.getOrThrow(Doc.encode(Doc.Document, "app.items", hostile))
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype)
    expect(Object.keys(copied)).toEqual(["__proto__", "a"])
    expect(Object.getOwnPropertyDescriptor(copied, "__proto__")?.value).toEqual({ polluted: true })
    expect((copied as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it("a value that encodes to something other than a document is an EncodeError, not an empty document", () => {
    for (const value of [5, "text", [1, 2], null, new Date(0)]) {
      const error = Either.getLeft(Doc.encode(Doc.Document, "app.items", value as never))
      expect(error._tag === "Some" && error.value.message).toMatch(/expected a document \(an object\), got/)
    }
  })

  it("dates convert at any depth without recursion: 200,000 levels deep, and through a cycle", () => {
    const at = DateTime.unsafeMake("2024-01-01T00:00:00Z")
    let deep: Record<string, unknown> = { at }
    for (let i = 0; i < 200_000; i++) deep = { a: deep }
    let out = Doc.dateTimesToDates(deep) as Record<string, unknown>
    let depth = 0
    while (out.a !== undefined) {
      out = out.a as Record<string, unknown>
      depth++
    }
    expect(depth).toBe(200_000)
    expect(out.at).toBeInstanceOf(Date)
    const back = Doc.datesToDateTimes({ list: [[[[new Date(0)]]]] }) as { list: Array<Array<Array<Array<unknown>>>> }
    expect(DateTime.isDateTime(back.list[0]![0]![0]![0])).toBe(true)
    const cyclic: Record<string, unknown> = { at }
    cyclic.self = cyclic
    expect((Doc.dateTimesToDates(cyclic) as { at: unknown }).at).toBeInstanceOf(Date)
  })

  it.prop(
    "the conversion is the same at every depth: recursive near the top, iterative below",
    [fc.integer({ min: 0, max: 300 }), fc.jsonValue()],
    ([depth, leaf]) => {
      const date = new Date(1_700_000_000_000)
      let value: unknown = { leaf, date, list: [date, leaf] }
      for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { nested: value, leaf } : [value, leaf]
      const there = Doc.datesToDateTimes(value)
      const back = Doc.dateTimesToDates(there)
      expect(back).toEqual(value)
      // nothing to convert: the same value, not a copy
      expect(Doc.dateTimesToDates(value)).toBe(value)
    }
  )

  it("a schema whose transformation throws is a DecodeError or EncodeError, not a defect", () => {
    const Throwing = Schema.transform(Schema.Struct({ n: Schema.Number }), Schema.Struct({ n: Schema.Number }), {
      strict: true,
      decode: () => {
        throw new Error("boom")
      },
      encode: () => {
        throw new Error("bang")
      }
    })
    const decoded = Either.getLeft(Doc.decode(Throwing, "app.items", false, { n: 1 }))
    expect(decoded._tag === "Some" && decoded.value.message).toMatch(/the schema threw: boom/)
    const encoded = Either.getLeft(Doc.encode(Throwing, "app.items", { n: 1 }))
    expect(encoded._tag === "Some" && encoded.value.message).toMatch(/the schema threw: bang/)
  })

  it("decoding or encoding with something that is not a schema is an error, not a throw", () => {
    const decoded = Either.getLeft(Doc.decode(5 as never, "app.items", false, { n: 1 }))
    expect(decoded._tag === "Some" && decoded.value._tag).toBe("DecodeError")
    const encoded = Either.getLeft(Doc.encode("User" as never, "app.items", { n: 1 }))
    expect(encoded._tag === "Some" && encoded.value._tag).toBe("EncodeError")
  })
})

import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { NodeInspectSymbol } from "effect/Inspectable"
import * as Ref from "effect/Ref"
import type { Document as DriverDocument } from "mongodb"
import { type Database, isDatabase, TypeId } from "../Database.js"
import type * as Doc from "../Document.js"
import { CollectionExists } from "../Errors.js"
import * as Name from "../Name.js"
import * as WriteConcern from "../WriteConcern.js"
import * as Collection from "./collection.js"
import { collectionOperation, commandCall, databaseOperation, writeCall } from "./driver.js"
import * as Validate from "./validate.js"

export interface Context extends Collection.Context {
  readonly defaultSchema: Ref.Ref<Doc.DocumentSchema<unknown, unknown>>
  /** The connection the database belongs to: two handles are equal when their connections are. */
  readonly connection: Equal.Equal
}

// where a handle keeps its connection, for equality
const connectionOf = Symbol.for("@mongo-master-slave/core/Database/connection")

const schemaOf = (options: object | undefined) =>
  (options as { readonly schema?: Doc.DocumentSchema<unknown, unknown> } | undefined)?.schema

export const make = (context: Context, name: string, initial: WriteConcern.State): Effect.Effect<Database> =>
  Effect.gen(function* () {
    const { router } = context
    const ref = yield* Ref.make(initial)
    const control = WriteConcern.controlOf(ref)

    const collection = (collectionName: string, schema?: Doc.DocumentSchema<unknown, unknown>) =>
      Effect.gen(function* () {
        const valid = yield* Name.collectionName(collectionName)
        if (schema !== undefined) {
          const problem = Validate.schema(schema)
          if (problem !== undefined) return yield* problem
        }
        const chosen = schema ?? (yield* Ref.get(context.defaultSchema))
        const state = yield* Ref.make(yield* control.state)
        return Collection.make(context, name, valid, chosen, state)
      })

    const command = (operationName: string, body: DriverDocument) => {
      const operation = databaseOperation(operationName, name, false)
      return router.onMaster(operation, (node, deadline) =>
        commandCall(node, operation, (signal) => node.client.db(name).command(body, { signal }), deadline)
      )
    }

    const createCollection = (collectionName: string, options?: object) =>
      Effect.gen(function* () {
        const valid = yield* Name.collectionName(collectionName)
        const problem = Validate.options(options)
        if (problem !== undefined) return yield* problem
        const {
          schema: _schema,
          writeConcern: _wc,
          session: _s,
          signal: _signal,
          ...rest
        } = (options ?? {}) as Record<string, unknown>
        const writeConcern = WriteConcern.toDriver(yield* control.state)
        const operation = collectionOperation("create", name, valid, true)
        yield* router
          .onMaster(operation, (node, deadline) =>
            writeCall(
              node,
              operation,
              (signal) =>
                node.client.db(name).createCollection(valid, {
                  ...rest,
                  signal,
                  ...(writeConcern === undefined ? {} : { writeConcern })
                } as object),
              deadline
            )
          )
          .pipe(
            Effect.catchIf(
              (error) => (error._tag === "WriteError" || error._tag === "ServerError") && error.code === 48,
              () => Effect.fail(new CollectionExists({ namespace: `${name}.${valid}` }))
            )
          )
        return yield* collection(valid, schemaOf(options))
      })

    const database: Database & { readonly [connectionOf]: Equal.Equal; readonly [NodeInspectSymbol]: () => unknown } = {
      ...control,
      [TypeId]: TypeId,
      [connectionOf]: context.connection,
      name,
      collection: collection as Database["collection"],
      createCollection: createCollection as Database["createCollection"],
      listCollectionNames: (() => {
        const operation = databaseOperation("listCollections", name, false)
        return router.onMaster(operation, (node, deadline) =>
          commandCall(
            node,
            operation,
            (signal) => node.client.db(name).listCollections({}, { nameOnly: true, signal }).toArray(),
            deadline
          ).pipe(Effect.map((collections) => collections.map((c) => c.name).sort()))
        )
      })(),
      command: Validate.guardEffect(Validate.command, (body: DriverDocument) =>
        command(Object.keys(body)[0] ?? "command", body)
      ),
      drop: command("dropDatabase", { dropDatabase: 1 }).pipe(Effect.asVoid),
      [Equal.symbol](that: Equal.Equal): boolean {
        return (
          isDatabase(that) &&
          that.name === name &&
          Equal.equals(context.connection, (that as unknown as { readonly [connectionOf]: Equal.Equal })[connectionOf])
        )
      },
      [Hash.symbol](): number {
        return Hash.cached(this, Hash.combine(Hash.hash(context.connection))(Hash.string(name)))
      },
      toJSON: () => ({ _id: "Database", name }),
      toString: () => `Database(${name})`,
      [NodeInspectSymbol]: () => ({ _id: "Database", name })
    }
    return database
  })

/**
 * A node: one MongoDB endpoint, reached through its own `MongoClient` (and so
 * its own connection pool). `connectionId` follows PyMongo: `-1` is the
 * master, `0..n-1` the slaves.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { NodeInspectSymbol } from "effect/Inspectable"
import type { MongoClient } from "mongodb"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@mongo-master-slave/core/Node")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The role of a node.
 *
 * @since 0.1.0
 * @category models
 */
export type Role = "master" | "slave"

/**
 * The connection id of the master.
 *
 * @since 0.1.0
 * @category constants
 */
export const masterConnectionId = -1

/**
 * A node of the connection. Two nodes are equal when they have the same role,
 * connection id and URI.
 *
 * @since 0.1.0
 * @category models
 */
export class Node implements Equal.Equal {
  readonly [TypeId]: TypeId = TypeId
  /** @internal whether the client has a live topology; see `internal/node.ts` */
  connected = false
  /** @internal set once the connection is closed by `disconnect` or its scope */
  closed = false
  /** @internal the last failure the driver reported of this node, for error messages */
  lastError: string | undefined = undefined
  /** @internal makes a new client like the first, to replace one that stopped talking (slaves) */
  makeClient: (() => MongoClient) | undefined = undefined
  private current: MongoClient

  constructor(
    readonly role: Role,
    readonly connectionId: number,
    /** `host:port` of the hosts it names, comma-separated. */
    readonly address: string,
    /** Its connection string, with any password hidden. */
    readonly uri: string,
    client: MongoClient
  ) {
    this.current = client
  }

  /**
   * The driver client of this node, for what the library does not cover
   * (command monitoring, ...). A slave's client is replaced if it stops
   * talking while its node answers: read it when you need it, do not keep it.
   */
  get client(): MongoClient {
    return this.current
  }

  /** @internal puts a new client in place of the current one, which is returned */
  unsafeReplaceClient(client: MongoClient): MongoClient {
    const previous = this.current
    this.current = client
    this.connected = false
    return previous
  }

  [Equal.symbol](that: Equal.Equal): boolean {
    return isNode(that) && that.role === this.role && that.connectionId === this.connectionId && that.uri === this.uri
  }

  [Hash.symbol](): number {
    return Hash.cached(this, Hash.combine(Hash.number(this.connectionId))(Hash.string(this.uri)))
  }

  toJSON(): unknown {
    return { _id: "Node", role: this.role, connectionId: this.connectionId, address: this.address }
  }

  toString(): string {
    return this.role === "master" ? `master(${this.address})` : `slave ${this.connectionId}(${this.address})`
  }

  [NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isNode = (u: unknown): u is Node => typeof u === "object" && u !== null && TypeId in u

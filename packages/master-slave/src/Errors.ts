/**
 * The typed errors of mongo-master-slave. Every failure a caller can meet is
 * one of these classes, each with a message a person can act on.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * A database or collection name that MongoDB would refuse.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidName extends Data.TaggedError("InvalidName")<{
  readonly kind: "database" | "collection"
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid ${this.kind} name ${JSON.stringify(this.name)}: ${this.reason}`
  }
}

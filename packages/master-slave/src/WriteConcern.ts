/**
 * Write concern, PyMongo style: `safe` (acknowledge every write, or not) and
 * the getlasterror options `w`, `wtimeout`, `j` and `fsync`, kept in a `Ref`.
 * The connection starts from its master URI's write concern; databases and
 * collections take a copy of their parent's when they are created and can
 * change it on their own afterwards.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type { WriteConcernSettings } from "mongodb"
import { InvalidOption, showValue } from "./Errors.js"
import { walkProblem } from "./internal/validate.js"

/**
 * The getlasterror options.
 *
 * - `w`: how many nodes must acknowledge a write (0, 1, 2, ...), or a mode
 *   such as `"majority"`.
 * - `wtimeout`: how long, in milliseconds, to wait for `w` acknowledgements.
 * - `j`: wait until the write is in the journal.
 * - `fsync`: kept for PyMongo programs; MongoDB dropped it from write concern,
 *   so it is sent as `j: true`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LastErrorOptions = Schema.Struct({
  w: Schema.optional(
    Schema.Union(Schema.Int.pipe(Schema.nonNegative()), Schema.String.pipe(Schema.trimmed(), Schema.nonEmptyString()))
  ),
  wtimeout: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  j: Schema.optional(Schema.Boolean),
  fsync: Schema.optional(Schema.Boolean)
}).pipe(
  Schema.filter((options) =>
    options.w === 0 && (options.j === true || options.fsync === true)
      ? { path: ["w"], message: "w: 0 (no acknowledgement) cannot be combined with j or fsync" }
      : undefined
  ),
  Schema.annotations({ identifier: "LastErrorOptions" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type LastErrorOptions = typeof LastErrorOptions.Type

/**
 * The name of one getlasterror option.
 *
 * @since 0.1.0
 * @category models
 */
export type OptionName = keyof LastErrorOptions

/**
 * @since 0.1.0
 * @category constants
 */
export const optionNames: ReadonlyArray<OptionName> = ["w", "wtimeout", "j", "fsync"]

/**
 * Whether writes are acknowledged (`safe`), and with which options.
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly safe: boolean
  readonly options: LastErrorOptions
}

/**
 * Acknowledged writes with the server's default write concern.
 *
 * @since 0.1.0
 * @category constants
 */
export const acknowledged: State = { safe: true, options: {} }

const decodeOptions = Schema.decodeUnknownEither(LastErrorOptions, { onExcessProperty: "error" })

/**
 * Checks getlasterror options.
 *
 * @since 0.1.0
 * @category decoding
 */
export const validate = (input: unknown): Either.Either<LastErrorOptions, InvalidOption> => {
  const proto = typeof input === "object" && input !== null ? Object.getPrototypeOf(input) : undefined
  if (proto !== Object.prototype && proto !== null) {
    return Either.left(
      new InvalidOption({
        option: "write concern",
        reason: `expected an object of getlasterror options (${optionNames.join(", ")}), got ${showValue(input)}`
      })
    )
  }
  // a value nested too deep for the schema's report of it (which recurses)
  const problem = walkProblem(input)
  if (problem !== undefined) return Either.left(new InvalidOption({ option: "write concern", reason: problem }))
  return Either.mapLeft(decodeOptions(input), (error) => {
    const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
    const option = issue?.path[0]
    return new InvalidOption({
      option: option === undefined ? "write concern" : String(option),
      reason:
        issue?._tag === "Unexpected"
          ? `unknown option; the getlasterror options are ${optionNames.join(", ")}`
          : (issue?.message ?? error.message)
    })
  })
}

/**
 * Sets options, keeping the others: implies `safe` (PyMongo's
 * `set_lasterror_options`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const setOptions = (state: State, options: LastErrorOptions): State => ({
  safe: true,
  options: { ...state.options, ...options }
})

/**
 * Removes the named options, or all of them when none is named; `safe` stays
 * as it is (PyMongo's `unset_lasterror_options`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const unsetOptions = (state: State, names: ReadonlyArray<OptionName>): State => {
  if (names.length === 0) return { ...state, options: {} }
  const options: Record<string, unknown> = { ...state.options }
  for (const name of names) delete options[name]
  return { ...state, options: options as LastErrorOptions }
}

/**
 * The write concern a write sends: `{ w: 0 }` when not safe, nothing (the
 * server's default) when safe without options.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toDriver = (state: State): WriteConcernSettings | undefined => {
  if (!state.safe) return { w: 0 }
  const { w, wtimeout, j, fsync } = state.options
  const journal = fsync === true ? true : j
  if (w === undefined && wtimeout === undefined && journal === undefined) return undefined
  const settings: { -readonly [K in keyof WriteConcernSettings]: WriteConcernSettings[K] } = {}
  if (w !== undefined) settings.w = w as NonNullable<WriteConcernSettings["w"]>
  if (wtimeout !== undefined) settings.wtimeoutMS = wtimeout
  if (journal !== undefined) settings.journal = journal
  return settings
}

/**
 * The state a connection string's write-concern parameters describe (`w`,
 * `wtimeoutMS`, `journal` and their older spellings).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromUriParams = (params: URLSearchParams): Either.Either<State, InvalidOption> => {
  const get = (...names: ReadonlyArray<string>) => names.map((name) => params.get(name)).find((value) => value !== null)
  const bool = (value: string | undefined) => (value === undefined ? undefined : value === "true" || value === "1")
  const w = get("w")
  const wtimeout = get("wtimeoutMS", "wtimeout")
  const input = {
    ...(w === undefined ? {} : { w: /^\d+$/.test(w) ? Number(w) : w }),
    ...(wtimeout === undefined ? {} : { wtimeout: Number(wtimeout) }),
    ...(get("journal", "j") === undefined ? {} : { j: bool(get("journal", "j")) }),
    ...(get("fsync") === undefined ? {} : { fsync: bool(get("fsync")) })
  }
  return Either.map(validate(input), (options) =>
    options.w === 0 ? { safe: false, options: {} } : { safe: true, options }
  )
}

/**
 * The write-concern controls of a connection, a database or a collection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Control {
  /** Whether writes are acknowledged. */
  readonly safe: Effect.Effect<boolean>
  /** Sets `safe`; anything but a boolean is an `InvalidOption` (since 0.2.0). */
  readonly setSafe: (safe: boolean) => Effect.Effect<void, InvalidOption>
  readonly getLastErrorOptions: Effect.Effect<LastErrorOptions>
  /** Sets options (implies `safe`); fails with `InvalidOption` naming the bad one. */
  readonly setLastErrorOptions: (options: typeof LastErrorOptions.Encoded) => Effect.Effect<void, InvalidOption>
  /** Removes the named options, or all; `safe` stays as it is. */
  readonly unsetLastErrorOptions: (...names: ReadonlyArray<OptionName>) => Effect.Effect<void, InvalidOption>
  /** The whole state, to hand to a child (a database's collections start from it). */
  readonly state: Effect.Effect<State>
}

/**
 * Write-concern controls over a `Ref` starting at `initial`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeControl = (initial: State): Effect.Effect<Control> =>
  Effect.map(Ref.make(initial), (ref) => controlOf(ref))

/**
 * Write-concern controls over a `Ref` of your own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const controlOf = (ref: Ref.Ref<State>): Control => ({
  safe: Effect.map(Ref.get(ref), (state) => state.safe),
  setSafe: (safe) =>
    typeof safe === "boolean"
      ? Ref.update(ref, (state) => ({ ...state, safe }))
      : Effect.fail(new InvalidOption({ option: "safe", reason: `expected true or false, got ${showValue(safe)}` })),
  getLastErrorOptions: Effect.map(Ref.get(ref), (state) => state.options),
  // checked when run, not when called: a call never throws, whatever it is given
  setLastErrorOptions: (options) =>
    Effect.suspend(() =>
      Either.match(validate(options), {
        onLeft: Effect.fail,
        onRight: (valid) => Ref.update(ref, (state) => setOptions(state, valid))
      })
    ),
  unsetLastErrorOptions: (...names) => Effect.suspend(() => unset(ref, names)),
  state: Ref.get(ref)
})

// the named options removed, or an InvalidOption for the first name that is none
const unset = (ref: Ref.Ref<State>, names: ReadonlyArray<OptionName>): Effect.Effect<void, InvalidOption> => {
  const unknown = names.find((name) => !optionNames.includes(name))
  if (unknown === undefined) return Ref.update(ref, (state) => unsetOptions(state, names))
  return Effect.fail(
    typeof unknown === "string"
      ? new InvalidOption({
          option: unknown,
          reason: `unknown option; the getlasterror options are ${optionNames.join(", ")}`
        })
      : new InvalidOption({
          option: "write concern",
          reason: `expected the name of a getlasterror option (${optionNames.join(", ")}), got ${showValue(unknown)}`
        })
  )
}

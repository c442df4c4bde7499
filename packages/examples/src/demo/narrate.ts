/**
 * How the demo talks: headings, aligned tables, a live progress line.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"

const tty = process.stdout.isTTY === true
const paint = (code: string) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text)

/** @since 0.1.0 */
export const bold = paint("1")
/** @since 0.1.0 */
export const dim = paint("2")
/** @since 0.1.0 */
export const green = paint("32")
/** @since 0.1.0 */
export const red = paint("31")
/** @since 0.1.0 */
export const cyan = paint("36")

/**
 * Prints lines.
 *
 * @since 0.1.0
 */
export const say = (...lines: ReadonlyArray<string>) => Effect.sync(() => process.stdout.write(`${lines.join("\n")}\n`))

/**
 * A numbered step's heading and what it is about to show.
 *
 * @since 0.1.0
 */
export const step = (n: number, title: string, about: string) => say("", bold(cyan(`${n}. ${title}`)), dim(about))

/**
 * Indents every line of a text, for an error as a user would see it.
 *
 * @since 0.1.0
 */
export const quote = (text: string) =>
  text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n")

/**
 * An aligned table.
 *
 * @since 0.1.0
 */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>) => {
  const cells = [headers, ...rows.map((row) => row.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)))
  const line = (row: ReadonlyArray<string>) =>
    `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ")}`
  return say(bold(line(headers)), ...cells.slice(1).map(line))
}

/**
 * Seconds since `started`, for a person.
 *
 * @since 0.1.0
 */
export const seconds = (started: number) => `${((performance.now() - started) / 1000).toFixed(1)} s`

/**
 * A progress line: on a terminal one line rewritten in place with a running
 * clock; elsewhere one line per step.
 *
 * @since 0.1.0
 */
export const progress = (label: string) =>
  Effect.gen(function* () {
    const started = performance.now()
    let current = "starting"
    const render = () =>
      process.stdout.write(`\r\x1b[K${cyan("…")} ${label}: ${current} ${dim(`(${seconds(started)})`)}`)
    const ticker = tty
      ? yield* Effect.forkScoped(Effect.sync(render).pipe(Effect.repeat(Schedule.spaced("100 millis"))))
      : undefined
    return {
      update: (text: string) =>
        Effect.sync(() => {
          current = text
          if (tty) render()
          else process.stdout.write(`  ${label}: ${text}\n`)
        }),
      done: (text: string) =>
        Effect.gen(function* () {
          if (ticker !== undefined) yield* Fiber.interrupt(ticker)
          yield* Effect.sync(() =>
            process.stdout.write(
              `${tty ? "\r\x1b[K" : ""}${green("✓")} ${label}: ${text} ${dim(`(${seconds(started)})`)}\n`
            )
          )
        })
    }
  })

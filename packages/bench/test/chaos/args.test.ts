import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { parse, reproduce } from "../../src/chaos/args.js"

const ok = (argv: ReadonlyArray<string>) => Either.getOrThrow(parse(argv))
const error = (argv: ReadonlyArray<string>) => Either.flip(parse(argv)).pipe(Either.getOrThrow).reason

describe("chaos args", () => {
  it("defaults to two minutes, a drawn seed, 3 slaves and a final phase", () => {
    expect(ok(["--"])).toEqual({
      durationSeconds: 120,
      seed: undefined,
      slaves: 3,
      json: undefined,
      finalPhase: true,
      quirksOnly: false,
      help: false
    })
  })

  it("takes a duration, a seed and a JSON file, inline or not", () => {
    expect(ok(["--duration", "60", "--seed=13", "--json", "out.json"])).toMatchObject({
      durationSeconds: 60,
      seed: 13,
      json: "out.json"
    })
  })

  it("says what is wrong", () => {
    expect(error(["--duration", "5"])).toContain("between 20")
    expect(error(["--seed", "-1"])).toContain("whole number")
    expect(error(["--slaves", "1"])).toContain("between 2 and 8")
    expect(error(["--json"])).toBe("--json needs a file name")
    expect(error(["--nope"])).toContain('unknown argument "--nope"')
  })

  it("says how to reproduce a run", () => {
    expect(reproduce(ok(["--duration", "60"]), 7)).toBe("npm run chaos -- --duration 60 --seed 7")
    expect(reproduce(ok(["--slaves", "4", "--no-final-phase"]), 7)).toBe(
      "npm run chaos -- --duration 120 --seed 7 --slaves 4 --no-final-phase"
    )
  })
})

import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { parse } from "../src/args.js"
import { caseIds } from "../src/results.js"

const ok = (argv: ReadonlyArray<string>) => Either.getOrThrow(parse(argv))
const error = (argv: ReadonlyArray<string>) => Either.flip(parse(argv)).pipe(Either.getOrThrow).reason

describe("args", () => {
  it("defaults to a full run of every case", () => {
    expect(ok([])).toEqual({
      quick: false,
      json: undefined,
      markdown: undefined,
      only: caseIds,
      render: undefined,
      help: false
    })
  })

  it("skips the literal -- the run script puts first", () => {
    expect(ok(["--", "--quick", "--json", "out.json"])).toMatchObject({ quick: true, json: "out.json" })
  })

  it("takes values inline or as the next argument", () => {
    expect(ok(["--markdown=bench.md", "--json", "o.json"])).toMatchObject({ markdown: "bench.md", json: "o.json" })
  })

  it("renders a saved run", () => {
    expect(ok(["--render", "out.json", "--markdown", "b.md"])).toMatchObject({ render: "out.json", markdown: "b.md" })
  })

  it("keeps the issue's order of the cases given to --only", () => {
    expect(ok(["--only", "writes,routing"]).only).toEqual(["routing", "writes"])
  })

  it("runs the consistency case alone, after the others when named with them", () => {
    expect(ok(["--only", "consistency"]).only).toEqual(["consistency"])
    expect(ok(["--only=consistency,reads"]).only).toEqual(["reads", "consistency"])
  })

  it("says what is wrong", () => {
    expect(error(["--json"])).toBe("--json needs a file name")
    expect(error(["--json", "--quick"])).toBe("--json needs a file name")
    expect(error(["--only", "nope"])).toContain('unknown case "nope"')
    expect(error(["--fast"])).toBe('unknown argument "--fast"')
  })

  it("runs the fault cases and the overhead case by name, in the run's order", () => {
    expect(ok(["--only", "master-blackholed,overhead,all-slaves-down,failing-slave"]).only).toEqual([
      "overhead",
      "failing-slave",
      "all-slaves-down",
      "master-blackholed"
    ])
  })
})

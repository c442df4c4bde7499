import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as LogLevel from "effect/LogLevel"
import { classify } from "../../src/chaos/defects.js"

const unhandled = "Fiber terminated with an unhandled error"

describe("defects", () => {
  it("counts a fiber that died as a defect, one that failed with a typed error as not", () => {
    expect(classify(unhandled, Cause.die(new Error("boom")), LogLevel.Error)).toBe("defect")
    expect(classify(unhandled, Cause.fail({ _tag: "NodeUnavailable" }), LogLevel.Error)).toBe("fiber-failure")
  })

  it("counts error logs as defects and keeps warnings apart", () => {
    expect(classify("something broke", Cause.empty, LogLevel.Error)).toBe("defect")
    expect(classify("the heartbeat failed", Cause.empty, LogLevel.Warning)).toBe("warning")
    expect(classify("hello", Cause.empty, LogLevel.Info)).toBe("other")
  })
})

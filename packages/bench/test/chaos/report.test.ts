import { describe, expect, it } from "@effect/vitest"
import { check } from "../../src/chaos/checks.js"
import * as Config from "../../src/chaos/config.js"
import type { OpRecord } from "../../src/chaos/records.js"
import { type ChaosReport, loopDelay, operationStats, renderTerminal } from "../../src/chaos/report.js"

const op = (kind: OpRecord["kind"], ms: number, ok = true): OpRecord => ({ kind, fiber: "t", start: 0, end: ms, ok })

const report = (passed: boolean): ChaosReport => ({
  format: "mongo-master-slave-chaos/1",
  seed: 13,
  durationSeconds: 60,
  command: "npm run chaos -- --duration 60 --seed 13",
  reproduce: "npm run chaos -- --duration 60 --seed 13",
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:01:30.000Z",
  wallSeconds: 90,
  machine: { cpus: 2, model: "test", node: "v20", loadAverage: [1, 1, 1] },
  config: Config.make({ slaves: 3, finalPhase: true, durationSeconds: 60 }),
  phases: { mainEnd: 45, final: { start: 45, allDown: 45, stopped: 52.5, liftAt: 60, end: 61 }, workloadEnd: 61 },
  quirks: {
    inc: {
      clients: 8,
      incrementsPerClient: 40,
      acknowledged: 320,
      final: 200,
      lost: 120,
      sequential: { acknowledged: 320, final: 320 }
    },
    w0: { rounds: 5, wrongAnswers: 5, controlWrongAnswers: 5, example: "x", controlExample: "y" },
    incLosesUpdates: true,
    w0Desync: "every write",
    lines: ["concurrent $inc: LOST"]
  },
  faults: [],
  faultCounts: {
    "slave-stop": 2,
    "slave-blackhole": 0,
    "slave-slow": 0,
    "slave-delay": 0,
    "slave-pause": 0,
    "master-blackhole": 1,
    "master-reset": 0
  },
  operations: { main: operationStats([op("insert", 10), op("insert", 30, false)], 10), final: [] },
  checks: [
    check({ id: "budget", title: "operations past their budget", violations: passed ? [] : ["findOne took 6000 ms"] }),
    check({ id: "shared-counter", title: "shared", subject: "stand-in", violations: ["lost 3"], informational: true })
  ],
  oracle: { probes: 100, failedProbes: 3, proxyProbes: 90, failedProxyProbes: 2, markers: { acked: 50, failed: 0 } },
  eventLoopDelay: loopDelay([], 0),
  logs: { warnings: 0, examples: [], fiberFailures: 0 },
  acknowledgedInserts: 1,
  passed
})

describe("chaos report", () => {
  it("summarises each kind of operation", () => {
    const [insert] = operationStats([op("insert", 10), op("insert", 30, false), op("findOne", 5)], 10)
    expect(insert).toMatchObject({ kind: "insert", count: 2, ok: 1, failed: 1, okPerSec: 0.1, max: 30 })
  })

  it("prints the seed, the faults, the checks and how to reproduce a failure", () => {
    const text = renderTerminal(report(false))
    expect(text).toContain("seed 13")
    expect(text).toContain("slave-stop ×2, master-blackhole ×1")
    expect(text).toContain("FAIL")
    expect(text).toContain("not counted (stand-in)")
    expect(text).toContain("Reproduce with: npm run chaos -- --duration 60 --seed 13")
  })

  it("says when every check holds", () => {
    expect(renderTerminal(report(true))).toContain("PASSED")
  })

  it("finds the longest stall", () => {
    expect(
      loopDelay(
        [
          { at: 1_000, millis: 30 },
          { at: 2_000, millis: 150 },
          { at: 3_000, millis: 400 }
        ],
        0
      )
    ).toEqual({ stalls: 2, max: 400, maxAt: 3, total: 550 })
  })
})

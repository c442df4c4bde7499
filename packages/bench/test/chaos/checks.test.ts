import { describe, expect, it } from "@effect/vitest"
import * as Checks from "../../src/chaos/checks.js"
import * as Config from "../../src/chaos/config.js"
import type { FaultRecord, OpKind, OpRecord, Phases } from "../../src/chaos/records.js"
import type { Probe } from "../../src/chaos/timeline.js"

const config = Config.make({ slaves: 2, finalPhase: true, durationSeconds: 60 })
const oracle = config.oracle

/** A node answering the oracle every 75 ms over [from, to), showing a marker `lag` ms old. */
const answering = (node: number, from: number, to: number, lag = 0): Array<Probe> => {
  const probes: Array<Probe> = []
  for (let t = from; t < to; t += 75) probes.push({ node, start: t, end: t + 2, ok: true, marker: t - lag })
  return probes
}

/** A node failing every probe over [from, to). */
const silent = (node: number, from: number, to: number): Array<Probe> => {
  const probes: Array<Probe> = []
  for (let t = from; t < to; t += 75) probes.push({ node, start: t, end: t + 250, ok: false })
  return probes
}

const fault = (
  kind: FaultRecord["kind"],
  target: number,
  from: number,
  to: number | undefined,
  extra: Partial<FaultRecord> = {}
): FaultRecord => ({
  id: 1,
  kind,
  target,
  at: from,
  duration: (to ?? from) - from,
  amount: 0,
  phase: "main",
  injectedAt: from,
  injectedDone: from + 1,
  liftedAt: to,
  liftedDone: to === undefined ? undefined : to + 1,
  ...extra
})

const op = (kind: OpKind, start: number, end: number, extra: Partial<OpRecord> = {}): OpRecord => ({
  kind,
  fiber: "t0",
  start,
  end,
  ok: false,
  error: { tag: "AllSlavesUnavailable", message: "no slave answered" },
  ...extra
})

const everyoneUp = [...answering(-1, 0, 20_000), ...answering(0, 0, 20_000), ...answering(1, 0, 20_000)]

const find = (checks: ReadonlyArray<Checks.Check>, id: string) => checks.find((c) => c.id === id)!

const judge = (ops: ReadonlyArray<OpRecord>, probes: ReadonlyArray<Probe>, faults: ReadonlyArray<FaultRecord>) =>
  Checks.availabilityChecks(ops, Checks.availability(probes, faults, oracle, 2, 20_000), config, 0)

describe("availability checks", () => {
  it("counts a read that failed while a slave was alive and unfaulted", () => {
    const checks = judge([op("findOne", 1_000, 1_100)], everyoneUp, [])
    expect(find(checks, "reads-failed-slave-alive").count).toBe(1)
    expect(find(checks, "reads-failed-slave-alive").fails).toBe(true)
  })

  it("does not count a read that failed while every slave was down or faulted", () => {
    const probes = [...answering(-1, 0, 20_000), ...silent(0, 0, 20_000), ...answering(1, 0, 20_000)]
    const checks = judge([op("findOne", 1_000, 1_100)], probes, [fault("slave-blackhole", 1, 500, 3_000)])
    expect(find(checks, "reads-failed-slave-alive").count).toBe(0)
  })

  it("gives a slave a grace period after its fault is lifted, and says so in the raw count", () => {
    const probes = [...answering(-1, 0, 20_000), ...silent(0, 0, 20_000), ...answering(1, 0, 20_000)]
    const faults = [fault("slave-blackhole", 1, 500, 3_000)]
    const inGrace = judge([op("findOne", 3_200, 3_300)], probes, faults)
    expect(find(inGrace, "reads-failed-slave-alive").count).toBe(0)
    expect(find(inGrace, "reads-failed-slave-alive").detail).toContain("raw: 1 ")
    const after = judge([op("findOne", 3_000 + oracle.graceMillis + 100, 4_500)], probes, faults)
    expect(find(after, "reads-failed-slave-alive").count).toBe(1)
  })

  it("needs a slave alive for the whole read, not only at its start", () => {
    const probes = [...answering(-1, 0, 20_000), ...answering(0, 0, 1_050), ...silent(0, 1_050, 20_000)]
    expect(find(judge([op("count", 1_000, 3_000)], probes, []), "reads-failed-slave-alive").count).toBe(0)
  })

  it("counts bounded reads only when a fresh slave and the master were up", () => {
    const staleSlaves = [
      ...answering(-1, 0, 20_000),
      ...answering(0, 0, 20_000, 5_000),
      ...answering(1, 0, 20_000, 5_000)
    ]
    expect(find(judge([op("findOne.bounded", 5_000, 5_100)], staleSlaves, []), "bounded-reads-failed").count).toBe(0)
    expect(find(judge([op("findOne.bounded", 5_000, 5_100)], everyoneUp, []), "bounded-reads-failed").count).toBe(1)
    // the master blackholed within maxStaleness before the read: no heartbeat could prove a slave fresh
    const masterDown = [fault("master-blackhole", -1, 3_000, 4_000)]
    expect(
      find(judge([op("findOne.bounded", 5_000, 5_100)], everyoneUp, masterDown), "bounded-reads-failed").count
    ).toBe(0)
  })

  it("judges a cursor's later batch by its own node", () => {
    const faults = [fault("slave-blackhole", 0, 500, 8_000)]
    const onFaulted = op("stream.getMore", 1_000, 3_000, { node: 0, error: { tag: "NodeUnavailable", message: "x" } })
    const onHealthy = op("stream.getMore", 1_000, 1_010, { node: 1, error: { tag: "NodeUnavailable", message: "x" } })
    const checks = judge([onFaulted, onHealthy], everyoneUp, faults)
    expect(find(checks, "cursor-batches-failed").count).toBe(1)
    expect(find(checks, "cursor-batches-failed").examples[0]).toContain("slave 1")
  })

  it("counts writes and master reads that failed while the master was up", () => {
    const write = op("insert", 1_000, 1_010, { error: { tag: "NodeUnavailable", message: "x" } })
    const read = op("request.read", 1_000, 1_010, { error: { tag: "NodeUnavailable", message: "x" } })
    expect(find(judge([write], everyoneUp, []), "writes-failed").count).toBe(1)
    expect(find(judge([read], everyoneUp, []), "master-reads-failed").count).toBe(1)
    const reset = [fault("master-reset", -1, 900, 1_200)]
    expect(find(judge([write], everyoneUp, reset), "writes-failed").count).toBe(0)
    expect(find(judge([read], everyoneUp, reset), "master-reads-failed").count).toBe(0)
  })

  it("tells slow answers from dead slaves, and shows the library's view", () => {
    const slow = op("count", 1_000, 7_000, {
      error: {
        tag: "AllSlavesUnavailable",
        message:
          "no slave answered the read (2 tried): | - slave 0 (a) is unavailable: no answer within the attempt timeout (2000 ms) | - slave 1 (b) is unavailable: no answer within the attempt timeout (2000 ms)"
      }
    })
    const refused = op("findOne", 1_000, 1_010, {
      error: {
        tag: "AllSlavesUnavailable",
        message:
          "no slave answered the read (2 tried): | - slave 0 (a) is unavailable: no answer within the attempt timeout (2000 ms) | - slave 1 (b) is unavailable: connect ECONNREFUSED"
      }
    })
    expect(Checks.everyAttemptTimedOut(slow)).toBe(true)
    expect(Checks.everyAttemptTimedOut(refused)).toBe(false)
    const samples = [{ at: 900, down: [true, false], staleness: [undefined, 300] }]
    const check = find(
      Checks.availabilityChecks(
        [slow, refused],
        Checks.availability(everyoneUp, [], oracle, 2, 20_000),
        config,
        0,
        samples
      ),
      "reads-failed-slave-alive"
    )
    expect(check.count).toBe(2)
    expect(check.detail).toContain("1 ran out of the attempt timeout")
    expect(check.detail).toContain("count 1, findOne 1")
    expect(check.examples[0]).toContain("slave 0 down, staleness unknown; slave 1 up, 0.3 s behind at most")
  })

  it("does not hold the library to a slave its proxy would not pass, and reports the proxy", () => {
    // straight on slave 0 all is well; through its proxy nothing gets through from 1 s to 5 s
    const through = (node: number, from: number, to: number, ok: boolean): Array<Probe> =>
      Array.from({ length: Math.ceil((to - from) / 100) }, (_, i) => ({
        node,
        start: from + i * 100,
        end: from + i * 100 + (ok ? 3 : 2_000),
        ok,
        via: "proxy" as const
      }))
    const probes = [
      ...answering(-1, 0, 20_000),
      ...answering(0, 0, 20_000),
      ...silent(1, 0, 20_000),
      ...through(-1, 0, 20_000, true),
      ...through(0, 0, 1_000, true),
      ...through(0, 1_000, 5_000, false),
      ...through(0, 5_000, 20_000, true)
    ]
    const available = Checks.availability(probes, [], oracle, 2, 20_000)
    const checks = Checks.availabilityChecks(
      [op("findOne", 2_000, 2_100), op("findOne", 8_000, 8_100)],
      available,
      config,
      0
    )
    expect(find(checks, "reads-failed-slave-alive").count).toBe(1)
    const path = Checks.pathCheck(available, 1_000, 0)
    expect(path.count).toBe(1)
    expect(path.subject).toBe("harness")
    expect(path.fails).toBe(true)
    expect(path.examples[0]).toContain("slave 0 answered straight but not through its proxy from +1.000 s")
  })

  it("never counts an operation that succeeded", () => {
    const checks = judge([op("findOne", 1_000, 1_100, { ok: true, error: undefined })], everyoneUp, [])
    expect(checks.every((c) => c.count === 0)).toBe(true)
  })
})

describe("consistency checks", () => {
  const read = (kind: OpKind, seen: number | undefined, ackedAt = 900, start = 1_000) =>
    op(kind, start, start + 10, {
      ok: true,
      error: undefined,
      expect: { id: "q0-1", version: 2, ackedAt },
      seenVersion: seen
    })

  it("counts a request or causal read that missed its own write", () => {
    const checks = Checks.consistencyChecks(
      [read("request.read", undefined), read("causal.read", 1), read("request.read", 2), read("causal.read", 3)],
      config,
      0
    )
    expect(find(checks, "read-your-writes").count).toBe(2)
  })

  it("counts a bounded read that missed a write older than maxStaleness, not a younger one", () => {
    const maxStaleness = config.library.boundedReadMaxStalenessMillis
    const old = read("findOne.bounded", undefined, 10_000 - maxStaleness - 1, 10_000)
    const young = read("findOne.bounded", undefined, 10_000 - maxStaleness + 100, 10_000)
    const checks = Checks.consistencyChecks([old, young], config, 0)
    expect(find(checks, "bounded-staleness").count).toBe(1)
  })

  it("counts wrong answers", () => {
    const wrong = op("findOne", 0, 1, { ok: true, error: undefined, wrong: "asked for a, got b" })
    expect(find(Checks.consistencyChecks([wrong], config, 0), "wrong-answers").count).toBe(1)
  })
})

describe("budget check", () => {
  it("counts operations past their budget and the slack, slowest first", () => {
    const { readTimeoutMillis, operationTimeoutMillis, slackMillis } = config.budgets
    const ops = [
      op("findOne", 0, readTimeoutMillis + slackMillis - 1),
      op("findOne", 0, readTimeoutMillis + slackMillis + 1),
      op("insert", 0, operationTimeoutMillis + 5_000),
      op("insert", 0, readTimeoutMillis + 1_000)
    ]
    const check = Checks.budgetCheck(ops, config.budgets, 0, [{ at: 100, millis: 300 }])
    expect(check.count).toBe(2)
    expect(check.examples[0]).toContain("insert")
    expect(check.examples[0]).toContain("stalled 300 ms")
    expect(check.detail).toContain("+5000 ms")
  })

  it("holds a cursor's later batch to one attempt", () => {
    expect(Checks.budgetOf("stream.getMore", config.budgets)).toBe(config.library.attemptTimeoutMillis)
    expect(Checks.budgetOf("causal.write", config.budgets)).toBe(config.budgets.operationTimeoutMillis)
    expect(Checks.budgetOf("findOne.fallback", config.budgets)).toBe(config.budgets.readTimeoutMillis)
  })
})

describe("all-down check", () => {
  const phases: Phases = {
    start: 0,
    mainEnd: 10_000,
    final: { start: 10_000, allDown: 10_010, stopped: 15_000, liftAt: 20_000, end: 20_500 },
    workloadEnd: 20_500
  }

  it("wants every read to fail with AllSlavesUnavailable while every slave is down", () => {
    const ops = [
      op("findOne.allDown", 11_000, 17_000),
      op("findOne.allDown", 16_000, 16_010),
      op("findOne.allDown", 12_000, 12_100, { ok: true, error: undefined }),
      op("findOne.allDown", 12_000, 12_100, { error: { tag: "ServerError", message: "x" } }),
      // ends after the slaves came back: not judged
      op("findOne.allDown", 19_000, 21_000, { ok: true, error: undefined })
    ]
    const check = Checks.allDownCheck(ops, phases, 0)!
    expect(check.count).toBe(2)
    expect(check.detail).toContain("6000 ms with every slave blackholed")
    expect(check.detail).toContain("10 ms with every slave stopped")
  })

  it("is absent without a final phase", () => {
    expect(Checks.allDownCheck([], { ...phases, final: undefined }, 0)).toBeUndefined()
  })
})

describe("stuck check", () => {
  it("counts a slave kept down by the library for long while the oracle had it up", () => {
    const available = Checks.availability(everyoneUp, [], oracle, 2, 20_000)
    const samples = Array.from({ length: 60 }, (_, i) => ({ at: i * 250, down: [i >= 8 && i < 40, i === 3] }))
    const check = Checks.stuckCheck(samples, available, oracle, 0)
    expect(check.count).toBe(1)
    expect(check.examples[0]).toContain("slave 0")
  })
})

describe("oracle check", () => {
  it("catches an oracle that saw a stopped slave answer, or never saw it come back", () => {
    const stop = fault("slave-stop", 0, 1_000, 5_000)
    const truthful = [...answering(0, 0, 1_000), ...silent(0, 1_000, 5_000), ...answering(0, 5_500, 20_000)]
    expect(Checks.oracleCheck(truthful, [stop], oracle, 2_000, 20_000, 0).count).toBe(0)
    const liar = answering(0, 0, 20_000)
    expect(Checks.oracleCheck(liar, [stop], oracle, 2_000, 20_000, 0).count).toBe(1)
    const blind = [...answering(0, 0, 1_000), ...silent(0, 1_000, 20_000)]
    expect(Checks.oracleCheck(blind, [stop], oracle, 2_000, 20_000, 0).count).toBe(1)
    // stopped again at once: it had no time to come back
    const again = fault("slave-stop", 0, 5_002, 20_000, { id: 2 })
    expect(Checks.oracleCheck(blind, [stop, again], oracle, 2_000, 20_000, 0).count).toBe(0)
  })
})

describe("defect check", () => {
  it("counts defects of operations and of the process", () => {
    const check = Checks.defectCheck(
      [op("findOne", 0, 1, { error: undefined, defect: "die: boom" })],
      { unhandledRejections: ["x"], uncaughtExceptions: [], loggedErrors: ["y"] },
      0
    )
    expect(check.count).toBe(3)
  })
})

import { describe, expect, it } from "@effect/vitest"
import type { Check } from "../../src/chaos/checks.js"
import * as DataChecks from "../../src/chaos/dataChecks.js"

const find = (checks: ReadonlyArray<Check>, id: string) => checks.find((c) => c.id === id)!

describe("data checks", () => {
  const ledger: DataChecks.Ledger = {
    inserts: new Map([
      ["a", true],
      ["b", true],
      ["c", false]
    ]),
    versions: new Map([
      ["a", { acked: 3, attempted: 4 }],
      ["b", { acked: 0, attempted: 0 }],
      ["c", { acked: -1, attempted: 0 }]
    ]),
    counters: new Map([
      ["own-w0", { acked: 10, attempted: 11, shared: false }],
      ["shared", { acked: 20, attempted: 20, shared: true }]
    ])
  }

  it("finds nothing wrong in data that holds every acknowledged write", () => {
    const report = DataChecks.compareData(ledger, {
      versions: new Map([
        ["a", 4],
        ["b", 0]
      ]),
      counters: new Map([
        ["own-w0", 11],
        ["shared", 20]
      ])
    })
    expect(report).toEqual({ missing: [], behind: [], countersBelow: [], sharedLost: 0, sharedAcked: 20, phantoms: [] })
  })

  it("finds lost inserts, updates and increments, and phantoms", () => {
    const report = DataChecks.compareData(ledger, {
      versions: new Map([
        ["a", 2],
        ["z", 0]
      ]),
      counters: new Map([
        ["own-w0", 9],
        ["shared", 15],
        ["other", 1]
      ])
    })
    expect(report.missing).toEqual(["b"])
    expect(report.behind).toHaveLength(1)
    expect(report.countersBelow).toHaveLength(1)
    expect(report.sharedLost).toBe(5)
    expect(report.phantoms).toHaveLength(2)
  })

  it("counts the shared counter against the library unless the stand-in was shown to lose increments", () => {
    const lossy = DataChecks.compareData(ledger, {
      versions: new Map([
        ["a", 3],
        ["b", 0]
      ]),
      counters: new Map([
        ["own-w0", 10],
        ["shared", 19]
      ])
    })
    const standIn = find(DataChecks.dataChecks(lossy, [lossy], true), "shared-counter")
    expect(standIn.count).toBe(2)
    expect(standIn.fails).toBe(false)
    expect(standIn.subject).toBe("stand-in")
    expect(find(DataChecks.dataChecks(lossy, [lossy], false), "shared-counter").fails).toBe(true)
    // own counters stay strict either way
    const own = DataChecks.compareData(ledger, {
      versions: new Map([
        ["a", 3],
        ["b", 0]
      ]),
      counters: new Map([["own-w0", 9]])
    })
    expect(find(DataChecks.dataChecks(own, [], true), "writes-lost-master").fails).toBe(true)
  })

  it("counts a slave that could not be read as a loss", () => {
    const clean = DataChecks.compareData(ledger, {
      versions: new Map([
        ["a", 3],
        ["b", 0]
      ]),
      counters: new Map([
        ["own-w0", 10],
        ["shared", 20]
      ])
    })
    const checks = DataChecks.dataChecks(clean, [clean, { unreadable: "no answer" }], false)
    expect(find(checks, "writes-lost-slaves").count).toBe(1)
    expect(find(checks, "writes-lost-master").count).toBe(0)
  })
})

import { describe, expect, it } from "@effect/vitest"
import { defaultHeartbeat, type Sent, since, tally } from "../src/commands.js"

const reads = [
  { database: "msc_bench", collection: "reads" },
  { database: "msc_bench", collection: "causal" }
]

const counted = (sent: ReadonlyArray<Sent>) => {
  const counts = { servedBy: {} as Record<string, number>, heartbeats: 0, probes: 0 }
  for (const s of sent) tally(counts, s, reads, defaultHeartbeat)
  return counts
}

describe("commands", () => {
  it("counts the benchmark's reads by node, the heartbeats and the probes, nothing else", () => {
    expect(
      counted([
        { node: "slave-0", commandName: "find", database: "msc_bench", collection: "reads" },
        { node: "slave-1", commandName: "find", database: "msc_bench", collection: "causal" },
        { node: "master", commandName: "find", database: "msc_bench", collection: "causal" },
        { node: "slave-0", commandName: "find", database: "msc_bench", collection: "reads" },
        // the prober's reads of the heartbeat
        { node: "slave-0", commandName: "find", database: "mongo_master_slave", collection: "heartbeats" },
        { node: "slave-1", commandName: "find", database: "mongo_master_slave", collection: "heartbeats" },
        // the heartbeat itself, and its clean-up
        { node: "master", commandName: "update", database: "mongo_master_slave", collection: "heartbeats" },
        { node: "master", commandName: "delete", database: "mongo_master_slave", collection: "heartbeats" },
        // writes, and reads of other collections
        { node: "master", commandName: "update", database: "msc_bench", collection: "causal" },
        { node: "slave-0", commandName: "find", database: "other", collection: "reads" },
        { node: "slave-0", commandName: "ping", database: "admin", collection: 1 }
      ])
    ).toEqual({ servedBy: { "slave-0": 2, "slave-1": 1, master: 1 }, heartbeats: 1, probes: 2 })
  })

  it("gives what was counted between two readings", () => {
    expect(
      since(
        { servedBy: { master: 2, "slave-0": 5 }, heartbeats: 3, probes: 10 },
        { servedBy: { master: 2, "slave-0": 9, "slave-1": 4 }, heartbeats: 7, probes: 18 }
      )
    ).toEqual({ servedBy: { "slave-0": 4, "slave-1": 4 }, heartbeats: 4, probes: 8 })
  })
})

import { describe, expect, it } from "@effect/vitest"
import type { Check } from "../../src/chaos/checks.js"
import { describeResources, excess, type Leftovers, leakChecks, parseTcp } from "../../src/chaos/leaks.js"

const find = (checks: ReadonlyArray<Check>, id: string) => checks.find((c) => c.id === id)!

describe("leaks", () => {
  it("counts what is active beyond a baseline", () => {
    expect(excess({ Timeout: 2, TTYWrap: 1 }, { Timeout: 1, TTYWrap: 1, TCPSocketWrap: 3 })).toEqual({
      TCPSocketWrap: 3
    })
    expect(describeResources({ TCPSocketWrap: 3, Timeout: 1 })).toBe("3 TCPSocketWrap, 1 Timeout")
  })

  it("reads /proc/net/tcp", () => {
    const text = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:9C40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0",
      "   1: 0100007F:D431 0100007F:6989 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 20 4 30 10 -1"
    ].join("\n")
    expect(parseTcp(text)).toEqual([
      { localPort: 40000, remotePort: 0, state: "0A", inode: 1111 },
      { localPort: 54321, remotePort: 27017, state: "01", inode: 2222 }
    ])
  })
})

describe("leak checks", () => {
  const none: Leftovers = {
    resources: {},
    sockets: [],
    proxyConnections: 0,
    resourcesAfterCluster: {},
    processes: [],
    children: [],
    tempDir: undefined
  }

  it("passes with nothing left", () => {
    expect(leakChecks(none).every((c) => c.count === 0)).toBe(true)
  })

  it("counts what was left", () => {
    const checks = leakChecks({
      ...none,
      resources: { TCPSocketWrap: 2 },
      sockets: [{ localPort: 40000, remotePort: 27017, state: "01", inode: 1 }],
      processes: [123],
      tempDir: "/tmp/x"
    })
    expect(find(checks, "leaks-connection").count).toBe(2)
    expect(find(checks, "leaks-cluster").count).toBe(2)
  })
})

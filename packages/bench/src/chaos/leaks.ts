/**
 * Leaks: what a run leaves behind once a scope has closed — active handles
 * and requests (`process.getActiveResourcesInfo()`), sockets of this process
 * still open to the cluster's ports, and processes of the cluster still
 * alive.
 *
 * @since 0.2.0
 */
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import { type Check, check } from "./checks.js"

/**
 * Active resources by type, e.g. `{ TCPSocketWrap: 3, Timeout: 1 }`.
 *
 * @since 0.2.0
 */
export type Resources = Readonly<Record<string, number>>

/**
 * The active resources now.
 *
 * @since 0.2.0
 */
export const resources = (): Resources => {
  const counts: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}

/**
 * What `now` holds beyond `baseline`, type by type (pure).
 *
 * @since 0.2.0
 */
export const excess = (baseline: Resources, now: Resources): Resources => {
  const out: Record<string, number> = {}
  for (const [type, count] of Object.entries(now)) {
    const more = count - (baseline[type] ?? 0)
    if (more > 0) out[type] = more
  }
  return out
}

/**
 * `{ TCPSocketWrap: 2 }` as `2 TCPSocketWrap`.
 *
 * @since 0.2.0
 */
export const describeResources = (resources: Resources): string =>
  Object.entries(resources)
    .map(([type, count]) => `${count} ${type}`)
    .join(", ")

/**
 * One line of `/proc/net/tcp`: local and remote ports, state, inode.
 *
 * @since 0.2.0
 */
export interface TcpEntry {
  readonly localPort: number
  readonly remotePort: number
  /** The kernel's state code: `01` established, `0A` listening, ... */
  readonly state: string
  readonly inode: number
}

/**
 * Parses `/proc/net/tcp` or `/proc/net/tcp6` (pure).
 *
 * @since 0.2.0
 */
export const parseTcp = (text: string): ReadonlyArray<TcpEntry> =>
  text
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 9)
    .map((fields) => ({
      localPort: Number.parseInt(fields[1]!.split(":")[1]!, 16),
      remotePort: Number.parseInt(fields[2]!.split(":")[1]!, 16),
      state: fields[3]!,
      inode: Number(fields[9])
    }))

const readOr = (path: string, fallback: string) => {
  try {
    return Fs.readFileSync(path, "utf8")
  } catch {
    return fallback
  }
}

/** The inodes of the sockets this process holds. */
const ownSocketInodes = (): ReadonlySet<number> => {
  const inodes = new Set<number>()
  let fds: Array<string> = []
  try {
    fds = Fs.readdirSync("/proc/self/fd")
  } catch {
    return inodes
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(Fs.readlinkSync(`/proc/self/fd/${fd}`))
      if (match !== null) inodes.add(Number(match[1]))
    } catch {
      // closed meanwhile
    }
  }
  return inodes
}

/**
 * Sockets of this process, other than listening ones, with one end on one of
 * `ports`: connections to the cluster's nodes and proxies still open. Linux
 * only (`/proc`); `undefined` elsewhere.
 *
 * @since 0.2.0
 */
export const openSockets = (ports: ReadonlySet<number>): ReadonlyArray<TcpEntry> | undefined => {
  if (!Fs.existsSync("/proc/self/fd")) return undefined
  const own = ownSocketInodes()
  const entries = [...parseTcp(readOr("/proc/net/tcp", "")), ...parseTcp(readOr("/proc/net/tcp6", ""))]
  return entries.filter(
    (e) => own.has(e.inode) && e.state !== "0A" && (ports.has(e.remotePort) || ports.has(e.localPort))
  )
}

/**
 * Processes among `pids` still alive (zombies included: not reaped).
 *
 * @since 0.2.0
 */
export const aliveProcesses = (pids: ReadonlyArray<number>): ReadonlyArray<number> =>
  pids.filter((pid) => {
    try {
      process.kill(pid, 0)
      return true
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM"
    }
  })

/**
 * This process's children (from `/proc`, Linux only): `pid` and command.
 *
 * @since 0.2.0
 */
export const children = (): ReadonlyArray<{ readonly pid: number; readonly command: string }> => {
  let entries: Array<string> = []
  try {
    entries = Fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))
  } catch {
    return []
  }
  const out: Array<{ pid: number; command: string }> = []
  for (const name of entries) {
    const stat = readOr(`/proc/${name}/stat`, "")
    // pid (comm) state ppid ...: comm may hold spaces and parentheses
    const close = stat.lastIndexOf(")")
    if (close === -1) continue
    const ppid = Number(stat.slice(close + 2).split(" ")[1])
    if (ppid === process.pid) out.push({ pid: Number(name), command: stat.slice(stat.indexOf("(") + 1, close) })
  }
  return out
}

/**
 * Polls `measure` until `settled` holds or `timeout` passes (sockets and
 * handles close a few ticks after their owner): the last measure.
 *
 * @since 0.2.0
 */
export const settle = <A>(measure: () => A, settled: (a: A) => boolean, timeout = 5_000): Effect.Effect<A> =>
  Effect.gen(function* () {
    const until = performance.now() + timeout
    let value = measure()
    while (!settled(value) && performance.now() < until) {
      yield* Effect.sleep(50)
      value = measure()
    }
    return value
  })

/**
 * What a run left behind once its scopes had closed.
 *
 * @since 0.2.0
 */
export interface Leftovers {
  /** After the connections' scope closed: resources beyond those held before it opened. */
  readonly resources: Resources
  /** Sockets of this process still open to the cluster's nodes or proxies (`undefined`: cannot tell here). */
  readonly sockets: ReadonlyArray<TcpEntry> | undefined
  /** Connections the proxies still carried. */
  readonly proxyConnections: number
  /** After the cluster's scope closed: resources beyond those held before the run. */
  readonly resourcesAfterCluster: Resources
  /** The cluster's processes still alive. */
  readonly processes: ReadonlyArray<number>
  /** Children of this process still there. */
  readonly children: ReadonlyArray<{ readonly pid: number; readonly command: string }>
  /** The cluster's temporary directory, if it is still there. */
  readonly tempDir: string | undefined
}

/**
 * The leak checks: handles and sockets once the connections are closed,
 * processes once the cluster is.
 *
 * @since 0.2.0
 */
export const leakChecks = (left: Leftovers): ReadonlyArray<Check> => {
  const handles = Object.keys(left.resources).length === 0 ? [] : [`still active: ${describeResources(left.resources)}`]
  const sockets = (left.sockets ?? []).map(
    (s) => `socket ${s.localPort} → ${s.remotePort} (state ${s.state}) still open`
  )
  const proxies = left.proxyConnections > 0 ? [`the proxies still carry ${left.proxyConnections} connections`] : []
  const afterCluster =
    Object.keys(left.resourcesAfterCluster).length === 0
      ? []
      : [`still active after the cluster closed: ${describeResources(left.resourcesAfterCluster)}`]
  return [
    check({
      id: "leaks-connection",
      title: "leaked handles/sockets after the connections closed",
      violations: [...handles, ...sockets, ...proxies],
      detail:
        left.sockets === undefined
          ? "process.getActiveResourcesInfo() against its value before; sockets not checked (no /proc)"
          : "process.getActiveResourcesInfo() against its value before; this process's sockets to the nodes and proxies (/proc)"
    }),
    check({
      id: "leaks-cluster",
      title: "leaked processes/handles after the cluster closed",
      violations: [
        ...left.processes.map((pid) => `cluster process ${pid} still alive`),
        ...left.children.map((c) => `child process ${c.pid} (${c.command}) still there`),
        ...(left.tempDir === undefined ? [] : [`temporary directory ${left.tempDir} still there`]),
        ...afterCluster
      ]
    })
  ]
}

/**
 * The data checks: what the workload's ledger says must be on a node, against
 * what is there at the end. Pure.
 *
 * @since 0.2.0
 */
import { type Check, check } from "./checks.js"

/**
 * What the workload wrote: every insert tried (acknowledged or not), the
 * versions of every document, every counter.
 *
 * @since 0.2.0
 */
export interface Ledger {
  /** Every `_id` an insert was sent for, and whether it was acknowledged. */
  readonly inserts: ReadonlyMap<string, boolean>
  /** Each document's highest acknowledged and highest attempted version (an insert is version 0). */
  readonly versions: ReadonlyMap<string, { readonly acked: number; readonly attempted: number }>
  /** Each counter's acknowledged and attempted increments; `shared` when several fibers increment it at once. */
  readonly counters: ReadonlyMap<
    string,
    { readonly acked: number; readonly attempted: number; readonly shared: boolean }
  >
}

/**
 * What one node holds at the end.
 *
 * @since 0.2.0
 */
export interface NodeData {
  /** Every document's `_id` and version. */
  readonly versions: ReadonlyMap<string, number>
  readonly counters: ReadonlyMap<string, number>
}

/**
 * One node's data against the ledger.
 *
 * @since 0.2.0
 */
export interface DataReport {
  /** Acknowledged inserts missing. */
  readonly missing: ReadonlyArray<string>
  /** Documents behind their last acknowledged version. */
  readonly behind: ReadonlyArray<string>
  /** Counters (not shared) below their acknowledged increments. */
  readonly countersBelow: ReadonlyArray<string>
  /** Shared counters below their acknowledged increments: how many increments are missing in all. */
  readonly sharedLost: number
  readonly sharedAcked: number
  /** Documents never inserted, versions never written, counters above every increment tried. */
  readonly phantoms: ReadonlyArray<string>
}

/**
 * Compares one node's data with the ledger.
 *
 * @since 0.2.0
 */
export const compareData = (ledger: Ledger, data: NodeData): DataReport => {
  const missing: Array<string> = []
  const behind: Array<string> = []
  const countersBelow: Array<string> = []
  const phantoms: Array<string> = []
  let sharedLost = 0
  let sharedAcked = 0
  for (const [id, acked] of ledger.inserts) {
    if (acked && !data.versions.has(id)) missing.push(id)
  }
  for (const [id, found] of data.versions) {
    const expected = ledger.versions.get(id)
    if (!ledger.inserts.has(id) || expected === undefined) {
      phantoms.push(`document ${id} was never inserted`)
      continue
    }
    if (found < expected.acked) behind.push(`${id} at version ${found}, acknowledged ${expected.acked}`)
    if (found > expected.attempted)
      phantoms.push(`${id} at version ${found}, never written beyond ${expected.attempted}`)
  }
  for (const [id, counter] of ledger.counters) {
    const found = data.counters.get(id) ?? 0
    if (found > counter.attempted) phantoms.push(`counter ${id} at ${found}, only ${counter.attempted} increments sent`)
    if (counter.shared) {
      sharedAcked += counter.acked
      sharedLost += Math.max(0, counter.acked - found)
    } else if (found < counter.acked) {
      countersBelow.push(`counter ${id} at ${found}, ${counter.acked} increments acknowledged`)
    }
  }
  for (const id of data.counters.keys()) {
    if (!ledger.counters.has(id)) phantoms.push(`counter ${id} was never incremented`)
  }
  return { missing, behind, countersBelow, sharedLost, sharedAcked, phantoms }
}

/**
 * The data checks: acknowledged writes lost on the master and on each slave,
 * phantoms, and the shared counter — counted against the library unless the
 * raw driver showed the stand-in losing concurrent increments by itself.
 *
 * @since 0.2.0
 */
export const dataChecks = (
  master: DataReport,
  slaves: ReadonlyArray<DataReport | { readonly unreadable: string }>,
  standInLosesIncrements: boolean
): ReadonlyArray<Check> => {
  const lost = (report: DataReport) => [
    ...report.missing.map((id) => `${id} missing`),
    ...report.behind,
    ...report.countersBelow
  ]
  const slaveLost: Array<string> = []
  const slavePhantoms: Array<string> = []
  const unreadable: Array<string> = []
  slaves.forEach((report, i) => {
    if ("unreadable" in report) {
      unreadable.push(`slave ${i}: ${report.unreadable}`)
      return
    }
    slaveLost.push(...lost(report).map((line) => `slave ${i}: ${line}`))
    slavePhantoms.push(...report.phantoms.map((line) => `slave ${i}: ${line}`))
  })
  const shared = [master, ...slaves.filter((s): s is DataReport => !("unreadable" in s))]
  const sharedLines = shared.flatMap((report, i) =>
    report.sharedLost > 0
      ? [
          `${i === 0 ? "master" : `slave ${i - 1}`}: ${report.sharedLost} of ${report.sharedAcked} acknowledged increments missing`
        ]
      : []
  )
  return [
    check({
      id: "writes-lost-master",
      title: "acknowledged writes lost on the master",
      violations: lost(master),
      detail: "inserts missing, documents behind their acknowledged version, own counters short"
    }),
    check({
      id: "writes-lost-slaves",
      title: "acknowledged writes lost on a slave (after catching up)",
      violations: [...unreadable, ...slaveLost],
      detail: `${slaves.length} slaves read after every fault was lifted and waitForReplication`
    }),
    check({
      id: "phantoms",
      title: "data never written (phantom documents, versions, increments)",
      violations: [...master.phantoms.map((line) => `master: ${line}`), ...slavePhantoms]
    }),
    check({
      id: "shared-counter",
      title: "concurrent $inc increments lost on one shared counter",
      subject: standInLosesIncrements ? "stand-in" : "library",
      violations: sharedLines,
      informational: standInLosesIncrements,
      detail: standInLosesIncrements
        ? "not counted: the raw driver alone loses concurrent $inc on this stand-in (preflight); own counters stay strict"
        : "counted: the preflight saw no such loss with the raw driver"
    })
  ]
}

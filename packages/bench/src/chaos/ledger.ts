/**
 * The workload's ledger: every write it sent and which the master
 * acknowledged, so the end of the run can tell what must be there.
 *
 * @since 0.2.0
 */
import type { Ledger as Snapshot } from "./dataChecks.js"
import type { Prng } from "./prng.js"

interface Versions {
  /** The highest acknowledged version; -1 until the insert is acknowledged. */
  acked: number
  attempted: number
}

/**
 * A mutable ledger, written by the workload's fibers (one JavaScript thread:
 * every update is one synchronous step).
 *
 * @since 0.2.0
 */
export class Ledger {
  private readonly inserts = new Map<string, boolean>()
  private readonly versions = new Map<string, Versions>()
  private readonly counters = new Map<string, { acked: number; attempted: number; shared: boolean }>()
  /** Acknowledged inserts in the order they were acknowledged, with when. */
  private readonly acked: Array<{ readonly id: string; readonly at: number }> = []
  private readonly own = new Map<string, Array<string>>()
  private readonly insertsBy = new Map<string, number>()

  /** A counter incremented by one fiber (`shared: false`) or by several at once. */
  counter(id: string, shared: boolean): void {
    this.counters.set(id, { acked: 0, attempted: 0, shared })
  }

  insertSent(id: string, fiber: string): void {
    this.inserts.set(id, false)
    this.versions.set(id, { acked: -1, attempted: 0 })
    this.insertsBy.set(fiber, (this.insertsBy.get(fiber) ?? 0) + 1)
  }

  insertAcked(id: string, fiber: string, at: number): void {
    this.inserts.set(id, true)
    this.versions.get(id)!.acked = 0
    this.acked.push({ id, at })
    const mine = this.own.get(fiber)
    if (mine === undefined) this.own.set(fiber, [id])
    else mine.push(id)
  }

  /** The next version of a document, marked as sent. */
  updateSent(id: string): number {
    const versions = this.versions.get(id)!
    versions.attempted++
    return versions.attempted
  }

  updateAcked(id: string, version: number): void {
    const versions = this.versions.get(id)!
    versions.acked = Math.max(versions.acked, version)
  }

  incrementSent(id: string): void {
    this.counters.get(id)!.attempted++
  }

  incrementAcked(id: string): void {
    this.counters.get(id)!.acked++
  }

  /** The highest version ever sent for a document; -1 for an unknown one. */
  attemptedVersion(id: string): number {
    return this.versions.get(id)?.attempted ?? -1
  }

  /** Inserts a fiber has sent so far. */
  insertsSentBy(fiber: string): number {
    return this.insertsBy.get(fiber) ?? 0
  }

  /** One of the fiber's own acknowledged documents. */
  ownDocument(fiber: string, random: Prng): string | undefined {
    const mine = this.own.get(fiber)
    return mine === undefined || mine.length === 0 ? undefined : random.pick(mine)
  }

  /** Any acknowledged document, with when it was acknowledged. */
  anyAcked(random: Prng): { readonly id: string; readonly at: number } | undefined {
    return this.acked.length === 0 ? undefined : random.pick(this.acked)
  }

  /** One of the last `recent` documents acknowledged before `before`. */
  ackedBefore(before: number, random: Prng, recent = 50): { readonly id: string; readonly at: number } | undefined {
    let lo = 0
    let hi = this.acked.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.acked[mid]!.at < before) lo = mid + 1
      else hi = mid
    }
    if (lo === 0) return undefined
    return this.acked[random.int(Math.max(0, lo - recent), lo - 1)]
  }

  /** The ledger as the checks read it. */
  snapshot(): Snapshot {
    return {
      inserts: new Map(this.inserts),
      versions: new Map([...this.versions].map(([id, v]) => [id, { acked: v.acked, attempted: v.attempted }])),
      counters: new Map([...this.counters].map(([id, c]) => [id, { ...c }]))
    }
  }

  get acknowledgedInserts(): number {
    return this.acked.length
  }
}

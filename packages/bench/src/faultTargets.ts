/**
 * The targets of issue 13 the benchmark checks, on the fault cases: a
 * blackholed slave's tail with hedged reads, and what hedging costs while
 * every slave is healthy. The scenario names the cases report under are
 * here too, so the checks find them.
 *
 * @since 0.2.0
 */
import type { Figure } from "./results.js"
import { fixed, met, percent, type TargetCheck, verdict } from "./verdicts.js"

/**
 * The scenarios of the `failing-slave` case.
 *
 * @since 0.2.0
 */
export const failingScenarios = {
  stoppedHealthy: "healthy",
  stopped: "slave 1 stopped",
  blackholedHealthy: "healthy, slave 1 through the proxy",
  blackholed: "slave 1 blackholed"
} as const

/**
 * A blackholed slave's p99 over the healthy p99 that the target allows.
 *
 * @since 0.2.0
 */
export const maxBlackholedP99Ratio = 1.5

/**
 * The share of reads that may hedge while every slave is healthy.
 *
 * @since 0.2.0
 */
export const maxHealthyHedgeShare = 0.1

const phaseOf = (f: Figure) => (f.phase === null ? "" : ` (${f.phase})`)

const blackholedTail = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const checks: Array<boolean> = []
  const details: Array<string> = []
  const faulty = figures.filter(
    (f) =>
      f.case === "failing-slave" &&
      f.scenario === failingScenarios.blackholed &&
      f.baseline !== null &&
      (f.side === "hedged" || f.side === "library")
  )
  const healthyOf = (side: Figure["side"], baseline: string | null) =>
    figures.find((f) => f.case === "failing-slave" && f.side === side && f.scenario === baseline)
  // the hedged side first: it is the one held to the target
  for (const fault of [...faulty].sort((a, b) => (a.side === b.side ? 0 : a.side === "hedged" ? -1 : 1))) {
    // the healthy p99 to keep: the lower of the library's with and without hedging (hedging must not
    // pass for holding the tail by making the healthy one worse)
    const healthy = [healthyOf("library", fault.baseline), healthyOf(fault.side, fault.baseline)]
      .filter((f): f is Figure => f !== undefined)
      .sort((a, b) => a.p99 - b.p99)[0]
    if (healthy === undefined) continue
    const ratio = fault.p99 / healthy.p99
    const ok = ratio <= maxBlackholedP99Ratio
    const held = fault.side === "hedged"
    if (held) checks.push(ok)
    details.push(
      `${held ? "hedged" : "without hedging"}${phaseOf(fault)}: p99 ${fixed(fault.p99)} ms vs healthy ` +
        `${fixed(healthy.p99)} ms (${healthy.side === "hedged" ? "hedged" : "without hedging"}) = ${fixed(ratio)}x ` +
        `${held ? met(ok) : "(reported, not held)"}; p50 ${fixed(fault.p50)} ms, max ${fixed(fault.max)} ms` +
        (fault.hedges === null ? "" : `; ${percent(fault.hedges / fault.totalOps)} of reads hedged`)
    )
  }
  return {
    target:
      `A slave blackholed mid-run: p99 <= ${maxBlackholedP99Ratio}x healthy p99 (the lower of the library's with and ` +
      "without hedging) with hedged reads (hedge: true); without hedging, reported",
    met: verdict(checks),
    details
  }
}

const healthyHedges = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const hedged = figures.filter((f) => f.case === "failing-slave" && f.side === "hedged" && f.hedges !== null)
  const healthy = hedged.filter((f) => f.baseline === null)
  return {
    target: `Hedged reads: at most ${maxHealthyHedgeShare * 100}% of reads hedge while every slave is healthy`,
    met: verdict(healthy.map((f) => f.hedges! / f.totalOps <= maxHealthyHedgeShare)),
    details: hedged.map((f) => {
      const share = f.hedges! / f.totalOps
      return (
        `${f.scenario}${phaseOf(f)}: ${f.hedges} hedges in ${f.totalOps} reads = ${percent(share)}` +
        (f.baseline === null ? ` ${met(share <= maxHealthyHedgeShare)}` : " (under the fault: reported, not held)")
      )
    })
  }
}

/**
 * Issue 13's targets, checked against the figures.
 *
 * @since 0.2.0
 */
export const checkFaultTargets = (figures: ReadonlyArray<Figure>): ReadonlyArray<TargetCheck> => [
  blackholedTail(figures),
  healthyHedges(figures)
]

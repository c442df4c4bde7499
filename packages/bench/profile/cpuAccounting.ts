/**
 * Whether `process.cpuUsage()` sees CPU work between short waits — as a
 * driver call's work comes between its I/O — as it sees the same work in a
 * tight loop. A fixed piece of work (a loop of arithmetic) is timed first
 * back to back, then once per iteration of a loop that sleeps 0.5 ms between
 * pieces, in several sizes; the CPU time each piece adds over the same loop
 * without it is printed beside its cost back to back. Where the two differ
 * (a kernel that accounts CPU time by its scheduler tick, a virtual machine
 * whose host takes the CPU away), the bench's real-path CPU column cannot
 * resolve differences of a few tens of µs per operation; the overhead case
 * (CPU with no I/O, in a tight loop) and the counts of `allocations.ts` and
 * `steps.ts` can.
 *
 *   node --import tsx packages/bench/profile/cpuAccounting.ts [iterations]
 */

import { setTimeout as sleep } from "node:timers/promises"

const iterations = Number(process.argv[2] ?? "2000")

let sink = 0
// a fixed piece of work: `units` rounds of arithmetic the compiler cannot drop
const work = (units: number) => {
  let x = sink
  for (let i = 0; i < units * 1000; i++) x = (x * 31 + i) % 1_000_003
  sink = x
}

const cpuMicros = (started: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(started)
  return used.user + used.system
}

// CPU µs of `units` of work, back to back
const tightMicros = (units: number): number => {
  const rounds = 2000
  work(units * 10) // warm-up
  const started = process.cpuUsage()
  for (let i = 0; i < rounds; i++) work(units)
  return cpuMicros(started) / rounds
}

// CPU µs per iteration of `units` of work and a 0.5 ms sleep
const spacedMicros = async (units: number): Promise<number> => {
  const started = process.cpuUsage()
  for (let i = 0; i < iterations; i++) {
    work(units)
    await sleep(0.5)
  }
  return cpuMicros(started) / iterations
}

const main = async () => {
  const baseline = await spacedMicros(0)
  console.log(`a 0.5 ms sleep alone: ${baseline.toFixed(1)} µs of CPU per iteration`)
  for (const units of [5, 10, 20, 40]) {
    const tight = tightMicros(units)
    const seen = (await spacedMicros(units)) - baseline
    console.log(
      `work of ${tight.toFixed(1)} µs back to back: ${seen.toFixed(1)} µs seen between sleeps (${((100 * seen) / tight).toFixed(0)}%)`
    )
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)

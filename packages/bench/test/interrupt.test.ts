/**
 * Ctrl-C stops a benchmark run in the middle of a case, even one over stub
 * nodes, where every operation resumes from a promise that has already
 * resolved and the event loop would otherwise not turn until the case ended.
 * The overhead case runs as the bench runs it (`runOverhead.ts`).
 */
import { spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

const repo = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../..")

describe("the benchmark, interrupted", () => {
  it.live(
    "Ctrl-C during the overhead case (stub nodes) stops the run there: the case's later scenarios and the report never come",
    () =>
      Effect.gen(function* () {
        const run = yield* Effect.async<{ readonly code: number | null; readonly output: string }>((resume) => {
          const child = spawn(
            process.execPath,
            ["--conditions=@mongo-master-slave/source", "--import", "tsx", "packages/bench/test/runOverhead.ts"],
            { cwd: repo, stdio: ["ignore", "pipe", "pipe"] }
          )
          let output = ""
          let interrupted = false
          const collect = (chunk: Buffer) => {
            output += chunk.toString()
            // the first scenario is done: the second one is running
            if (!interrupted && /overhead · findOne, 1 slave:/.test(output)) {
              interrupted = true
              child.kill("SIGINT")
            }
          }
          child.stdout.on("data", collect)
          child.stderr.on("data", collect)
          child.once("exit", (code) => resume(Effect.succeed({ code, output })))
          return Effect.sync(() => child.kill("SIGKILL"))
        })
        expect(run.output).toMatch(/overhead · findOne, 1 slave:/)
        // five scenarios: had the signal waited for the case to end, the last would be there
        expect(run.output).not.toMatch(/overhead · insertOne \(master\), a tracer installed:/)
        expect(run.output).not.toMatch(/the case ran to its end/)
        expect(run.code).toBe(0)
      }),
    60_000
  )
})

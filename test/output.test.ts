/**
 * What `npm test` prints is for a person: no colour codes in a pipe or a
 * log, no prompt of pnpm's to upgrade itself, no deprecation warning of
 * vitest's, each line once.
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Parts } from "@mongo-master-slave/testkit"
import { Effect } from "effect"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const pinned = (
  JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as { packageManager: string }
).packageManager.split("@")[1]!

/** Runs scripts/run.sh with a stand-in pnpm first on the PATH, which says what it was given. */
const runScript = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const bin = Fs.mkdtempSync(Path.join(Os.tmpdir(), "msc-output-test-"))
      Fs.writeFileSync(
        Path.join(bin, "pnpm"),
        `#!/bin/sh\nif [ "$1" = --version ]; then echo ${pinned}; else echo "pnpm $* update-notifier=$pnpm_config_update_notifier npm=$npm_config_update_notifier"; fi\n`,
        { mode: 0o755 }
      )
      return bin
    }),
    (bin) =>
      Effect.async<{ readonly code: number; readonly output: string }>((resume) => {
        execFile(
          "bash",
          [Path.join(root, "scripts/run.sh"), ...args],
          { cwd: root, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } },
          (error, stdout, stderr) =>
            resume(Effect.succeed({ code: error === null ? 0 : Number(error.code), output: stdout + stderr }))
        )
      }),
    (bin) => Effect.sync(() => Fs.rmSync(bin, { recursive: true, force: true }))
  )

describe("what the commands print", () => {
  it.effect("scripts/run.sh writes no colour codes into a pipe, and pnpm runs without its upgrade prompt", () =>
    Effect.gen(function* () {
      const { code, output } = yield* runScript(["no-such-task"])
      expect(code).toBe(1)
      expect(output).not.toContain("\u001b[")
      expect(output).toContain("[mongo-master-slave] unknown task 'no-such-task'")
      expect(output).toContain("pnpm install --frozen-lockfile update-notifier=false npm=false")
      // NO_COLOR is honoured as well (a terminal is not needed to tell)
      const quiet = yield* runScript(["no-such-task"], { NO_COLOR: "1" })
      expect(quiet.output).not.toContain("\u001b[")
    })
  )

  it.effect(
    "vitest runs the projects of vitest.workspace.ts from vitest.config.ts, so it does not read the file itself",
    () =>
      Effect.gen(function* () {
        // imported by path: both files sit outside this project's sources
        const load = (file: string) =>
          Effect.promise(() => import(Path.join(root, file)) as Promise<{ readonly default: unknown }>)
        const config = (yield* load("vitest.config.ts")).default as { readonly test?: { readonly projects?: unknown } }
        const projects = (yield* load("vitest.workspace.ts")).default
        expect(config.test?.projects).toEqual(projects)
        expect(projects).toEqual([
          "packages/master-slave",
          "packages/testkit",
          "packages/examples",
          "packages/bench",
          "test"
        ])
      })
  )

  it.effect("finding the cluster's parts already installed says nothing: `cluster install` says they are ready", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const parts = yield* Parts.ensure((line) => Effect.sync(() => lines.push(line)))
      expect(lines).toEqual([])
      expect(Parts.describe(parts)).toMatch(/^cluster parts ready: PostgreSQL 15 \(.*\), FerretDB v1.24.2 \(.*\)$/)
    })
  )
})

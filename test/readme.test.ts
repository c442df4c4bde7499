import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const read = (file: string) => Fs.readFileSync(Path.join(root, file), "utf8")
const readJson = (file: string) => JSON.parse(read(file)) as Record<string, Record<string, string> | string>

const blocksOf = (markdown: string) =>
  [...markdown.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang: lang!, body: body!.trim() }))

/** The README of the repository and the testkit's: every command either shows must work on a fresh clone. */
const readmes = ["README.md", "packages/testkit/README.md"].map((file) => ({ file, text: read(file) }))
const readme = readmes[0]!.text
const blocks = blocksOf(readme)

const examplesDir = Path.join(root, "packages/examples/src")
const examples = Fs.readdirSync(examplesDir)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => ({ file, body: Fs.readFileSync(Path.join(examplesDir, file), "utf8").trim() }))

const rootManifest = readJson("package.json")
const scripts = Object.keys(rootManifest.scripts as object)
const pnpmVersion = (rootManifest.packageManager as string).split("@")[1]!
/** The commands of the testkit's CLI, from its usage. */
const cliCommands = [...read("packages/testkit/src/bin/cluster.ts").matchAll(/^ {2}cluster (\w+)/gm)].map(
  ([, command]) => command!
)
/** Every version of a package the workspace depends on, by name. */
const workspaceVersions = new Map<string, Array<string>>()
for (const dir of Fs.readdirSync(Path.join(root, "packages"))) {
  const manifest = readJson(`packages/${dir}/package.json`)
  workspaceVersions.set(manifest.name as string, ["workspace"])
  for (const field of ["dependencies", "peerDependencies", "devDependencies"]) {
    for (const [name, range] of Object.entries((manifest[field] as Record<string, string> | undefined) ?? {})) {
      workspaceVersions.set(name, [...(workspaceVersions.get(name) ?? []), range])
    }
  }
}

/** Whether a `^x.y` range a person installs with takes in a version the workspace builds and tests with. */
const admits = (range: string, version: string) => {
  const [major, minor] = range.replace(/^\^/, "").split(".").map(Number)
  const [vMajor, vMinor] = version
    .replace(/^[\^~]/, "")
    .split(".")
    .map(Number)
  return major === vMajor && (major === 0 ? minor === vMinor : (minor ?? 0) <= vMinor!)
}

/** Every command of every shell block of both READMEs, with where it is from. */
const commands = readmes.flatMap(({ file, text }) =>
  blocksOf(text)
    .filter((block) => block.lang === "sh")
    .flatMap((block) => block.body.split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line.length > 0 && !line.startsWith("export "))
    .map((command) => ({ file, command }))
)

/** Why a command would not run on a fresh clone, or undefined when it would. */
const problemOf = (command: string): string | undefined => {
  const words = command.split(/\s+/)
  if (command === "npm test") return undefined
  if (words[0] === "npm" && words[1] === "install") {
    for (const spec of words.slice(2).filter((word) => !word.startsWith("-"))) {
      const at = spec.lastIndexOf("@")
      const [name, range] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined]
      const known = workspaceVersions.get(name)
      if (known === undefined) {
        if (range === undefined) return `${spec}: name a version`
        continue // not used in the workspace (e.g. @effect/opentelemetry): nothing to hold it to
      }
      if (range !== undefined && !known.some((version) => version !== "workspace" && admits(range, version))) {
        return `${spec}: the workspace builds with ${known.join(", ")}`
      }
    }
    return undefined
  }
  if (words[0] === "npx") {
    return command === `npx -y pnpm@${pnpmVersion} install --frozen-lockfile`
      ? undefined
      : "pnpm runs through `npx -y pnpm@<packageManager> ...` only"
  }
  if (words[0] !== "npm" || words[1] !== "run") return "not a command a fresh clone has (pnpm is not installed there)"
  const script = words[2]
  if (script === undefined || !scripts.includes(script)) return `${script} is not a script of package.json`
  const args = words.slice(3)
  if (args.length > 0 && args[0] !== "--") {
    return "arguments must follow a `--` (npm would take them as its own, and Node.js 20 a --env-file)"
  }
  if (script === "cluster" && !cliCommands.includes(args[1] ?? "")) return `cluster has no command ${args[1]}`
  return undefined
}

describe("the README cannot drift from the code", () => {
  it("every TypeScript block is an example file, which `pnpm check` compiles and the examples' tests run", () => {
    const ts = blocks.filter((block) => block.lang === "ts")
    expect(ts.length).toBeGreaterThanOrEqual(5)
    for (const block of ts) {
      const match = examples.find((example) => example.body === block.body)
      expect(match, `README block not found in packages/examples/src:\n${block.body.slice(0, 200)}`).toBeDefined()
    }
  })

  it("the 20-line example is at most 20 lines, and runs with NodeRuntime.runMain", () => {
    const quickstart = examples.find((example) => example.file === "quickstart.ts")!
    expect(quickstart.body.split("\n").length).toBeLessThanOrEqual(20)
    expect(quickstart.body).toMatch(/^NodeRuntime\.runMain\(/m)
    expect(readme).not.toMatch(/Effect\.runPromise\(/)
  })

  it("the first screen says which Effect it is for, and how to install it", () => {
    const firstScreen = readme.slice(0, readme.indexOf("## The two commands"))
    expect(firstScreen).toMatch(/\*\*Effect 3\*\* \(`effect` \^3\.22\)/)
    expect(firstScreen).toContain("npm install @mongo-master-slave/core effect@^3.22 mongodb@^7")
    expect(firstScreen).toContain("npm install @effect/platform-node@^0.108 @effect/platform@^0.97")
  })

  it("every shell command runs on a fresh clone: npm scripts with their arguments after `--`", () => {
    const all = commands.map(({ command }) => command)
    expect(all).toContain("npm run demo")
    expect(all).toContain("npm test")
    for (const { file, command } of commands) expect(problemOf(command), `${file}: ${command}`).toBeUndefined()
  })

  it("every local link points at a file that exists, and at a heading it has", () => {
    const slug = (heading: string) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} -]/gu, "")
        .replace(/ /g, "-")
    for (const { file, text } of readmes) {
      const links = [...text.matchAll(/\]\(([^):]+)\)/g)].map(([, target]) => target!)
      if (file === "README.md") expect(links.length).toBeGreaterThan(0)
      for (const link of links) {
        const [target, anchor] = link.split("#")
        const path = target === "" ? file : Path.join(Path.dirname(file), target!)
        expect(Fs.existsSync(Path.join(root, path)), `${file}: ${link}`).toBe(true)
        if (anchor !== undefined) {
          const headings = [...read(path).matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading!))
          expect(headings, `${file}: ${link}`).toContain(anchor)
        }
      }
    }
  })
})

interface Shell {
  readonly child: ChildProcess
  /** The exit code, or the signal that ended it. */
  readonly exit: Promise<number | string | null>
  readonly output: () => string
}

/** A command line run by a shell in the repository, in a process group of its own, as a terminal runs it. */
const shell = (command: string): Shell => {
  const { MSC_MASTER_URI: _master, MSC_SLAVE_URIS: _slaves, MSC_CLUSTER_CONTROL: _control, ...env } = process.env
  const child = spawn("bash", ["-c", command], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env })
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exit = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal))
  )
  return { child, exit, output: () => output }
}

/** Ctrl-C in the terminal: SIGINT to the whole process group. */
const interrupt = (shell: Shell, signal: NodeJS.Signals = "SIGINT") => {
  try {
    process.kill(-shell.child.pid!, signal)
  } catch {
    // gone already
  }
}

describe("the README's cluster commands, run as they are shown", () => {
  it.scopedLive(
    "`npm run cluster -- up` serves a cluster, every control command of the READMEs works on it, Ctrl-C ends it",
    () =>
      Effect.gen(function* () {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "msc-readme-"))),
          (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
        )
        const envFile = Path.join(dir, "cluster.env")
        // the commands verbatim, but for the env file, which lives in a temp dir rather than in the clone
        const asShown = (command: string) => command.replaceAll(".cluster.env", envFile)
        const cluster = commands.map(({ command }) => command).filter((c) => c.startsWith("npm run cluster -- "))
        const ups = [...new Set(cluster.filter((c) => c.startsWith("npm run cluster -- up ")))]
        const controls = [...new Set(cluster.filter((c) => !c.startsWith("npm run cluster -- up ")))]
        expect(ups).toEqual(["npm run cluster -- up --slaves 2 --env-file .cluster.env"])
        expect(controls.length).toBeGreaterThanOrEqual(5)

        const up = yield* Effect.acquireRelease(
          Effect.sync(() => shell(asShown(ups[0]!))),
          (up) => Effect.sync(() => interrupt(up, "SIGKILL"))
        )
        yield* Effect.sync(() => Fs.existsSync(envFile)).pipe(
          Effect.repeat({
            until: (exists) => exists,
            schedule: Schedule.spaced("100 millis").pipe(Schedule.upTo("120 seconds"))
          })
        )
        expect(Fs.existsSync(envFile), up.output()).toBe(true)
        const tempDir = /\(files in ([^)]+)\)/.exec(up.output())?.[1]
        expect(tempDir, up.output()).toBeDefined()

        for (const command of controls) {
          const { code, output } = yield* Effect.acquireUseRelease(
            Effect.sync(() => shell(asShown(command))),
            (run) => Effect.promise(() => run.exit.then((code) => ({ code, output: run.output() }))),
            (run) => Effect.sync(() => interrupt(run, "SIGKILL"))
          )
          expect(code, `${command}:\n${output}`).toBe(0)
        }

        interrupt(up)
        const code = yield* Effect.promise(() => up.exit)
        // npm ends as Ctrl-C ended it (SIGINT), once the cluster has stopped
        expect([0, 130, "SIGINT"], up.output()).toContain(code)
        expect(up.output()).toContain("[cluster] stopping the cluster")
        expect(Fs.existsSync(envFile)).toBe(false)
        expect(Fs.existsSync(tempDir!)).toBe(false)
      }),
    240_000
  )
})

import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const readme = Fs.readFileSync(Path.join(root, "README.md"), "utf8")
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({
  lang: lang!,
  body: body!.trim()
}))
const examplesDir = Path.join(root, "packages/examples/src")
const examples = Fs.readdirSync(examplesDir)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => ({ file, body: Fs.readFileSync(Path.join(examplesDir, file), "utf8").trim() }))
const scripts = Object.keys(JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")).scripts as object)

describe("the README cannot drift from the code", () => {
  it("every TypeScript block is an example file, which `pnpm check` compiles and the examples' tests run", () => {
    const ts = blocks.filter((block) => block.lang === "ts")
    expect(ts.length).toBeGreaterThanOrEqual(5)
    for (const block of ts) {
      const match = examples.find((example) => example.body === block.body)
      expect(match, `README block not found in packages/examples/src:\n${block.body.slice(0, 200)}`).toBeDefined()
    }
  })

  it("the 20-line example is at most 20 lines", () => {
    const quickstart = examples.find((example) => example.file === "quickstart.ts")!
    expect(quickstart.body.split("\n").length).toBeLessThanOrEqual(20)
  })

  it("every command in a shell block names a real script", () => {
    const commands = blocks
      .filter((block) => block.lang === "sh")
      .flatMap((block) => block.body.split("\n"))
      .map((line) => line.replace(/#.*$/, "").trim())
      .filter((line) => line.length > 0 && !line.startsWith("export "))
    expect(commands).toContain("npm run demo")
    expect(commands).toContain("npm test")
    for (const command of commands) {
      const script = /^npm test$/.test(command) ? "test" : /^(?:npm run|pnpm) ([\w:-]+)/.exec(command)?.[1]
      expect(script, `not a package script: ${command}`).toBeDefined()
      expect(scripts, command).toContain(script)
    }
  })

  it("every local link points at a file that exists", () => {
    const links = [...readme.matchAll(/\]\(([^)#:]+)\)/g)].map(([, target]) => target!)
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect(Fs.existsSync(Path.join(root, link)), link).toBe(true)
  })
})

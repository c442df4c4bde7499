// Marks each directory given (a package's CommonJS build, e.g. dist/cjs) as CommonJS with a
// package.json of its own, so Node and TypeScript read its .js and .d.ts files as CommonJS
// inside a package whose "type" is "module".
import * as Fs from "node:fs"
import * as Path from "node:path"

const dirs = process.argv.slice(2)
if (dirs.length === 0) {
  console.error("usage: node scripts/mark-cjs.mjs DIR...")
  process.exit(1)
}
for (const dir of dirs) {
  if (!Fs.existsSync(Path.join(dir, "index.js"))) {
    console.error(`mark-cjs: ${Path.resolve(dir)} has no index.js: build the CommonJS output first`)
    process.exit(1)
  }
  Fs.writeFileSync(Path.join(dir, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`)
}

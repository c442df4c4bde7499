/**
 * The overhead case run on its own as `npm run bench -- --quick --only
 * overhead` runs it — the same case, the same `Main.runMain` — for
 * `interrupt.test.ts`. (The bench's entry point cannot run from source before
 * the build: its routing case imports the library's compiled internals.)
 */
import { Main } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import * as Overhead from "../src/cases/overhead.js"
import * as Settings from "../src/settings.js"

const progress = (line: string) => Effect.sync(() => process.stderr.write(`[bench] ${line}\n`))

Main.runMain(
  Effect.flatMap(Overhead.run({ settings: Settings.quick, progress }), () =>
    Effect.sync(() => process.stdout.write("the case ran to its end\n"))
  )
)

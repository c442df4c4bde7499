import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { defineProject, type UserWorkspaceConfig } from "vitest/config"

const root = Path.dirname(fileURLToPath(import.meta.url))

// Workspace packages resolve to their TypeScript sources, so tests never need a build first.
const conditions = ["@mongo-master-slave/source", "module", "node", "import", "default"]

/** A vitest project of this repository: its tests share the run's cluster (see the testkit's globalSetup). */
export const project = (name: string, test: UserWorkspaceConfig["test"] = {}): UserWorkspaceConfig =>
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      globalSetup: [Path.join(root, "packages/testkit/src/vitest/globalSetup.ts")],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      ...test
    }
  })

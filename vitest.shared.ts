import { defineProject, type UserWorkspaceConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources, so tests never need a build first.
const conditions = ["@mongo-master-slave/source", "module", "node", "import", "default"]

export const project = (name: string, test: UserWorkspaceConfig["test"] = {}): UserWorkspaceConfig =>
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      ...test
    }
  })

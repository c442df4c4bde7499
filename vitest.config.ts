import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

// The projects are listed in vitest.workspace.ts. Test files run one at a time:
// they share one cluster, and some stop slaves or pause their replication.
export default defineConfig({
  test: {
    projects,
    fileParallelism: false
  }
})

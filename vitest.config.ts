import { defineConfig } from "vitest/config"

// The projects are listed in vitest.workspace.ts. Test files run one at a time:
// they share one cluster, and some stop slaves or pause their replication.
export default defineConfig({
  test: {
    fileParallelism: false
  }
})

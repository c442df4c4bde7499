import { defineWorkspace } from "vitest/config"

export default defineWorkspace([
  "packages/master-slave",
  "packages/testkit",
  "packages/examples",
  "packages/bench",
  "test"
])

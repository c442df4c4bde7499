/**
 * Vitest global setup: one cluster for the whole test run, shared by every
 * project that lists this file. A local cluster unless `MSC_MASTER_URI` and
 * `MSC_SLAVE_URIS` name an external one. Tests reach it with
 * `TestCluster.layer` from `@mongo-master-slave/testkit/vitest`.
 *
 * @since 0.1.0
 */
import type { TestProject } from "vitest/node"
import { acquire, release } from "../internal/shared.js"
import type {} from "./context.js"

/**
 * @since 0.1.0
 * @category setup
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide("mscCluster", await acquire())
  return release
}

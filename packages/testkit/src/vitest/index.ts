/**
 * The test cluster as seen from a test: the `Cluster` service of the run's
 * shared cluster, and unique names that keep tests apart on it.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { inject } from "vitest"
import { Cluster, ClusterError } from "../Cluster.js"
import * as ExternalCluster from "../ExternalCluster.js"
import { remote } from "../internal/control.js"
import type {} from "./context.js"

/**
 * The shared cluster of this test run (see the testkit's `globalSetup`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Cluster, ClusterError> = Layer.scoped(
  Cluster,
  Effect.suspend(() => {
    const info = inject("mscCluster")
    if (info === undefined) {
      return Effect.fail(
        new ClusterError({
          operation: "reach the test cluster",
          reason:
            "no shared cluster: list @mongo-master-slave/testkit's vitest/globalSetup in the project's globalSetup"
        })
      )
    }
    return info.control === undefined
      ? ExternalCluster.make(info.masterUri, info.slaveUris)
      : Effect.succeed(remote({ ...info, control: info.control }))
  })
)

let counter = 0

/**
 * A database name no other test uses, so tests can share one cluster.
 *
 * @since 0.1.0
 * @category names
 */
export const uniqueDatabaseName = (prefix: string): string => {
  const suffix = `${process.pid.toString(36)}_${Date.now().toString(36)}_${(counter++).toString(36)}`
  const head = prefix.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 63 - suffix.length - 3)
  return `t_${head}_${suffix}`
}

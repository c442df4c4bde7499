/**
 * What the global setup hands to every test: how to reach the run's cluster.
 *
 * @since 0.1.0
 */
import type { ClusterInfo } from "../internal/control.js"

declare module "vitest" {
  export interface ProvidedContext {
    mscCluster: ClusterInfo
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export type { ClusterInfo }

/**
 * The cluster the profile tools measure on, with the bench's own data: the
 * bench's local cluster with one slave, started for the run, unless
 * `MSC_MASTER_URI`/`MSC_SLAVE_URIS` name a deployment (`npm run cluster --
 * up --slaves 1 --env-file F` starts one to reuse between runs: `set -a; .
 * F; set +a`). Its reads collection holds the bench's documents, served by
 * the slave; its writes collection exists already, so inserting into it
 * restarts no slave server (see the testkit's `waitForReplication`).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Cluster from "../src/cluster.js"
import type { BenchError } from "../src/errors.js"

const progress: Cluster.Progress = (line) => Effect.sync(() => process.stderr.write(`[profile] ${line}\n`))

/** The master's and the (first) slave's addresses, and where the data is. */
export interface ProfileCluster {
  readonly masterUri: string
  readonly slaveUri: string
  readonly dataset: Cluster.Dataset
}

/** The cluster and its data, for as long as the scope lasts. */
export const profileCluster: Effect.Effect<ProfileCluster, BenchError, Scope.Scope> = Effect.gen(function* () {
  const cluster = yield* Cluster.acquire(1, progress)
  const dataset = yield* Cluster.seed(cluster, 1_000, progress)
  return { masterUri: cluster.masterUri, slaveUri: cluster.slaveUris[0]!, dataset }
})

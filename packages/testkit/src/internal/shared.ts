import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as ExternalCluster from "../ExternalCluster.js"
import * as LocalCluster from "../LocalCluster.js"
import * as Parts from "../Parts.js"
import { type ClusterInfo, serve } from "./control.js"

/** One cluster for every user in this process (each vitest project's global setup is one user). */
interface Shared {
  users: number
  readonly scope: Scope.CloseableScope
  readonly info: Promise<ClusterInfo>
  readonly onSignal: (signal: NodeJS.Signals) => void
}

const key = Symbol.for("@mongo-master-slave/testkit/shared-cluster")
const registry = globalThis as { [key]?: Shared }

const say = (line: string) => Effect.sync(() => process.stderr.write(`[cluster] ${line}\n`))

const start: Effect.Effect<ClusterInfo, unknown, Scope.Scope> = Effect.gen(function* () {
  if (yield* ExternalCluster.isConfigured) {
    const { masterUri, slaveUris } = yield* ExternalCluster.config
    yield* say(
      `using the external cluster of MSC_MASTER_URI/MSC_SLAVE_URIS: master ${masterUri}, ${slaveUris.length} slave(s)`
    )
    return { kind: "external", masterUri, slaveUris } satisfies ClusterInfo
  }
  const parts = yield* Parts.ensure(say)
  const started = Date.now()
  const cluster = yield* LocalCluster.make({ parts, progress: say })
  yield* say(`started in ${Date.now() - started} ms (${cluster.tempDir})`)
  return yield* serve(cluster)
})

const close = (shared: Shared) => Effect.runPromise(Scope.close(shared.scope, Exit.void))

/** Starts the shared cluster, or joins it if it runs already. */
export const acquire = (): Promise<ClusterInfo> => {
  let shared = registry[key]
  if (shared === undefined) {
    const scope = Effect.runSync(Scope.make())
    const created: Shared = {
      users: 0,
      scope,
      info: Effect.runPromise(
        Scope.extend(start, scope).pipe(Effect.tapErrorCause(() => Scope.close(scope, Exit.void)))
      ),
      // an interrupted run stops the cluster, then lets the signal take its course;
      // the cluster's watchdog covers a hard kill
      onSignal: (signal) => void close(created).finally(() => process.kill(process.pid, signal))
    }
    shared = created
    registry[key] = created
    process.once("SIGINT", created.onSignal)
    process.once("SIGTERM", created.onSignal)
  }
  shared.users++
  return shared.info
}

/** Leaves the shared cluster; the last one out stops it. */
export const release = async (): Promise<void> => {
  const shared = registry[key]
  if (shared === undefined) return
  shared.users--
  if (shared.users > 0) return
  delete registry[key]
  process.removeListener("SIGINT", shared.onSignal)
  process.removeListener("SIGTERM", shared.onSignal)
  await close(shared)
}

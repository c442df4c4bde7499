/**
 * `npm run demo`: a tour of mongo-master-slave on a real cluster.
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { main } from "./demo/index.js"

NodeRuntime.runMain(main)

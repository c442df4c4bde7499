/**
 * `npm run demo`: a tour of mongo-master-slave on a real local cluster.
 *
 * @since 0.1.0
 */
import { Main } from "@mongo-master-slave/testkit"
import { main } from "./demo/index.js"

Main.runMain(main)

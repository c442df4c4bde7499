import { project } from "../../vitest.shared.js"

// the harness's own tests are pure (statistics, arguments, rendering): no cluster needed
export default project("bench", { globalSetup: [] })

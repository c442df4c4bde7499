import { project } from "../vitest.shared.js"

// this project's root is test/ itself
export default project("integration", { include: ["**/*.test.ts"] })

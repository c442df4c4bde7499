// The projects of this repository, one per package (and test/ for checks across them).
// vitest.config.ts runs them as its `test.projects`: vitest 3.2 deprecates reading this file itself.
export default ["packages/master-slave", "packages/testkit", "packages/examples", "packages/bench", "test"]

// Two projects: `unit` (pure logic and Pulumi mocks, seconds) and `engine`
// (the real Pulumi engine, real hosts; minutes). `npm test` runs both.
/** @type {import('jest').Config} */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
};
module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts", "<rootDir>/policies/test/**/*.test.ts"] },
    { ...common, displayName: "engine", testMatch: ["<rootDir>/test/engine/**/*.test.ts"] },
  ],
};

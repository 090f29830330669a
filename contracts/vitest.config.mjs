/// Vitest runs the Clarity suite inside the real Clarity VM (wasm) of @stacks/clarinet-sdk.
import { defineConfig } from "vitest/config";
import { vitestSetupFilePath, getClarinetVitestsArgv } from "@stacks/clarinet-sdk/vitest";

export default defineConfig({
  test: {
    environment: "clarinet",
    pool: "forks",
    maxWorkers: 1,
    isolate: false,
    include: ["tests/**/*.test.ts"],
    setupFiles: [vitestSetupFilePath],
    environmentOptions: {
      clarinet: { ...getClarinetVitestsArgv() },
    },
  },
});

import { defineConfig } from "@playwright/test";

// The server under test. `cargo leptos end-to-end` starts it on the workspace's site-addr.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  // `cargo leptos end-to-end` starts the server and this runner at the same moment.
  globalSetup: "./global-setup.ts",
  forbidOnly: !!process.env.CI,
  // A retry would hide exactly the races (hydration, start-up) these tests exist to catch.
  retries: 0,
  // Two cores: one browser at a time keeps timings honest.
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL,
    // The panel lives in Belco's sidebar, roughly this wide.
    viewport: { width: 360, height: 720 },
    trace: "retain-on-failure",
    launchOptions: {
      // The Debian package; browsers cannot be downloaded here, and none is.
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
});

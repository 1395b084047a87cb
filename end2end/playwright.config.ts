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
    // The panel speaks Dutch unless asked otherwise, and the tests read its English words: the
    // browser asks for English (Accept-Language, navigator.language), as the frame URLs do with
    // lang=en (belco.ts). That covers the frame the preview loads, whose URL the page builds.
    locale: "en-US",
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
        // Chrome partitions a third-party frame's storage by the top-level site, so the panel
        // inside Belco has its own localStorage (where it remembers the agent's name). Playwright
        // turns partitioning off (microsoft/playwright#32230), and this Chromium then denies the
        // frame any storage at all, as no agent's Chrome does. Only the last --disable-features
        // counts: this is Playwright 1.65.1's list (package.json pins it) without
        // ThirdPartyStoragePartitioning.
        "--disable-features=" +
          [
            "AvoidUnnecessaryBeforeUnloadCheckSync",
            "DestroyProfileOnBrowserClose",
            "HttpsUpgrades",
            "HttpsFirstBalancedModeAutoEnable",
            "LensOverlay",
            "MediaRouter",
            "PaintHolding",
            "AvoidCorsURLLoaderRestartOnRedirect",
            "TcpPortRandomizationWin",
            "OptimizationHints",
            "NetworkTimeServiceQuerying",
            "AimEnabled",
            "PreconnectToSearch",
          ].join(","),
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
});

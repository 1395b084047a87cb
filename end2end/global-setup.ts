import type { FullConfig } from "@playwright/test";

// How long a cold server may take to open its database, migrate and bind.
const READY_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 250;

/** Waits until the server under test answers any HTTP request at all. */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0]?.use.baseURL ?? "http://127.0.0.1:3000";
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await fetch(baseURL, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }
  throw new Error(
    `the server at ${baseURL} did not answer within ${READY_TIMEOUT_MS / 1000} s: ${String(lastError)}`,
  );
}

import { expect, test } from "@playwright/test";

test("the server's first HTML already holds the heading", async ({ request }) => {
  const response = await request.get("/");

  expect(response.status()).toBe(200);
  expect(await response.text()).toMatch(/<h1[^>]*>belco-panel is running<\/h1>/);
});

test("Check storage hydrates, calls the server and shows the round trip", async ({ page }) => {
  // Anything the page reports as broken fails the test: a missing island export shows up only
  // as a console warning, a bad wasm build only as an uncaught error.
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || message.text().includes("Could not find WASM function")) {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });

  await page.goto("/");
  const button = page.getByRole("button", { name: "Check storage" });
  // The server renders the button disabled and the island enables it once hydrated. Polling
  // this way makes a failure show what the page reported instead of a bare timeout.
  await expect
    .poll(async () => ((await button.isEnabled()) ? "hydrated" : problems.join(" | ") || "not yet"), {
      message: "the StorageCheck island hydrates",
      timeout: 15_000,
    })
    .toBe("hydrated");
  await button.click();

  await expect(page.getByRole("status")).toHaveText(/^Storage answered in \d+(\.\d+)? ms$/);
  expect(problems).toEqual([]);
});

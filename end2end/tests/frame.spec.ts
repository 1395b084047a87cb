import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { type BrowserContext, type Frame, type Page, expect, test } from "@playwright/test";

// The frame exactly as Belco embeds it: a host page on https://app.belco.io (the default
// BELCO_ORIGIN) frames https://shop.example/frame?token=…, and both origins are answered here,
// the shop's by the server under test. Chromium then applies frame-ancestors, postMessage
// target origins and Referer policies as it will inside Belco.
const BELCO = "https://app.belco.io";
const SHOP = "https://shop.example";
const LOCAL = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const TOKEN = process.env.BELCO_E2E_TOKEN ?? "";
const EMAIL = "frame-e2e@example.com";

type Message = { origin: string; data: unknown };

/** Where the README's pictures of both panels come from: written on every run. */
const SCREENSHOTS = path.resolve(__dirname, "../screenshots");

test.beforeAll(() => {
  test.skip(!TOKEN || !process.env.DATABASE_URL, "needs BELCO_E2E_TOKEN and DATABASE_URL (see scripts/test)");
  // Orders for one customer, loaded the way a shop loads them: `belco-panel import`, on the
  // database the server under test reads.
  const binary = process.env.BELCO_BIN ?? path.resolve(__dirname, "../../target/release/belco-panel");
  if (!existsSync(binary)) throw new Error(`no belco-panel binary at ${binary} (set BELCO_BIN)`);
  const order = (id: string, date: string, status: string) => ({
    id: `frame-e2e-${id}`,
    number: `E2E-${id}`,
    date,
    status,
    currency: "EUR",
    note: `Note for order ${id}: leave at the back door.`,
    products: [
      { name: "Linen shirt", quantity: 1, price: 59.95 },
      { name: "Wool socks (3-pack)", quantity: 2, price: 14.95 },
    ],
    total: 89.85,
    url: `https://shop.example/admin/orders/${id}`,
    email: EMAIL,
    customerName: "Frame Tester",
  });
  const dir = mkdtempSync(path.join(tmpdir(), "belco-frame-e2e-"));
  const file = path.join(dir, "orders.json");
  writeFileSync(
    file,
    JSON.stringify({ orders: [order("1", "2024-03-01", "completed"), order("2", "2025-01-15", "processing")] }),
  );
  execFileSync(binary, ["import", file], { stdio: "pipe", env: process.env });
});

/** Answers both origins: Belco's with a host page that records messages and sizes the iframe as
 *  Belco does, the shop's from the local server. */
async function belcoAround(context: BrowserContext, frameQuery: string, width = 350): Promise<void> {
  const src = `${SHOP}/frame?${frameQuery}`.replaceAll("&", "&amp;");
  await context.route(`${BELCO}/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: "text/html; charset=utf-8",
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Belco</title></head><body>
<script>
  window.messages = [];
  window.addEventListener("message", (event) => {
    window.messages.push({ origin: event.origin, data: event.data });
    if (event.data && event.data.action === "resize") {
      document.getElementById("panel").style.height = event.data.height + "px";
    }
  });
</script>
<iframe id="panel" src="${src}" style="width: ${width}px; height: 800px; border: 0"></iframe>
</body></html>`,
    }),
  );
  await context.route(`${SHOP}/**`, async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: LOCAL + url.pathname + url.search });
    await route.fulfill({ response });
  });
}

async function messages(page: Page): Promise<Message[]> {
  return page.evaluate(() => (window as unknown as { messages: Message[] }).messages);
}

function shopFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(`${SHOP}/frame`));
  if (!frame) throw new Error("the panel's frame is not there");
  return frame;
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  return problems;
}

test("the customer panel tells Belco its height, first at once and then on every change", async ({
  page,
  context,
}) => {
  const problems = watchProblems(page);
  await belcoAround(context, `token=${TOKEN}&email=${EMAIL}&phoneNumber=`);
  await page.goto(`${BELCO}/customers/1`);

  await expect.poll(async () => (await messages(page)).length, { message: "a first resize message" }).toBeGreaterThan(0);
  const frame = shopFrame(page);
  await expect(frame.getByRole("heading", { level: 1 })).toHaveText("Frame Tester");
  await expect(frame.getByText("#E2E-2")).toBeVisible();

  const first = (await messages(page))[0];
  expect(first.origin).toBe(SHOP);
  const height = await frame.evaluate(() => document.body.scrollHeight);
  expect(first.data).toEqual({ action: "resize", height });

  // Nothing changes, nothing is sent (the wasm loads and hydrates meanwhile).
  await page.waitForTimeout(1_000);
  expect(await messages(page)).toHaveLength(1);

  // Expanding an order from the keyboard makes the panel taller: one new message, exact height.
  const summary = frame.locator("summary").first();
  await summary.focus();
  await summary.press("Enter");
  await expect(frame.locator("details").first()).toHaveAttribute("open", "");
  await expect.poll(async () => (await messages(page)).length).toBe(2);
  const taller = await frame.evaluate(() => document.body.scrollHeight);
  expect(taller).toBeGreaterThan(height);
  expect((await messages(page))[1].data).toEqual({ action: "resize", height: taller });
  await expect(frame.getByText("Note for order 2: leave at the back door.")).toBeVisible();
  const link = frame.getByRole("link", { name: "Open in the shop" }).first();
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer");

  // Nothing the page reported as broken: no CSP refusal, no failed hydration.
  expect(problems).toEqual([]);
  await page.locator("#panel").screenshot({ path: path.join(SCREENSHOTS, "customer-panel.png") });
});

test("the company panel appears without email and phone", async ({ page, context }) => {
  await belcoAround(context, `token=${TOKEN}&email=&phoneNumber=`);
  await page.goto(`${BELCO}/company`);
  await expect.poll(async () => (await messages(page)).length).toBeGreaterThan(0);
  const frame = shopFrame(page);
  await expect(frame.getByRole("heading", { level: 1 })).toHaveText("Company");
  await expect(frame.getByText("Frame Tester")).toHaveCount(0);
  await page.locator("#panel").screenshot({ path: path.join(SCREENSHOTS, "company-panel.png") });
});

test("a wrong token shows no customer data", async ({ page, context }) => {
  await belcoAround(context, `token=not-the-token-${TOKEN}&email=${EMAIL}`);
  await page.goto(`${BELCO}/customers/1`);
  await expect.poll(() => page.frames().some((f) => f.url().startsWith(`${SHOP}/frame`))).toBe(true);
  const frame = shopFrame(page);
  await expect(frame.getByRole("heading", { level: 1 })).toHaveText("Not authorized");
  await expect(frame.getByText("Frame Tester")).toHaveCount(0);
  await expect(frame.getByText(EMAIL)).toHaveCount(0);
});

for (const width of [320, 480]) {
  test(`the customer panel lays out without horizontal scrolling at ${width} px`, async ({ page, context }) => {
    await belcoAround(context, `token=${TOKEN}&email=${EMAIL}`, width);
    await page.goto(`${BELCO}/customers/1`);
    await expect.poll(async () => (await messages(page)).length).toBeGreaterThan(0);
    const frame = shopFrame(page);
    await frame.locator("summary").first().click();
    await expect(frame.getByText("Open in the shop").first()).toBeVisible();
    const [scrollWidth, clientWidth] = await frame.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(clientWidth).toBe(width);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  });
}

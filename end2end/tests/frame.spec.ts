import path from "node:path";

import { type APIRequestContext, type Page, expect, test } from "@playwright/test";

import {
  BELCO,
  asIs,
  LOCAL,
  NOT_CONFIGURED,
  SCREENSHOTS,
  SHOP,
  TOKEN,
  belcoAround,
  importOrders,
  messages,
  shopFrame,
  watchProblems,
} from "./belco";

// The frame exactly as Belco embeds it (see belco.ts): a host page on https://app.belco.io
// frames https://shop.example/frame?token=…, the shop's origin answered by the server under test.
const EMAIL = "frame-e2e@example.com";

test.beforeAll(() => {
  test.skip(!!NOT_CONFIGURED, NOT_CONFIGURED);
  // Orders for one customer, loaded the way a shop loads them: `belco-panel import`, on the
  // database the server under test reads.
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
  importOrders([order("1", "2024-03-01", "completed"), order("2", "2025-01-15", "processing")]);
});

/** Gives the customer of the README's picture a note and a sent form, unless they already have
 *  them (the database outlives a run when the server is started by hand), through the server
 *  functions the islands call, with the capability the server signed into the customer's page. */
async function seedCustomerPicture(request: APIRequestContext): Promise<void> {
  const page = await request.get(`${LOCAL}/frame?token=${TOKEN}&email=${EMAIL}&phoneNumber=`);
  expect(page.status()).toBe(200);
  const html = await page.text();
  const capability = html.match(/v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/)?.[0];
  if (!capability) throw new Error("no capability in the customer's page");
  if (html.includes("notes__empty")) {
    const added = await request.post(`${LOCAL}/fn/notes/add`, {
      data: { capability, author: "Sam", body: "Prefers email over phone calls. Ships to the office on weekdays." },
    });
    expect(added.status(), await added.text()).toBe(200);
  }
  if (html.includes("submissions__empty")) {
    const sent = await request.post(`${LOCAL}/fn/forms/submit`, {
      data: {
        capability,
        form_id: "callback-request",
        author: "Sam",
        values: [
          ["phone", "+32 470 12 34 56"],
          ["preferred_time", "Afternoon (12:00–17:00)"],
          ["topic", "Asks whether the wool socks run small."],
          ["consent", "on"],
        ],
      },
    });
    expect(sent.status(), await sent.text()).toBe(200);
    expect(Object.keys(await sent.json())).toEqual(["Saved"]);
  }
}

/** Pictures the whole panel at the height it last told Belco. Chromium paints a cross-origin
 *  frame only where the viewport shows it, so a panel taller than the viewport would come out
 *  blank at the bottom: the viewport grows to hold it first (the width, and so the layout, stay). */
async function screenshotPanel(page: Page, name: string): Promise<void> {
  const all = await messages(page);
  const height = (all[all.length - 1]?.data as { height?: number } | undefined)?.height ?? 0;
  const viewport = page.viewportSize() ?? { width: 360, height: 720 };
  if (height + 16 > viewport.height) await page.setViewportSize({ width: viewport.width, height: height + 16 });
  await expect(page.locator("#panel")).toHaveCSS("height", `${height}px`);
  await page.locator("#panel").screenshot({ path: path.join(SCREENSHOTS, name) });
}

test("the customer panel tells Belco its height, first at once and then on every change", async ({
  page,
  context,
  request,
}) => {
  // The README's picture shows the panel in use: at least one note and one sent form.
  await seedCustomerPicture(request);
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
  // The picture must show what was seeded: a note and a sent form, in the server's HTML.
  await expect(frame.locator("li.note").first()).toBeVisible();
  await expect(frame.locator("li.submission").first()).toBeVisible();
  await screenshotPanel(page, "customer-panel.png");
});

test("the README's pictures in Dutch, the default language", async ({ browser, request }) => {
  await seedCustomerPicture(request);
  for (const [query, name, heading] of [
    [`token=${TOKEN}&email=${EMAIL}&phoneNumber=`, "customer-panel-nl.png", "Frame Tester"],
    [`token=${TOKEN}&email=&phoneNumber=`, "company-panel-nl.png", "Bedrijf"],
  ]) {
    const context = await browser.newContext({ locale: "nl-NL", viewport: { width: 360, height: 720 } });
    const page = await context.newPage();
    await belcoAround(context, query, 350, asIs);
    await page.goto(`${BELCO}/customers/1`);
    await expect.poll(async () => (await messages(page)).length).toBeGreaterThan(0);
    const frame = shopFrame(page);
    await expect(frame.locator("html")).toHaveAttribute("lang", "nl");
    await expect(frame.getByRole("heading", { level: 1 })).toHaveText(heading);
    await screenshotPanel(page, name);
    await context.close();
  }
});

test("the company panel appears without email and phone", async ({ page, context }) => {
  await belcoAround(context, `token=${TOKEN}&email=&phoneNumber=`);
  await page.goto(`${BELCO}/company`);
  await expect.poll(async () => (await messages(page)).length).toBeGreaterThan(0);
  const frame = shopFrame(page);
  await expect(frame.getByRole("heading", { level: 1 })).toHaveText("Company");
  await expect(frame.getByText("Frame Tester")).toHaveCount(0);
  await screenshotPanel(page, "company-panel.png");
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

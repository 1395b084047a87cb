import path from "node:path";

import { type Page, expect, test } from "@playwright/test";

import { LOCAL, NOT_CONFIGURED, PREVIEW_TOKEN, SCREENSHOTS, TOKEN, importOrders, watchProblems } from "./belco";

// The local Belco preview (`/preview`, on in this run with BELCO_PREVIEW=on): the frame loaded
// from the server's own origin inside an imitation of Belco's customer card, through the same
// frame-ancestors and postMessage checks Belco's page meets.
const ANNA = "preview-anna@example.com";
const BEN = "preview-ben@example.com";
const BEN_PHONE = "+31 6 2222 3333";

test.beforeAll(() => {
  test.skip(!!NOT_CONFIGURED, NOT_CONFIGURED);
  const order = (id: string, email: string, phone: string, name: string, date: string, total: number) => ({
    id: `preview-e2e-${id}`,
    number: `PV-${id}`,
    date,
    status: "shipped",
    currency: "EUR",
    note: "",
    products: [{ name: "Canvas tote", quantity: 1, price: total }],
    total,
    url: `https://shop.example/admin/orders/${id}`,
    email,
    phoneNumber: phone,
    customerName: name,
  });
  // Dated in the future, so these are the newest orders and their customers head the picker.
  importOrders([
    order("1", ANNA, "", "Anna Preview", "2099-01-02", 24),
    order("2", ANNA, "", "Anna Preview", "2099-01-03", 48),
    order("3", BEN, BEN_PHONE, "Ben Preview", "2099-01-01", 12.5),
  ]);
});

const sidebarFrame = (page: Page) => page.frameLocator("iframe.belco-card__frame");

/** The resize log's entries, as the preview lists them. */
async function logged(page: Page): Promise<string[]> {
  return page.locator(".resize-log__entry").allInnerTexts();
}

/** Waits for a resize logged after the last load, and answers its height. */
async function settledHeight(page: Page): Promise<number> {
  let height = 0;
  await expect
    .poll(
      async () => {
        const entries = await logged(page);
        const sinceLoad = entries.slice(entries.findLastIndex((e) => e.includes("Loading")) + 1);
        const last = sinceLoad.reverse().find((e) => e.includes("resize →"));
        height = Number(last?.match(/resize → (\d+) px/)?.[1] ?? 0);
        return height;
      },
      { message: "a resize message since the last load" },
    )
    .toBeGreaterThan(0);
  return height;
}

test("the preview needs its own token, never the shop's", async ({ page }) => {
  for (const query of ["preview_token=not-the-token", `token=${TOKEN}`, `preview_token=${TOKEN}`]) {
    const response = await page.goto(`${LOCAL}/preview?${query}`);
    expect(response?.status()).toBe(401);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not authorized");
    await expect(page.getByText(ANNA)).toHaveCount(0);
  }
});

test("pick a customer: the frame loads as Belco loads it, resizes, and the orders and the log show", async ({
  page,
}) => {
  const problems = watchProblems(page);
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.goto(`${LOCAL}/preview?preview_token=${PREVIEW_TOKEN}`);
  await expect(page.getByRole("button", { name: "Open" })).toBeEnabled();

  // The newest customer comes first and is loaded at once.
  const picker = page.getByLabel("Customer", { exact: true });
  await expect(picker.locator("option:checked")).toHaveText(`Anna Preview · ${ANNA}`);
  await expect(sidebarFrame(page).getByRole("heading", { level: 1 })).toHaveText("Anna Preview");
  const height = await settledHeight(page);
  const frame = page.locator("iframe.belco-card__frame");
  // Sized by the message, as Belco sizes it, to the frame's own document height.
  await expect(frame).toHaveAttribute("height", String(height));
  expect(await sidebarFrame(page).locator("body").evaluate((b) => b.scrollHeight)).toBe(height);
  expect(await frame.evaluate((f) => f.getBoundingClientRect().width)).toBe(350 - 2 * 12 - 2);
  await expect(page.locator(".preview__url")).toHaveText(/\/frame\?token=•••&email=preview-anna@example\.com&phoneNumber=$/);

  // The orders block lists what the orders API answered, newest first.
  const orders = page.locator(".belco-orders");
  await expect(orders.locator(".belco-orders__number")).toHaveText(["#PV-2", "#PV-1"]);
  await expect(orders.getByText("The JSON Belco received (200)")).toBeVisible();

  // Opening an order in the frame makes it taller: a new message, and the iframe follows.
  await sidebarFrame(page).locator("summary").first().click();
  await expect.poll(async () => Number(await frame.getAttribute("height"))).toBeGreaterThan(height);
  const taller = Number(await frame.getAttribute("height"));
  await expect(page.locator(".resize-log__entry").last()).toContainText(`resize → ${taller} px`);

  // Another customer, picked from the list: the URL Belco builds, unencoded (the phone's + and
  // spaces as they are).
  await picker.selectOption({ label: `Ben Preview · ${BEN} · ${BEN_PHONE}` });
  await expect(sidebarFrame(page).getByRole("heading", { level: 1 })).toHaveText("Ben Preview");
  await expect(frame).toHaveAttribute("src", `/frame?preview_token=${PREVIEW_TOKEN}&email=${BEN}&phoneNumber=${BEN_PHONE}`);
  await expect(orders.locator(".belco-orders__number")).toHaveText(["#PV-3"]);
  await settledHeight(page);
  expect(await logged(page)).toContainEqual(expect.stringContaining(`Loading ${BEN}, ${BEN_PHONE}`));

  // Anyone typed in: a phone number alone finds Ben's orders too.
  await page.getByLabel("email", { exact: true }).fill("");
  await page.getByLabel("phoneNumber", { exact: true }).fill("+31622223333");
  await page.getByRole("button", { name: "Open" }).click();
  await expect(frame).toHaveAttribute("src", `/frame?preview_token=${PREVIEW_TOKEN}&email=&phoneNumber=+31622223333`);
  await expect(sidebarFrame(page).getByRole("heading", { level: 1 })).toHaveText("Ben Preview");
  await expect(orders.locator(".belco-orders__number")).toHaveText(["#PV-3"]);

  // Nobody at all: the company panel.
  await picker.selectOption({ value: "company" });
  await expect(sidebarFrame(page).getByRole("heading", { level: 1 })).toHaveText("Company");
  await expect(frame).toHaveAttribute("src", `/frame?preview_token=${PREVIEW_TOKEN}`);
  await settledHeight(page);

  // The inspector lists the frame loads (and the preview's lookups), newest first, with the
  // customers masked.
  const calls = page
    .locator(".calls__table")
    .first()
    .locator("tbody tr")
    .filter({ has: page.locator("td:nth-child(2)", { hasText: /^frame$/ }) });
  await expect.poll(async () => calls.count()).toBeGreaterThan(2);
  await expect(calls.first()).toContainText("preview");
  await expect(calls.first()).toContainText("answered the company panel");
  // Belco's calls, then (when there are any) the refused ones in a table of their own.
  await expect(page.locator(".calls__table").first()).toContainText("p•••@e•••.com");
  for (const table of await page.locator(".calls__table").all()) {
    await expect(table).not.toContainText(ANNA);
  }
  expect(problems).toEqual([]);

  // The README's picture: a customer in the sidebar, their orders, the log and the calls.
  await picker.selectOption({ label: `Anna Preview · ${ANNA}` });
  await expect(sidebarFrame(page).getByRole("heading", { level: 1 })).toHaveText("Anna Preview");
  await settledHeight(page);
  // Down to the sidebar's end: the calls table below runs as long as the run's calls.
  const stage = await page.locator(".preview__stage").boundingBox();
  if (!stage) throw new Error("no sidebar on the page");
  await page.screenshot({
    path: path.join(SCREENSHOTS, "preview.png"),
    fullPage: true,
    clip: { x: 0, y: 0, width: 1200, height: Math.ceil(stage.y + stage.height + 16) },
  });
});

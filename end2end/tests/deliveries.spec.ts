import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";

import { type Frame, expect, test } from "@playwright/test";

import { NOT_CONFIGURED, TOKEN, hydrated, openPanel, watchProblems } from "./belco";

// A sent form's webhook delivery, as the agent sees it in the panel: scripts/test gives the
// end-to-end server a forms file whose warehouse form is delivered to 127.0.0.1 on
// BELCO_E2E_WEBHOOK_PORT, retried 2 s after a failure and given up after 3 attempts. This spec
// is that receiver, answering 500 or 200 as each test needs. The panel is never reloaded: the
// badge changes because the panel asks for the list again while a delivery is under way.
const PORT = Number(process.env.BELCO_E2E_WEBHOOK_PORT ?? 0);
const RUN = Date.now().toString(36);
const COMPANY = `token=${TOKEN}&email=&phoneNumber=`;

let answer = 500;
const received: { id: string; body: string; status: number }[] = [];
let receiver: Server | undefined;

test.beforeAll(async () => {
  test.skip(!!NOT_CONFIGURED, NOT_CONFIGURED);
  test.skip(!PORT, "needs BELCO_E2E_WEBHOOK_PORT and the forms file that delivers there (see scripts/test)");
  receiver = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ id: String(request.headers["webhook-id"] ?? ""), body, status: answer });
      response.writeHead(answer, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver?.listen(PORT, "127.0.0.1", resolve));
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

/** Sends the warehouse form from the company panel; the sent form's list item. */
async function sendWarehouseForm(frame: Frame, details: string) {
  const card = frame.locator("details.form-card", { has: frame.locator("summary", { hasText: "warehouse" }) });
  await card.locator("summary").click();
  const form = card.locator("form");
  await form.getByLabel("Your name").fill(`Courier ${RUN}`);
  await form.getByLabel("Problem").selectOption("Stock count is wrong");
  await form.getByLabel("What happened?").fill(details);
  await form.getByRole("button", { name: "Send" }).click();
  await expect(form.getByRole("status")).toHaveText("Sent: Report a problem to the warehouse.");
  return frame.locator("section.submissions li.submission", { hasText: details });
}

test("a delivery that fails is shown retrying with its next attempt, then delivered", async ({ page, context }) => {
  const problems = watchProblems(page);
  const frame = await openPanel(page, context, COMPANY);
  await hydrated(frame, problems);
  answer = 500;
  const details = `Shelf C2 shows 4, holds 0 (${RUN}).`;
  const sent = await sendWarehouseForm(frame, details);
  const badge = sent.locator(".submission__delivery");
  await expect(badge).toHaveClass(/submission__delivery--retrying/, { timeout: 15_000 });
  await expect(badge).toContainText("Not delivered yet (the receiver answered 500 Internal Server Error); next attempt");
  await expect(badge.locator("time")).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);

  answer = 200;
  await expect(badge).toHaveText("Delivered to the shop", { timeout: 20_000 });
  await expect(badge).toHaveClass(/submission__delivery--delivered/);
  const mine = received.filter((r) => r.body.includes(details));
  expect(mine.length).toBeGreaterThanOrEqual(2);
  expect(new Set(mine.map((r) => r.id)).size).toBe(1);
  expect(mine.filter((r) => r.status === 200)).toHaveLength(1);
  expect(JSON.parse(mine[0].body).data.form.id).toBe("warehouse-problem");
  expect(problems).toEqual([]);
});

test("a delivery whose every attempt fails is shown as failed, with the receiver's answer", async ({ page, context }) => {
  const problems = watchProblems(page);
  const frame = await openPanel(page, context, COMPANY);
  await hydrated(frame, problems);
  answer = 500;
  const details = `Pallet 7 counted twice (${RUN}).`;
  const sent = await sendWarehouseForm(frame, details);
  const badge = sent.locator(".submission__delivery");
  await expect(badge).toHaveClass(/submission__delivery--failed/, { timeout: 30_000 });
  await expect(badge).toContainText(
    "Not delivered after 3 attempts: the receiver answered 500 Internal Server Error. An administrator can retry it",
  );
  expect(received.filter((r) => r.body.includes(details))).toHaveLength(3);
  expect(problems).toEqual([]);
});

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { type BrowserContext, type Frame, type Page, expect } from "@playwright/test";

// The frame exactly as Belco embeds it: a host page on https://app.belco.io (the default
// BELCO_ORIGIN) frames https://shop.example/frame?token=…, and both origins are answered here,
// the shop's by the server under test. Chromium then applies frame-ancestors, postMessage
// target origins and Referer policies as it will inside Belco.
export const BELCO = "https://app.belco.io";
export const SHOP = "https://shop.example";
export const LOCAL = process.env.BASE_URL ?? "http://127.0.0.1:3000";
export const TOKEN = process.env.BELCO_E2E_TOKEN ?? "";
/** The preview's own token (BELCO_PREVIEW_TOKEN), never one of the shop's. */
export const PREVIEW_TOKEN = process.env.BELCO_E2E_PREVIEW_TOKEN ?? "";

/** Why a spec that needs the server's token and database cannot run (or "" when it can). */
export const NOT_CONFIGURED =
  !TOKEN || !process.env.DATABASE_URL ? "needs BELCO_E2E_TOKEN and DATABASE_URL (see scripts/test)" : "";

export type Message = { origin: string; data: unknown };

/** Where the README's pictures of both panels come from: written on every run. */
export const SCREENSHOTS = path.resolve(__dirname, "../screenshots");

/** One order in the import file format (`belco-panel import`). */
export type ImportedOrder = {
  id: string;
  number: string;
  date: string;
  status: string;
  currency: string;
  note: string;
  products: { name: string; quantity: number; price: number }[];
  total: number;
  url: string;
  email: string;
  customerName: string;
};

/** Loads orders the way a shop loads them: `belco-panel import`, on the database the server
 *  under test reads. */
export function importOrders(orders: ImportedOrder[]): void {
  const binary = process.env.BELCO_BIN ?? path.resolve(__dirname, "../../target/release/belco-panel");
  if (!existsSync(binary)) throw new Error(`no belco-panel binary at ${binary} (set BELCO_BIN)`);
  const dir = mkdtempSync(path.join(tmpdir(), "belco-frame-e2e-"));
  const file = path.join(dir, "orders.json");
  writeFileSync(file, JSON.stringify({ orders }));
  execFileSync(binary, ["import", file], { stdio: "pipe", env: process.env });
}

/** The frame's query parameter that asks for the panel in English. The panel's default language
 *  is Dutch (BELCO_LANGUAGE), and these tests read its English words. */
export const ENGLISH = "lang=en";

/** `frameQuery` asking for the panel in English, unless it names a language itself. */
export function inEnglish(frameQuery: string): string {
  return /(^|&)lang=/.test(frameQuery) ? frameQuery : `${ENGLISH}&${frameQuery}`;
}

/** `frameQuery` as it is: the language is the browser's or the server's default. */
export function asIs(frameQuery: string): string {
  return frameQuery;
}

/** Answers both origins: Belco's with a host page that records messages and sizes the iframe as
 *  Belco does, the shop's from the local server. The frame is asked for in English
 *  ({@link inEnglish}) unless `language` says otherwise (`asIs`: the query as given). */
export async function belcoAround(
  context: BrowserContext,
  frameQuery: string,
  width = 350,
  language: (query: string) => string = inEnglish,
): Promise<void> {
  const src = `${SHOP}/frame?${language(frameQuery)}`.replaceAll("&", "&amp;");
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

export async function messages(page: Page): Promise<Message[]> {
  return page.evaluate(() => (window as unknown as { messages: Message[] }).messages);
}

export function shopFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(`${SHOP}/frame`));
  if (!frame) throw new Error("the panel's frame is not there");
  return frame;
}

export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  return problems;
}

/** Opens Belco's host page around the panel for `frameQuery` and waits for the panel's first
 *  resize message, which the inline script sends once the server's HTML is laid out. */
export async function openPanel(page: Page, context: BrowserContext, frameQuery: string, width = 350): Promise<Frame> {
  await belcoAround(context, frameQuery, width);
  await page.goto(`${BELCO}/customers/1`);
  await expect.poll(async () => (await messages(page)).length, { message: "a first resize message" }).toBeGreaterThan(0);
  return shopFrame(page);
}

/** Waits until every island's submit button is enabled: the server renders them disabled and
 *  each island enables its own once hydrated, so before that a click would do nothing. Nothing
 *  here touches the frame: the islands must hydrate without input (see "the islands hydrate
 *  without input" in panel.spec.ts). */
export async function hydrated(frame: Frame, problems: string[] = []): Promise<void> {
  const buttons = frame.locator(".note-form button[type=submit], .form-card__body button[type=submit]");
  await expect
    .poll(
      async () => {
        const states = await buttons.evaluateAll((all) => all.map((b) => !(b as HTMLButtonElement).disabled));
        if (states.length > 0 && states.every(Boolean)) return "hydrated";
        return problems.join(" | ") || "not yet";
      },
      { message: "the islands hydrate", timeout: 15_000 },
    )
    .toBe("hydrated");
}

/** The capability the server signed into the frame's page: the islands' props carry it. */
export async function capabilityOf(frame: Frame): Promise<string> {
  const html = await frame.evaluate(() => document.documentElement.outerHTML);
  const found = html.match(/v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
  if (!found) throw new Error("no capability in the frame's page");
  return found[0];
}

/** A server function called from inside the frame, as an island would (same origin, JSON). */
export async function callFromFrame(
  frame: Frame,
  endpoint: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  return frame.evaluate(
    async ({ endpoint, body }) => {
      const response = await fetch(`/fn/${endpoint}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: keep the text, so a failure shows what came back.
      }
      return { status: response.status, body: parsed };
    },
    { endpoint, body },
  );
}

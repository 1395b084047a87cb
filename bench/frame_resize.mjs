// bench/frame_resize.mjs — time from "Belco sets the iframe's src" to the frame's first
// {action:'resize'} message, in the system Chromium, for belco-panel's /frame and for a static
// server answering the same page's bytes. Started by bench/frame; see bench/README.md.
//
//   node bench/frame_resize.mjs          (environment below; bench/frame sets all of it)
//
// Environment:
//   END2END_DIR   folder whose node_modules holds @playwright/test (default: ../end2end from here)
//   HOST_PORT     port of the host page this script serves on http://localhost:HOST_PORT — the
//                 origin the servers were given as BELCO_ORIGIN (frame-ancestors, postMessage)
//   TARGETS       space-separated NAME=URL pairs, e.g. "ours=http://127.0.0.1:3401/frame?token=..
//                 static=http://127.0.0.1:3402/frame?token=.."; each URL is one iframe src
//   N             measured navigations per target (default 30), WARM warm-up ones (default 3)
//   COLD=1        a new browser context (empty HTTP cache, no pooled connections) per navigation;
//                 default: one context per target, so the stylesheet and scripts are cached after
//                 the warm-up, as for an agent going from one customer to the next
//   WIDTH         iframe width in px (default 350, Belco's sidebar)
//
// Each navigation opens a fresh page on the host page; its inline script records performance.now()
// (t0) just before it sets the iframe's src, and again (t1) when the first message from the frame's
// origin with action 'resize' arrives. Targets alternate navigation by navigation (ours, static,
// ours, …) so that drift in the machine's load hits both alike. Afterwards Playwright reads the
// frame's own Navigation/Resource Timing (it can, although the frame is cross-origin) and maps it
// onto the host's clock through performance.timeOrigin, to split t1 - t0 into phases.
//
// Prints one line per target to stdout:
//   RESIZE_RESULT target=NAME n=.. median_ms=.. p95_ms=.. min_ms=.. max_ms=.. <phase>_ms=.. (medians)
// and the raw per-navigation samples as JSON to RAW_FILE when set. Exit 1 if any navigation failed.

import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const END2END_DIR = process.env.END2END_DIR ?? path.resolve(here, "../end2end");
// ESM resolves bare imports from this file's folder, not the working directory: ask end2end's.
const require = createRequire(path.join(END2END_DIR, "package.json"));
const { chromium } = require("@playwright/test");

const HOST_PORT = Number(process.env.HOST_PORT ?? "3499");
const N = Number(process.env.N ?? "30");
const WARM = Number(process.env.WARM ?? "3");
const COLD = process.env.COLD === "1";
const WIDTH = Number(process.env.WIDTH ?? "350");
const TARGETS = (process.env.TARGETS ?? "")
  .split(/\s+/)
  .filter(Boolean)
  .map((pair) => {
    const i = pair.indexOf("=");
    return { name: pair.slice(0, i), src: pair.slice(i + 1) };
  });
if (TARGETS.length === 0) throw new Error("TARGETS is empty (NAME=URL ...)");

const HOST = `http://localhost:${HOST_PORT}`;

function hostPage(src) {
  const origin = new URL(src).origin;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Belco (bench)</title></head><body>
<iframe id="panel" style="width: ${WIDTH}px; height: 800px; border: 0"></iframe>
<script>
  window.result = null;
  let t0 = 0;
  window.addEventListener("message", (event) => {
    if (window.result || event.origin !== ${JSON.stringify(origin)}) return;
    if (!event.data || event.data.action !== "resize") return;
    window.result = { t0, t1: performance.now(), height: event.data.height, timeOrigin: performance.timeOrigin };
    document.getElementById("panel").style.height = event.data.height + "px";
  });
  const frame = document.getElementById("panel");
  t0 = performance.now();
  frame.src = ${JSON.stringify(src)};
</script>
</body></html>`;
}

// The host page: /?t=NAME frames that target's URL.
const server = http.createServer((req, res) => {
  const url = new URL(req.url, HOST);
  if (url.pathname === "/favicon.ico") {
    res.writeHead(204, { "cache-control": "max-age=3600" }).end();
    return;
  }
  const target = TARGETS.find((t) => t.name === url.searchParams.get("t"));
  if (!target) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(hostPage(target.src));
});
await new Promise((resolve) => server.listen(HOST_PORT, "127.0.0.1", resolve));

const browser = await chromium.launch({
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
});

const contexts = new Map();
async function contextFor(name) {
  if (COLD) return browser.newContext({ viewport: { width: 360, height: 720 } });
  if (!contexts.has(name)) contexts.set(name, await browser.newContext({ viewport: { width: 360, height: 720 } }));
  return contexts.get(name);
}

const problems = [];
async function navigate(target) {
  const context = await contextFor(target.name);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} for ${r.url().replace(/token=[^&]*/, "token=…")}`));
  try {
    await page.goto(`${HOST}/?t=${target.name}`);
    await page.waitForFunction(() => window.result !== null, null, { timeout: 15_000, polling: 50 });
    const r = await page.evaluate(() => window.result);
    const origin = new URL(target.src).origin;
    const frame = page.frames().find((f) => f.url().startsWith(origin));
    let phases = {};
    if (frame) {
      const t = await frame.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const css = performance.getEntriesByType("resource").find((e) => e.name.endsWith(".css"));
        return {
          timeOrigin: performance.timeOrigin,
          nav: nav && nav.toJSON(),
          cssStart: css ? css.startTime : null,
          cssEnd: css ? css.responseEnd : null,
          cssCached: css ? css.transferSize === 0 : null,
        };
      });
      // frame time x happened at host time x + shift
      const shift = t.timeOrigin - r.timeOrigin;
      const at = (x) => (x == null || x === 0 ? null : x + shift - r.t0);
      if (t.nav) {
        phases = {
          frame_start: at(0) ?? shift - r.t0, // the frame's navigation began (timeOrigin)
          request_start: at(t.nav.requestStart),
          response_start: at(t.nav.responseStart), // first byte of the HTML
          response_end: at(t.nav.responseEnd), // last byte of the HTML
          css_start: at(t.cssStart), // the parser reached the stylesheet link: the document is live in its renderer
          css_end: at(t.cssEnd), // stylesheet in (render-blocking; the inline script waits for it)
          dom_interactive: at(t.nav.domInteractive), // parsed, the resize script has run
          ttfb: t.nav.responseStart - t.nav.requestStart, // server time + loopback, frame's view
          css_cached: t.cssCached,
        };
      }
    }
    if (errors.length) problems.push(`${target.name}: ${errors.join("; ")}`);
    return { first_resize: r.t1 - r.t0, height: r.height, ...phases };
  } finally {
    await page.close();
    if (COLD) await context.close();
  }
}

const samples = Object.fromEntries(TARGETS.map((t) => [t.name, []]));
let failed = false;
try {
  for (let i = 0; i < WARM; i++) for (const t of TARGETS) await navigate(t);
  for (let i = 0; i < N; i++) {
    for (const t of TARGETS) samples[t.name].push(await navigate(t));
  }
} catch (e) {
  console.error(`frame_resize: ${e.stack ?? e}`);
  failed = true;
} finally {
  await browser.close();
  server.close();
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
};
for (const t of TARGETS) {
  const xs = samples[t.name];
  if (xs.length === 0) continue;
  const v = xs.map((x) => x.first_resize);
  const fields = [`target=${t.name}`, `n=${xs.length}`];
  fields.push(`median_ms=${quantile(v, 0.5).toFixed(1)}`, `p95_ms=${quantile(v, 0.95).toFixed(1)}`);
  fields.push(`min_ms=${Math.min(...v).toFixed(1)}`, `max_ms=${Math.max(...v).toFixed(1)}`);
  for (const k of ["frame_start", "request_start", "response_start", "response_end", "css_start", "css_end", "dom_interactive", "ttfb"]) {
    const ys = xs.map((x) => x[k]).filter((y) => typeof y === "number");
    if (ys.length) fields.push(`${k}_ms=${quantile(ys, 0.5).toFixed(1)}`);
  }
  fields.push(`css_cached=${xs.filter((x) => x.css_cached).length}/${xs.length}`);
  fields.push(`height=${xs[xs.length - 1].height}`);
  console.log(`RESIZE_RESULT ${fields.join(" ")}`);
}
if (process.env.RAW_FILE) writeFileSync(process.env.RAW_FILE, JSON.stringify(samples, null, 1));
for (const p of [...new Set(problems)]) console.error(`frame_resize: page problem: ${p}`);
process.exit(failed ? 1 : 0);

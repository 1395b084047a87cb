import { type Browser, type Frame, type Page, expect, test } from "@playwright/test";

import {
  BELCO,
  asIs,
  NOT_CONFIGURED,
  SHOP,
  TOKEN,
  belcoAround,
  hydrated,
  importOrders,
  messages,
  shopFrame,
  watchProblems,
} from "./belco";

// The panel in the agent's language and the shop's clock, in the frame as Belco embeds it (see
// belco.ts). The server under test runs with the defaults: BELCO_LANGUAGE=nl and
// BELCO_TIMEZONE=Europe/Amsterdam. Each test opens its own browser context with the browser
// language it needs (Playwright's `locale` sets Accept-Language and navigator.language).
const RUN = Date.now().toString(36);
const EMAIL = `language-e2e-${RUN}@example.com`;
const customer = (email: string, extra = "") => `token=${TOKEN}&email=${email}&phoneNumber=${extra}`;
const COMPANY = `token=${TOKEN}&email=&phoneNumber=`;

test.beforeAll(() => {
  test.skip(!!NOT_CONFIGURED, NOT_CONFIGURED);
  // Orders on both sides of Amsterdam's daylight-saving changes of 2026, each placed half an
  // hour or so before midnight UTC, so its day in Amsterdam shows which offset was applied.
  const order = (id: string, date: string, total: number) => ({
    id: `language-e2e-${RUN}-${id}`,
    number: `LANG-${id}`,
    date,
    status: "completed",
    currency: "EUR",
    note: "",
    products: [{ name: "Wollen trui", quantity: 1, price: total }],
    total,
    url: "",
    email: EMAIL,
    customerName: "Anouk Jansen",
  });
  importOrders([
    order("spring-before", "2026-03-28T23:30:00Z", 1234.5), // CET, +1: 29 March, 00:30
    order("spring-after", "2026-03-29T22:30:00Z", 10), // CEST, +2: 30 March, 00:30
    order("autumn-before", "2026-10-24T22:30:00Z", 20), // CEST, +2: 25 October, 00:30
    order("autumn-after", "2026-10-25T22:30:00Z", 30), // CET, +1: still 25 October, 23:30
  ]);
});

/** Belco's page around the panel for `frameQuery`, in a browser whose language is `locale`. */
async function panelIn(browser: Browser, locale: string, frameQuery: string): Promise<{ page: Page; frame: Frame }> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await belcoAround(context, frameQuery, 350, asIs);
  await page.goto(`${BELCO}/customers/1`);
  await expect.poll(async () => (await messages(page)).length, { message: "a first resize message" }).toBeGreaterThan(0);
  return { page, frame: shopFrame(page) };
}

async function lang(frame: Frame): Promise<string | null> {
  return frame.locator("html").getAttribute("lang");
}

test("the customer panel speaks Dutch by default, English when the browser asks for it", async ({ browser }) => {
  // A browser that asks for neither language: BELCO_LANGUAGE decides, Dutch.
  const dutch = await panelIn(browser, "de-DE", customer(EMAIL));
  const problems = watchProblems(dutch.page);
  expect(await lang(dutch.frame)).toBe("nl");
  await expect(dutch.frame.getByRole("heading", { level: 2, name: "Bestellingen" })).toBeVisible();
  await expect(dutch.frame.getByText("Klant sinds")).toBeVisible();
  await expect(dutch.frame.getByText("Totaal besteed")).toBeVisible();
  await expect(dutch.frame.getByRole("heading", { name: "Notities" })).toBeVisible();
  await expect(dutch.frame.getByRole("heading", { name: "Formulieren", exact: true })).toBeVisible();
  await expect(dutch.frame.getByText("Retourverzoek")).toBeVisible();
  // Amounts the Dutch way, with a no-break space after the symbol.
  await expect(dutch.frame.locator(".order__total", { hasText: "1.234,50" })).toHaveText("€\u00a01.234,50");
  await hydrated(dutch.frame, problems);
  expect(problems).toEqual([]);

  const english = await panelIn(browser, "en-GB", customer(EMAIL));
  expect(await lang(english.frame)).toBe("en");
  await expect(english.frame.getByRole("heading", { level: 2, name: "Orders" })).toBeVisible();
  await expect(english.frame.getByText("Customer since")).toBeVisible();
  await expect(english.frame.getByText("Return request")).toBeVisible();
  await expect(english.frame.locator(".order__total", { hasText: "1,234.50" })).toHaveText("€1,234.50");

  // Belgian Dutch is Dutch.
  const belgian = await panelIn(browser, "nl-BE", customer(EMAIL));
  expect(await lang(belgian.frame)).toBe("nl");
});

test("lang= on the frame URL beats the browser's language, and an ambiguous one falls through", async ({ browser }) => {
  const english = await panelIn(browser, "nl-NL", customer(EMAIL, "&lang=en"));
  expect(await lang(english.frame)).toBe("en");
  await expect(english.frame.getByRole("heading", { level: 2, name: "Orders" })).toBeVisible();

  // Wherever it stands in the URL.
  const dutch = await panelIn(browser, "en-US", `lang=nl&${customer(EMAIL)}`);
  expect(await lang(dutch.frame)).toBe("nl");

  // Two different values name no language: the browser's decides, and the page is not refused.
  const both = await panelIn(browser, "en-US", customer(EMAIL, "&lang=nl&lang=en"));
  expect(await lang(both.frame)).toBe("en");
  await expect(both.frame.getByRole("heading", { level: 1 })).toHaveText("Anouk Jansen");
});

test("times are in the shop's zone on both sides of a daylight-saving change", async ({ browser }) => {
  const { frame } = await panelIn(browser, "nl-NL", customer(EMAIL));
  const dateOf = (number: string) =>
    frame.locator("li.order", { has: frame.locator(".order__number", { hasText: number }) }).locator("time");
  // Before and after the spring change (CET +1, then CEST +2), and the autumn one (CEST, CET).
  await expect(dateOf("LANG-spring-before")).toHaveText("29 mrt. 2026");
  await expect(dateOf("LANG-spring-before")).toHaveAttribute("datetime", "2026-03-28T23:30:00Z");
  await expect(dateOf("LANG-spring-after")).toHaveText("30 mrt. 2026");
  await expect(dateOf("LANG-spring-after")).toHaveAttribute("datetime", "2026-03-29T22:30:00Z");
  await expect(dateOf("LANG-autumn-before")).toHaveText("25 okt. 2026");
  await expect(dateOf("LANG-autumn-after")).toHaveText("25 okt. 2026");
  await expect(dateOf("LANG-autumn-after")).toHaveAttribute("datetime", "2026-10-25T22:30:00Z");
  // "Customer since" is the first order's day, in the zone too.
  await expect(frame.locator(".facts__item", { hasText: "Klant sinds" }).locator("time")).toHaveText("29 mrt. 2026");
});

test("the agent's choice of language survives a reload and beats the URL's lang", async ({ browser }) => {
  // Belco's URL asks for Dutch; the agent switches to English.
  const { page, frame } = await panelIn(browser, "nl-NL", customer(EMAIL, "&lang=nl"));
  expect(await lang(frame)).toBe("nl");
  await expect(frame.locator("button[data-lang=nl]")).toHaveAttribute("aria-pressed", "true");
  await frame.locator("button[data-lang=en]").click();
  await expect.poll(async () => lang(shopFrame(page))).toBe("en");
  await expect(shopFrame(page).getByRole("heading", { level: 2, name: "Orders" })).toBeVisible();
  await expect(shopFrame(page).locator("button[data-lang=en]")).toHaveAttribute("aria-pressed", "true");

  // Belco loads the frame again with its own URL (lang=nl): the remembered choice wins, before
  // the Dutch page is ever shown to the agent.
  const frameLoads: string[] = [];
  page.on("request", (request) => {
    if (request.url().startsWith(`${SHOP}/frame`)) frameLoads.push(new URL(request.url()).searchParams.getAll("lang").join(","));
  });
  await page.reload();
  await expect.poll(async () => lang(shopFrame(page))).toBe("en");
  await expect(shopFrame(page).getByRole("heading", { level: 1 })).toHaveText("Anouk Jansen");
  expect(frameLoads).toEqual(["nl", "en"]);
  expect(shopFrame(page).url()).toContain(`email=${EMAIL}`);

  // Back to Dutch, and that is remembered too.
  await shopFrame(page).locator("button[data-lang=nl]").click();
  await expect.poll(async () => lang(shopFrame(page))).toBe("nl");
  await page.reload();
  await expect.poll(async () => (await messages(page)).length).toBeGreaterThan(0);
  await expect.poll(async () => lang(shopFrame(page))).toBe("nl");
});

test("a note and a form sent in Dutch, with Dutch messages and numbers typed the Dutch way", async ({ browser }) => {
  const email = `language-e2e-forms-${RUN}@example.com`;
  const { page, frame } = await panelIn(browser, "nl-NL", customer(email));
  const problems = watchProblems(page);
  await hydrated(frame, problems);

  // A note without a name: the server's message, in Dutch.
  const notes = frame.locator("section.notes");
  await notes.getByLabel("Nieuwe notitie").fill("Belt morgen terug over de retour.");
  await notes.getByRole("button", { name: "Notitie toevoegen" }).click();
  await expect(notes.locator(".form-error")).toHaveText("Vul je naam in, zodat collega's weten wie dit schreef.");
  await notes.getByLabel("Je naam").fill("Sam");
  await notes.getByRole("button", { name: "Notitie toevoegen" }).click();
  const note = notes.locator("li.note", { hasText: "Belt morgen terug over de retour." });
  await expect(note).toBeVisible();
  await expect(note.getByRole("button", { name: "Bewerken" })).toBeVisible();
  // Written now, shown in Amsterdam's time the Dutch way: `7 dec. 2026, 15:05`.
  await expect(note.locator(".note__meta time")).toHaveText(/^\d{1,2} (jan\.|feb\.|mrt\.|apr\.|mei|jun\.|jul\.|aug\.|sep\.|okt\.|nov\.|dec\.) \d{4}, \d{2}:\d{2}$/);

  // The return request in Dutch: a point where a Dutch agent writes a comma is refused.
  const card = frame.locator("details.form-card", { has: frame.locator("summary", { hasText: "Retourverzoek" }) });
  await card.locator("summary").click();
  await card.getByLabel("Je naam").fill("Sam");
  await card.getByLabel("Ordernummer").fill("100234");
  await card.getByLabel("Terug te sturen artikelen").fill("1 trui");
  await card.getByLabel("Aantal artikelen").fill("1.5");
  await card.getByLabel("Reden").selectOption({ label: "Te klein" });
  await card.getByRole("button", { name: "Versturen" }).click();
  await expect(card.locator("#form-return-request-item_count-error")).toHaveText(
    "Gebruik een komma voor decimalen, zoals 3,5.",
  );
  await expect(card.locator(".form-card__status")).toHaveText("Controleer de gemarkeerde velden hieronder.");
  await card.getByLabel("Aantal artikelen").fill("1,5");
  await card.getByRole("button", { name: "Versturen" }).click();
  await expect(card.locator(".form-card__status")).toHaveText("Verzonden: Retourverzoek.");
  const sent = frame.locator("li.submission", { hasText: "Retourverzoek" });
  await expect(sent).toBeVisible();
  await sent.locator("summary").click();
  // The labels as the agent saw them; the number as the same exact decimal, written the Dutch
  // way; the option in the agent's language (it is stored as "Too small", whatever the language
  // it was picked in).
  await expect(sent.locator(".submission__answers")).toContainText("Aantal artikelen1,5");
  await expect(sent.locator(".submission__answers")).toContainText("RedenTe klein");
  await expect(sent.locator(".submission__answers")).toContainText("Klant wil liever ruilen dan geld terugNee");
  // The note refused for its missing name answered 422, which the browser reports; nothing else.
  expect(problems.filter((problem) => !/status of 422/.test(problem))).toEqual([]);
});

test("the company panel and a refused link, in Dutch and in English", async ({ browser }) => {
  const company = await panelIn(browser, "nl-NL", COMPANY);
  expect(await lang(company.frame)).toBe("nl");
  await expect(company.frame.getByRole("heading", { level: 1 })).toHaveText("Bedrijf");
  await expect(company.frame.getByText("Opgeslagen bestellingen")).toBeVisible();
  await expect(company.frame.locator("summary.form-card__title")).toHaveText(["Probleem melden aan het magazijn"]);

  // By the default (a browser asking for neither language) and by lang=.
  const companyDefault = await panelIn(browser, "de-DE", COMPANY);
  await expect(companyDefault.frame.getByRole("heading", { level: 1 })).toHaveText("Bedrijf");
  const companyLang = await panelIn(browser, "nl-NL", `${COMPANY}&lang=en`);
  await expect(companyLang.frame.getByRole("heading", { level: 1 })).toHaveText("Company");

  const companyEn = await panelIn(browser, "en-US", COMPANY);
  await expect(companyEn.frame.getByRole("heading", { level: 1 })).toHaveText("Company");
  await expect(companyEn.frame.locator("summary.form-card__title")).toHaveText(["Report a problem to the warehouse"]);

  const refused = await panelIn(browser, "nl-NL", `token=not-the-token-${TOKEN}&email=${EMAIL}`);
  expect(await lang(refused.frame)).toBe("nl");
  await expect(refused.frame.getByRole("heading", { level: 1 })).toHaveText("Geen toegang");
  await expect(refused.frame.getByText("Anouk Jansen")).toHaveCount(0);
  const refusedEn = await panelIn(browser, "nl-NL", `token=not-the-token-${TOKEN}&email=${EMAIL}&lang=en`);
  await expect(refusedEn.frame.getByRole("heading", { level: 1 })).toHaveText("Not authorized");
  const refusedBrowser = await panelIn(browser, "en-GB", `token=not-the-token-${TOKEN}&email=${EMAIL}`);
  await expect(refusedBrowser.frame.getByRole("heading", { level: 1 })).toHaveText("Not authorized");
  const refusedDefault = await panelIn(browser, "de-DE", `token=not-the-token-${TOKEN}&email=${EMAIL}`);
  await expect(refusedDefault.frame.getByRole("heading", { level: 1 })).toHaveText("Geen toegang");
  // The switch is on a refused page too, and the choice holds there.
  await refusedDefault.frame.locator("button[data-lang=en]").click();
  await expect.poll(async () => lang(shopFrame(refusedDefault.page))).toBe("en");
  await expect(shopFrame(refusedDefault.page).getByRole("heading", { level: 1 })).toHaveText("Not authorized");
});

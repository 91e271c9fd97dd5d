import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach } from 'vitest';
import type { HttpClient } from './http.ts';
import { ADMIN } from './server.ts';

/** Debian's Chromium; no browser is downloaded. Flags keep it off the (closed) network. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Every person's browser context, so the accessibility scan reaches every page the tests opened. */
const contexts = new Set<BrowserContext>();

/** A fresh context is a fresh "person": its own cookies, storage and clipboard permission. axe-core rides along in every page. */
export async function newPerson(browser: Browser, baseURL: string, locale = 'nl-NL'): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, locale });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  // Injected by the DevTools protocol, so the page's CSP (script-src 'self') does not apply to it.
  await context.addInitScript({ content: AXE_SOURCE });
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  // A test that closes its person has its pages scanned first, as they were left.
  const close = context.close.bind(context);
  context.close = async (options) => {
    await expectAccessible(context.pages().filter((p) => lastScanned.get(p) !== p.url()));
    return close(options);
  };
  return context;
}

/** A browser "person" that already holds the cookies of `http` (signed-in staff or a joined guest). */
export async function personWith(browser: Browser, baseURL: string, http: HttpClient, locale = 'nl-NL'): Promise<Page> {
  const context = await newPerson(browser, baseURL, locale);
  await context.addCookies(
    http.cookieHeader
      .split('; ')
      .filter(Boolean)
      .map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: baseURL })),
  );
  return context.newPage();
}

/** Signs the administrator in through the sign-in form, as a person would, and waits for Mijn kamers. */
export async function signInAdmin(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('E-mailadres').fill(ADMIN.email);
  await page.getByLabel('Wachtwoord').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('heading', { name: 'Mijn kamers' }).waitFor();
}

// ---- accessibility ---------------------------------------------------------------------------

interface AxeOutcome {
  version: string;
  /** Ids of the rules that ran, and of those that found something to check (passed, failed or unsure). */
  ran: string[];
  applied: string[];
  violations: { id: string; impact: string | null; help: string; targets: string[] }[];
}

const SERIOUS = new Set(['serious', 'critical']);
const scanned = { scans: 0, pages: new Set<string>(), ran: new Set<string>(), applied: new Set<string>(), version: '' };

/**
 * Runs axe-core in one page through the DevTools protocol: a Playwright evaluate would count as a
 * user gesture and could unlock autoplay in the middle of a test.
 */
async function runAxe(page: Page): Promise<AxeOutcome | null> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const expression = `(async () => {
      if (!window.axe) return null;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      const ids = (list) => list.map((x) => x.id);
      return {
        version: axe.version,
        ran: [...ids(r.passes), ...ids(r.violations), ...ids(r.incomplete), ...ids(r.inapplicable)],
        applied: [...ids(r.passes), ...ids(r.violations), ...ids(r.incomplete)],
        violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })),
      };
    })()`;
    const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`axe-core failed in ${page.url()}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as AxeOutcome | null;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** The address each page had when it was last scanned: a page left as it was is not scanned again. */
const lastScanned = new WeakMap<Page, string>();

/**
 * Scans pages with axe-core and fails on any violation of impact serious or critical: `pages`, or
 * every open page of every person that is new or at another address since its last scan. The
 * browser tests call it after each test and wherever a state worth checking appears (an open
 * menu, a form showing its errors).
 */
export async function expectAccessible(pages?: Page[]): Promise<void> {
  const targets = pages ?? [...contexts].flatMap((c) => c.pages()).filter((p) => lastScanned.get(p) !== p.url());
  const problems: string[] = [];
  for (const page of targets) {
    if (page.isClosed() || !page.url().startsWith('http')) continue;
    lastScanned.set(page, page.url());
    await page.waitForLoadState('domcontentloaded');
    const outcome = await runAxe(page);
    if (!outcome) continue;
    scanned.scans++;
    scanned.version = outcome.version;
    scanned.pages.add(new URL(page.url()).pathname.replace(/[A-Za-z0-9_-]{16,}/g, ':id'));
    for (const id of outcome.ran) scanned.ran.add(id);
    for (const id of outcome.applied) scanned.applied.add(id);
    for (const v of outcome.violations) {
      if (SERIOUS.has(v.impact ?? '')) problems.push(`${page.url()} ${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')}`);
    }
  }
  if (problems.length > 0) throw new Error(`accessibility violations:\n${problems.join('\n')}`);
}

/** After each test, every open page not yet scanned where it is now; at the end the file's totals are printed. */
export function useAccessibilityScan(): void {
  afterEach(async () => {
    await expectAccessible();
  });
  afterAll(() => {
    console.log(
      `axe-core ${scanned.version}: ${scanned.scans} scans of ${scanned.pages.size} screens (${[...scanned.pages].sort().join(', ')}); ` +
        `${scanned.ran.size} rules checked, ${scanned.applied.size} of them applied; 0 serious or critical violations`,
    );
  });
}

// ---- the picture on screen --------------------------------------------------------------------

/**
 * The frame number (tests/fixtures/README.md) of what the video element shows on screen right now:
 * the poster before the first play, the decoded frame after. Read from a screenshot, not from the
 * element, because the poster is no frame of the element.
 */
export async function frameOnScreen(page: Page, selector = 'video'): Promise<number> {
  const png = (await page.locator(selector).screenshot()).toString('base64');
  return page.evaluate(async (data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const image = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(image, 0, 0);
    // The 4:3 picture is letterboxed into the element's box (object-fit: contain, the default).
    const scale = Math.min(image.width / 320, image.height / 240);
    const ox = (image.width - 320 * scale) / 2;
    const oy = (image.height - 240 * scale) / 2;
    let frame = 0;
    for (let i = 0; i < 12; i++) {
      const [r, g, b] = ctx.getImageData(Math.round(ox + (72 + 16 * i) * scale), Math.round(oy + 232 * scale), 1, 1).data;
      frame = (frame << 1) | ((r! + g! + b!) / 3 >= 128 ? 1 : 0);
    }
    return frame;
  }, png);
}

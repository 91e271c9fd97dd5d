import { chromium, type Browser, type BrowserContext } from 'playwright-core';

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

/** A fresh context is a fresh "person": its own cookies, storage and clipboard permission. */
export async function newPerson(browser: Browser, baseURL: string, locale = 'nl-NL'): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, locale });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  return context;
}

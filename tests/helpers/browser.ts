import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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

/** A fresh context is a fresh "person": its own cookies, storage and clipboard permission. */
export async function newPerson(browser: Browser, baseURL: string, locale = 'nl-NL'): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, locale });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  return context;
}

/** Signs the administrator in through the sign-in form, as a person would, and waits for Mijn kamers. */
export async function signInAdmin(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('E-mailadres').fill(ADMIN.email);
  await page.getByLabel('Wachtwoord').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('heading', { name: 'Mijn kamers' }).waitFor();
}

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, useAccessibilityScan } from '../helpers/browser.ts';
import { ADMIN, startServer, type TestServer } from '../helpers/server.ts';

describe('foundation in a real browser', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  /** Console errors and uncaught exceptions of every page: a CSP violation shows up here. */
  const pageErrors: string[] = [];
  const watch = (page: Page): Page => {
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 40[13]/.test(m.text())) pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    return page;
  };
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  async function guestJoins(url: string, name: string): Promise<Page> {
    const page = watch(await (await newPerson(browser, server.url)).newPage());
    await page.goto(url);
    await page.getByLabel('Je naam zoals anderen die zien').fill(name);
    await page.getByRole('button', { name: 'Deelnemen' }).click();
    await page.getByRole('heading', { name: 'Deelnemers' }).waitFor();
    return page;
  }

  const participantNames = (page: Page) => page.getByRole('list', { name: 'Deelnemers' }).getByRole('listitem');

  it('host signs in, creates a room, invites a klantmanager and a coach, and all three see each other; a revoked link is refused', async () => {
    const host = watch(await (await newPerson(browser, server.url)).newPage());
    await host.goto('/');
    await host.getByLabel('E-mailadres').fill(ADMIN.email);
    await host.getByLabel('Wachtwoord').fill(ADMIN.password);
    await host.getByRole('button', { name: 'Inloggen' }).click();
    await host.getByRole('heading', { name: 'Mijn kamers' }).waitFor();

    await host.getByRole('link', { name: 'Nieuwe kamer' }).click();
    await host.getByLabel('Titel').fill('Gesprek met mevrouw B.');
    await host.getByLabel('Datum van het opgenomen gesprek').fill('2026-11-20');
    await host.getByRole('button', { name: 'Kamer maken' }).click();
    await host.getByRole('heading', { name: 'Uitnodigen' }).waitFor();

    const links: Record<string, string> = {};
    for (const [value, label] of [['klantmanager', 'klantmanager'], ['coach', 'coach']] as const) {
      await host.getByLabel('Rol', { exact: true }).selectOption(value);
      await host.getByRole('button', { name: 'Link maken' }).click();
      await host.getByRole('button', { name: `Kopieer link voor ${label}` }).click();
      await host.getByRole('button', { name: 'Gekopieerd' }).waitFor();
      links[value] = await host.evaluate(() => navigator.clipboard.readText());
      expect(links[value]).toMatch(/\/join\/[A-Za-z0-9_-]+#[A-Za-z0-9_-]{43}$/);
    }

    const km = await guestJoins(links.klantmanager!, 'Karin');
    const coach = await guestJoins(links.coach!, 'Coen');
    for (const page of [host, km, coach]) {
      await expect.poll(async () => (await participantNames(page).allTextContents()).length, { timeout: 10_000 }).toBe(3);
      const text = (await participantNames(page).allTextContents()).join(' | ');
      expect(text).toContain('Beheerder');
      expect(text).toContain('Karin');
      expect(text).toContain('Coen');
    }
    // The invite token left the address bar once exchanged for the room cookie.
    expect(km.url()).not.toContain('#');

    await host.getByRole('button', { name: 'Intrekken: coach' }).click();
    await host.getByRole('dialog').getByRole('button', { name: 'Ja, doorgaan' }).click();
    await coach.getByText('Je toegang tot deze kamer is beëindigd').waitFor();
    await expect.poll(async () => (await participantNames(host).allTextContents()).length).toBe(2);

    const late = await (await newPerson(browser, server.url)).newPage();
    await late.goto(links.coach!);
    await late.getByRole('alert').filter({ hasText: 'ingetrokken' }).waitFor();
    expect(await late.getByRole('button', { name: 'Deelnemen' }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('switches the interface to English', async () => {
    const page = await (await newPerson(browser, server.url)).newPage();
    await page.goto('/inloggen');
    await page.getByLabel('Taal').selectOption('en');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByLabel('E-mail address').count()).toBe(1);
  });
});

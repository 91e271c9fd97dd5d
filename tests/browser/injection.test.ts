/**
 * The same hostile room as tests/integration/injection.test.ts, seen in real Chromium by its host
 * and a guest: Mijn kamers, the join page, the room (participants, observations, every Kijkwijzer
 * tab, the video's facts, consent and access log), the print report and the trajects. On every
 * page the payloads must be visible as text, no element of theirs may exist, nothing may run
 * (no dialog, no `window.__xss`) and the browser must report no CSP violation — which would mean
 * something tried to run and only the policy stopped it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { hostileRoom, MARK, type HostileRoom } from '../helpers/payloads.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('payloads in every free-text field are inert in every view', () => {
  let server: TestServer;
  let browser: Browser;
  let h: HostileRoom;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    h = await hostileRoom(server);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  async function person(http: HttpClient | null): Promise<Page> {
    const context = await newPerson(browser, server.url);
    if (http) {
      await context.addCookies(
        http.cookieHeader
          .split('; ')
          .filter(Boolean)
          .map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: server.url })),
      );
    }
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) problems.push(`CSP: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    return page;
  }

  /** The page shows our text as text (it rendered), and nothing of it became markup or ran. */
  async function inert(page: Page, where: string, visible: string): Promise<void> {
    await page.getByText(visible, { exact: false }).filter({ visible: true }).first().waitFor({ timeout: 20_000 });
    expect(await page.locator(`[${MARK}]`).count(), `${where}: injected elements`).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), `${where}: script ran`).toBeUndefined();
    expect(problems, where).toEqual([]);
  }

  it('Mijn kamers and the trajects show titles and names as text', async () => {
    const page = await person(h.host);
    await page.goto('/kamers');
    await inert(page, 'Mijn kamers', '<script data-xss>');
    await page.goto('/trajecten');
    await inert(page, 'trajecten', '<script data-xss>');
    await page.goto(`/traject/${h.trajectId}`);
    await inert(page, 'traject', '<img src=x data-xss');
    await page.context().close();
  });

  it('the join page shows the room title and the host’s name as text', async () => {
    const page = await person(null);
    await page.goto(`/join/${h.room.id}#${h.inviteToken}`);
    await inert(page, 'join page', '=1+1<img src=x data-xss>');
  });

  it('the room shows every field as text, for the host on every Kijkwijzer tab', async () => {
    const page = await person(h.host);
    await page.goto(`/kamer/${h.room.id}`);
    await inert(page, 'room', '<iframe data-xss');
    for (const tab of ['Werkblad', 'Vragen en tips', 'Fragmenten', 'Aandachtspunten', 'SLIM', 'Voorbereiding']) {
      await page.getByRole('tablist', { name: 'Kijkwijzer' }).getByRole('tab', { name: tab }).click();
      await inert(page, `room, tab ${tab}`, 'data-xss');
    }
    await page.context().close();
  });

  it('the room as a guest (klantmanager) shows the same as text', async () => {
    const page = await person(h.guests[0]!);
    await page.goto(`/kamer/${h.room.id}`);
    await inert(page, 'room as guest', '<svg data-xss');
    await page.context().close();
  });

  it('the print report (HTML, and what becomes the PDF) shows every field as text', async () => {
    const page = await person(h.host);
    await page.goto(`/kamer/${h.room.id}/verslag`);
    await inert(page, 'report', '<img src=x data-xss');
    await page.emulateMedia({ media: 'print' });
    await inert(page, 'report (print)', '<img src=x data-xss');
    await page.context().close();
  });
});

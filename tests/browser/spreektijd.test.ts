import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpreektijdView } from '../../shared/spreektijd/schemas.ts';
import { launchBrowser, newPerson } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { analysed, fixtureBytes } from '../helpers/spreektijd.ts';

const POLL = { timeout: 30_000, interval: 100 };

describe('spreektijd in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  let guest: HttpClient;
  let roomId: string;
  let view: SpreektijdView;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
    host = await signedInAdmin(server);
    roomId = (await createRoom(host, 'Gesprek over de opleiding')).id;
    await giveConsent(host, roomId, { allowedRoles: ['klantmanager'] });
    guest = (await joinAsGuest(server, roomId, (await invite(host, roomId, 'klantmanager')).token, 'Karin')).guest;
    expect((await new TusClient(host, roomId).upload(fixtureBytes('same-gender'), 1 << 20, 'gesprek.mp4')).status).toBe(204);
    view = await analysed(host, roomId);
    expect(view.status.state).toBe('done');
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    expect(errors).toEqual([]);
  });

  async function person(http: HttpClient): Promise<Page> {
    const context = await newPerson(browser, server.url);
    await context.addCookies(
      http.cookieHeader
        .split('; ')
        .filter(Boolean)
        .map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: server.url })),
    );
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().includes('Content Security Policy')) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    return page;
  }

  const lane = (page: Page) => page.getByRole('toolbar', { name: 'Sprekers in de tijd' });
  const openGuide = (page: Page) => page.getByRole('tablist', { name: 'Kijkwijzer' }).getByRole('tab', { name: 'Vragen en tips' }).click();
  /** The talk-share line of the first voice, as the figures panel shows it. */
  const shareOf = (page: Page, speaker: string) => page.getByRole('region', { name: 'Gemeten spreektijd' }).getByText(new RegExp(`^${speaker}: `)).first().textContent();

  it('one person corrects a turn and the other sees the lane and the figures change', async () => {
    const hostPage = await person(host);
    const kmPage = await person(guest);
    for (const page of [hostPage, kmPage]) {
      await page.goto(`/kamer/${roomId}`);
      await lane(page).waitFor();
    }
    // The spreektijd theme in the werkblad puts the measured figures next to its questions.
    const themes = hostPage.getByRole('group', { name: 'Thema’s waar ik specifiek op ga letten (kies er 1 tot 3)' });
    await themes.getByRole('checkbox', { name: /^Spreektijd/ }).check();
    for (const page of [hostPage, kmPage]) {
      await openGuide(page);
      await page.getByRole('heading', { name: 'Gemeten spreektijd' }).waitFor();
    }
    expect(await lane(kmPage).getByRole('button').count()).toBe(view.turns.length);
    const before = await shareOf(kmPage, 'Spreker 2');

    // The host picks the first turn on the lane (the shared playhead goes there) and gives it to the other voice.
    const first = view.turns[0]!;
    await lane(hostPage).getByRole('button').first().click();
    await hostPage.getByText(/^Gekozen beurt: Spreker 1/).waitFor();
    await hostPage.getByLabel('Wie spreekt hier?').selectOption({ label: 'Spreker 2' });
    await expect.poll(() => shareOf(kmPage, 'Spreker 2'), POLL).not.toBe(before);
    expect(await shareOf(kmPage, 'Spreker 2')).toBe(await shareOf(hostPage, 'Spreker 2'));
    await expect.poll(() => lane(kmPage).getByRole('button').first().getAttribute('data-speaker'), POLL).toBe('s2');
    expect(first.speaker).toBe('s1');

    // Undo puts it back for everyone.
    await hostPage.getByRole('button', { name: 'Correctie ongedaan maken' }).click();
    await expect.poll(() => shareOf(kmPage, 'Spreker 2'), POLL).toBe(before);

    // Who is who: the host names the first voice; the other person's legend and figures say so.
    await hostPage.getByText('Wie is wie?').click();
    await hostPage.getByLabel('Rol van Spreker 1').selectOption({ label: 'Klantmanager' });
    await kmPage.getByRole('list', { name: 'Sprekers' }).getByText('Klantmanager').waitFor();
    await expect.poll(() => shareOf(kmPage, 'Klantmanager'), POLL).toMatch(/^Klantmanager: .*%\)$/);
  });

  it('works from the keyboard: arrows along the lane, Enter seeks there, and a monologue becomes evidence in one click', async () => {
    const page = await person(host);
    await page.goto(`/kamer/${roomId}`);
    const buttons = lane(page).getByRole('button');
    await buttons.first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-index')), POLL).toBe('2');
    await page.keyboard.press('Enter');
    const third = view.turns[2]!;
    await expect.poll(() => page.getByLabel('Video: gesprek.mp4').evaluate((v: HTMLVideoElement) => v.currentTime), POLL).toBeGreaterThan(third.start - 0.5);
    await page.getByText(/^Gekozen beurt: /).waitFor();

    await openGuide(page);
    const figures = page.getByRole('region', { name: 'Gemeten spreektijd' });
    await figures.getByRole('button', { name: /^Als observatie bij Spreektijd: / }).first().click();
    await figures.getByText('Toegevoegd als observatie (zie, Spreektijd).').waitFor();
    await page.getByRole('region', { name: 'Observaties' }).getByText(/aaneengesloten aan het woord/).first().waitFor();
  });
});

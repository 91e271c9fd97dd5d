import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Traject } from '../../shared/api/kijkwijzer-schemas.ts';
import type { Room } from '../../shared/api/schemas.ts';
import { addAandachtspunt } from '../../shared/kijkwijzer/doc.ts';
import { launchBrowser, newPerson, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const POLL = { timeout: 20_000, interval: 100 };
const VIDEO = 'Video: gesprek.mp4';

describe('the Kijkwijzer in a real browser', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    // The second person's video follows the room without a click of their own.
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    // CSP violations and uncaught exceptions of every page, checked once at the end.
    expect(errors).toEqual([]);
  });

  /** A browser "person" carrying the HTTP client's cookies (signed-in staff or joined guest). */
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

  const video = (page: Page) => page.getByLabel(VIDEO);
  const videoState = (page: Page) => video(page).evaluate((v: HTMLVideoElement) => ({ paused: v.paused, time: v.currentTime }));
  const openTab = (page: Page, name: string) => page.getByRole('tablist', { name: 'Kijkwijzer' }).getByRole('tab', { name }).click();

  const fragmentTitle = (page: Page, title: string) => page.getByRole('list', { name: 'Fragmenten' }).getByText(new RegExp(`^\\d+\\. ${title}$`));

  async function addFragment(page: Page, title: string, start: string, end: string, question: string) {
    await page.getByRole('button', { name: 'Nieuw fragment' }).click();
    const form = page.getByRole('form', { name: 'Nieuw fragment' });
    await form.getByLabel('Titel').fill(title);
    await form.getByLabel('Begin', { exact: true }).fill(start);
    await form.getByLabel('Einde', { exact: true }).fill(end);
    await form.getByLabel('Reflectievraag').fill(question);
    await form.getByRole('button', { name: 'Fragment toevoegen' }).click();
    await fragmentTitle(page, title).waitFor();
  }

  /** Both pages' videos paused on the fragment's end (the pause lands on the end frame everywhere). */
  async function bothPausedAt(pages: Page[], end: number) {
    for (const page of pages) {
      await expect.poll(async () => (await videoState(page)).paused, POLL).toBe(true);
      await expect.poll(async () => Math.abs((await videoState(page)).time - end), POLL).toBeLessThan(0.1);
    }
  }

  it('plays the fragments playlist in sync and pauses both browsers at the end of each fragment', async () => {
    const demo = await host.post<Room>('/api/demo');
    expect(demo.status).toBe(201);
    const roomId = demo.body.id;
    const { guest } = await joinAsGuest(server, roomId, (await invite(host, roomId, 'klantmanager')).token, 'Karin');
    const hostPage = await person(host);
    const kmPage = await person(guest);
    for (const page of [hostPage, kmPage]) {
      await page.goto(`/kamer/${roomId}`);
      await video(page).waitFor();
      await expect.poll(() => video(page).evaluate((v: HTMLVideoElement) => v.readyState), POLL).toBeGreaterThanOrEqual(1);
    }

    await openTab(hostPage, 'Fragmenten');
    await addFragment(hostPage, 'Begin van het gesprek', '0:02', '0:04.5', 'Hoe maakte je contact?');
    await addFragment(hostPage, 'Het doel', '0:09', '0:11', 'Was het doel duidelijk?');
    await openTab(kmPage, 'Fragmenten');
    await fragmentTitle(kmPage, 'Het doel').waitFor();

    await hostPage.getByRole('button', { name: 'Start met fragment: Begin van het gesprek' }).click();
    // Playing first: the pause at the end is the playlist's doing, not a seek that never played.
    await expect.poll(async () => (await videoState(kmPage)).time, POLL).toBeGreaterThan(2.2);
    await bothPausedAt([hostPage, kmPage], 4.5);
    await kmPage.getByText('Fragment 1 van 2: Begin van het gesprek').waitFor();
    await kmPage.getByText('Hoe maakte je contact?').first().waitFor();
    await hostPage.getByText('Gepauzeerd aan het einde — tijd voor het gesprek.').waitFor();

    await hostPage.getByRole('button', { name: 'Volgend fragment: Het doel' }).click();
    await expect.poll(async () => (await videoState(kmPage)).time, POLL).toBeGreaterThan(9.2);
    await bothPausedAt([hostPage, kmPage], 11);
    await kmPage.getByText('Fragment 2 van 2: Het doel').waitFor();
    expect(await hostPage.getByRole('button', { name: /^Volgend fragment/ }).count()).toBe(0);
  });

  it('enforces 1 to 3 themes in the werkblad with a clear message, and lists every shortcut on ?', async () => {
    const demo = await host.post<Room>('/api/demo');
    const page = await person(host);
    await page.goto(`/kamer/${demo.body.id}`);
    const themes = page.getByRole('group', { name: 'Thema’s waar ik specifiek op ga letten (kies er 1 tot 3)' });
    for (const name of [/^Emotie/, /^Weerstand/, /^Feedback/]) await themes.getByRole('checkbox', { name }).check();
    // A fourth cannot be chosen: its box is disabled, with the reason beside the boxes.
    await expect.poll(() => themes.getByRole('checkbox', { name: /^Resultaten/ }).isDisabled()).toBe(true);
    await themes.getByText('Je hebt 3 thema’s gekozen, het maximum. Haal er eerst een weg om een ander te kiezen.').waitFor();
    expect(await themes.getByRole('checkbox', { name: /^Resultaten/ }).isChecked()).toBe(false);
    await page.getByText('3 van maximaal 3 thema’s gekozen.').waitFor();
    // The chosen themes' questions while watching.
    await openTab(page, 'Vragen en tips');
    await page.getByRole('heading', { name: /^Weerstand:/ }).waitFor();

    await page.locator('body').press('?');
    const dialog = page.getByRole('dialog', { name: 'Sneltoetsen in de kamer' });
    await dialog.waitFor();
    for (const text of ['afspelen of pauzeren', 'één beeld terug, vooruit', 'nieuwe observatie bij het huidige moment', 'deze lijst tonen']) await dialog.getByText(text).waitFor();
    await dialog.getByRole('button', { name: 'Sluiten' }).click();
  });

  it('shows the previous conversation\'s aandachtspunten in the next room, and the traject page shows the learning', async () => {
    const traject = (await host.post<Traject>('/api/trajects', { title: 'Traject mevrouw B.', klantmanagerName: 'Karin' })).body;
    const first = (await host.post<Room>('/api/rooms', { title: 'Eerste gesprek', recordedOn: '2026-11-02' })).body;
    const second = (await host.post<Room>('/api/rooms', { title: 'Tweede gesprek', recordedOn: '2026-11-30' })).body;
    for (const room of [first, second]) await host.put(`/api/rooms/${room.id}/traject`, { trajectId: traject.id });
    addAandachtspunt(await server.app.services.notes.getDoc(first.id), { text: 'Eerst vragen wat de cliënt wil bespreken', fragmentIds: [], observationIds: [], authorId: 'k', authorName: 'Karin' });

    const page = await person(host);
    await page.goto(`/kamer/${second.id}`);
    await openTab(page, 'Aandachtspunten');
    await page.getByRole('heading', { name: 'Aandachtspunten uit het vorige gesprek (Eerste gesprek)' }).waitFor();
    await page.getByText('Eerst vragen wat de cliënt wil bespreken').waitFor();
    const form = page.getByRole('form', { name: 'Leerpunt bij: Eerst vragen wat de cliënt wil bespreken' });
    await form.getByLabel('Wat heb ik geprobeerd?').fill('Het gesprek geopend met haar agenda');
    await form.getByLabel('Hoe ging het?').fill('Ze kwam zelf met haar vraag');
    await form.getByRole('button', { name: 'Opslaan' }).click();

    await page.goto(`/traject/${traject.id}`);
    await page.getByRole('heading', { name: 'Traject mevrouw B.' }).waitFor();
    const conversations = page.getByRole('list', { name: 'Gesprekken in volgorde' });
    await expect.poll(async () => (await conversations.getByRole('heading', { level: 2 }).allTextContents()).join(' | '), POLL).toBe('1. Eerste gesprek | 2. Tweede gesprek');
    await page.getByRole('list', { name: 'Aandachtspunten van Eerste gesprek' }).getByText('Eerst vragen wat de cliënt wil bespreken').waitFor();
    await page.getByText('Ze kwam zelf met haar vraag').waitFor();
    await page.getByRole('button', { name: /^Delen als tekst/ }).click();
    await page.getByRole('status').filter({ hasText: 'Gekopieerd' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain('Wat ik heb geprobeerd:\nHet gesprek geopend met haar agenda');
    expect(copied).not.toContain('Karin');
    expect(copied).not.toContain('Eerste gesprek');
  });
});

import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { addObservation, deleteObservation, readObservations } from '../../shared/notes/doc.ts';
import { launchBrowser, newPerson, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced } from '../helpers/yjs.ts';

const POLL = { timeout: 15_000, interval: 100 };

interface Person {
  context: BrowserContext;
  page: Page;
  /** Console errors about the Content Security Policy: there must never be any. */
  cspErrors: string[];
}

describe('live observations in a real browser', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  const people: Person[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    // Every page of every test, checked once more at the end: none may have hit the CSP.
    const violations = people.flatMap((p) => p.cspErrors);
    await browser?.close();
    await server?.dispose();
    expect(violations).toEqual([]);
  });

  /** A browser "person" carrying the HTTP client's cookies (signed-in staff or joined guest). */
  async function person(http: HttpClient): Promise<Person> {
    const context = await newPerson(browser, server.url);
    const cookies = http.cookieHeader
      .split('; ')
      .filter(Boolean)
      .map((pair) => {
        const eq = pair.indexOf('=');
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
      });
    await context.addCookies(cookies);
    const page = await context.newPage();
    const p: Person = { context, page, cspErrors: [] };
    page.on('console', (msg) => {
      if (msg.type() === 'error' && msg.text().includes('Content Security Policy')) p.cspErrors.push(msg.text());
    });
    people.push(p);
    return p;
  }

  async function roomWith(roles: ('klantmanager' | 'meekijker')[]): Promise<{ room: Room; guests: HttpClient[] }> {
    const room = await createRoom(host);
    const guests: HttpClient[] = [];
    for (const [i, role] of roles.entries()) {
      const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, role)).token, i === 0 ? 'Karin' : `Gast ${i}`);
      guests.push(guest);
    }
    return { room, guests };
  }

  async function enter(p: Person, roomId: string, status: RegExp = /^Opgeslagen$/): Promise<Page> {
    await p.page.goto(`/kamer/${roomId}`);
    await expect.poll(() => notesStatus(p.page), POLL).toMatch(status);
    return p.page;
  }

  const notesStatus = (page: Page) => page.locator('.notes-status').textContent();
  const items = (page: Page) => page.getByRole('list', { name: 'Observaties' }).locator(':scope > li');
  const item = (page: Page, time = '0:00') => page.getByRole('article', { name: new RegExp(`^Observatie bij ${time}\\b`) });
  const editor = (scope: Page | Locator) => scope.getByRole('textbox', { name: /^Tekst van de observatie/ });
  /** The text as the list shows it once nobody here has the editor open. */
  const shownText = (page: Page) => item(page).locator('p.text').textContent();

  it('lets two people type into the same observation at once; both end with the same text, with each other’s cursor, and the editor styled without CSP violations', async () => {
    const { room, guests } = await roomWith(['klantmanager']);
    const a = await enter(await person(host), room.id);
    const b = await enter(await person(guests[0]!), room.id);

    await a.keyboard.press('n');
    await editor(a).waitFor();
    await a.keyboard.type('midden', { delay: 20 });
    await expect.poll(() => shownText(b), POLL).toBe('midden');

    await item(b).getByRole('button', { name: 'Tekst bewerken' }).click();
    await editor(b).waitFor();
    await b.keyboard.press('End');
    await a.keyboard.press('Home');
    // Each sees the other in the observation: a named cursor in the text, a badge on the item.
    await a.locator('.cm-ySelectionInfo', { hasText: 'Karin' }).waitFor(POLL);
    await item(a).getByText(/^Karin (bewerkt|typt…)$/).waitFor(POLL);

    await Promise.all([a.keyboard.type('begin ', { delay: 35 }), b.keyboard.type(' einde', { delay: 35 })]);
    await a.keyboard.press('Escape');
    await b.keyboard.press('Escape');
    await expect.poll(() => shownText(a), POLL).toBe('begin midden einde');
    await expect.poll(() => shownText(b), POLL).toBe('begin midden einde');

    // CodeMirror's own styles reached its shadow root (base theme: a flex editor; ours: padding).
    await item(a).getByRole('button', { name: 'Tekst bewerken' }).click();
    const styles = await item(a).locator('.cm-editor').evaluate((el) => ({
      display: getComputedStyle(el).display,
      padding: getComputedStyle(el.querySelector('.cm-content')!).paddingTop,
    }));
    expect(styles.display).toBe('flex');
    expect(Number.parseFloat(styles.padding)).toBeGreaterThan(10);
    for (const p of people) expect(p.cspErrors).toEqual([]);
  });

  it('keeps edits made offline and merges them with the others’ when the connection is back', async () => {
    const { room, guests } = await roomWith(['klantmanager']);
    const a = await enter(await person(host), room.id);
    const karin = await person(guests[0]!);
    const b = await enter(karin, room.id);

    await b.keyboard.press('n');
    await editor(b).waitFor();
    await b.keyboard.type('voor', { delay: 20 });
    await b.keyboard.press('Escape');
    await expect.poll(() => shownText(a), POLL).toBe('voor');

    await karin.context.setOffline(true);
    await expect.poll(() => notesStatus(b), POLL).toBe('Offline — wijzigingen worden bewaard');
    await item(b).getByRole('button', { name: 'Tekst bewerken' }).click();
    await b.keyboard.press('End');
    await b.keyboard.type(' offline', { delay: 20 });
    await b.keyboard.press('Escape');
    await item(b).getByRole('button', { name: 'Vraag' }).click();
    // Meanwhile the host writes too, in the same text.
    await item(a).getByRole('button', { name: 'Tekst bewerken' }).click();
    await a.keyboard.press('Home');
    await a.keyboard.type('online ', { delay: 20 });
    await a.keyboard.press('Escape');
    expect(await shownText(a)).toBe('online voor');
    expect(await shownText(b)).toBe('voor offline');
    expect(await notesStatus(b)).toBe('Offline — wijzigingen worden bewaard');

    await karin.context.setOffline(false);
    await expect.poll(() => notesStatus(b), POLL).toBe('Opgeslagen');
    for (const page of [a, b]) {
      await expect.poll(() => shownText(page), POLL).toBe('online voor offline');
      await expect.poll(() => item(page).getByRole('button', { name: 'Vraag' }).getAttribute('aria-pressed'), POLL).toBe('true');
    }
  });

  it('undoes only your own changes: undo in one browser leaves the other’s typing alone', async () => {
    const { room, guests } = await roomWith(['klantmanager']);
    const a = await enter(await person(host), room.id);
    const b = await enter(await person(guests[0]!), room.id);

    await a.keyboard.press('n');
    await editor(a).waitFor();
    await a.keyboard.type('eerst', { delay: 20 });
    await a.keyboard.press('Escape');
    await expect.poll(() => shownText(b), POLL).toBe('eerst');
    await item(b).getByRole('button', { name: 'Tekst bewerken' }).click();
    await b.keyboard.press('End');
    await b.keyboard.type(' daarna', { delay: 20 });
    await b.keyboard.press('Escape');
    await expect.poll(() => shownText(a), POLL).toBe('eerst daarna');

    // Focus is on a button, not in an editor: the page-wide Ctrl+Z undoes the host's own typing.
    await a.keyboard.press('Control+z');
    for (const page of [a, b]) await expect.poll(() => shownText(page), POLL).toBe(' daarna');
    await a.keyboard.press('Control+Shift+z');
    for (const page of [a, b]) await expect.poll(() => shownText(page), POLL).toBe('eerst daarna');
    // And the guest's undo inside the editor takes back only the guest's words.
    await item(b).getByRole('button', { name: 'Tekst bewerken' }).click();
    await editor(b).waitFor();
    await b.keyboard.press('Control+z');
    await b.keyboard.press('Escape');
    for (const page of [a, b]) await expect.poll(() => shownText(page), POLL).toBe('eerst');
  });

  it('asks before deleting, and the delete can be undone for everyone', async () => {
    const { room, guests } = await roomWith(['klantmanager']);
    const a = await enter(await person(host), room.id);
    const b = await enter(await person(guests[0]!), room.id);
    await a.keyboard.press('n');
    await editor(a).waitFor();
    await a.keyboard.type('weg ermee?', { delay: 20 });
    await a.keyboard.press('Escape');
    await expect.poll(() => shownText(b), POLL).toBe('weg ermee?');

    await item(a).getByRole('button', { name: 'Observatie bij 0:00 verwijderen' }).click();
    const dialog = a.getByRole('dialog', { name: 'Observatie bij 0:00 verwijderen' });
    await dialog.getByText('Je kunt het daarna ongedaan maken').waitFor();
    await dialog.getByRole('button', { name: 'Annuleren' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await items(a).count()).toBe(1);

    await item(a).getByRole('button', { name: 'Observatie bij 0:00 verwijderen' }).click();
    await dialog.getByRole('button', { name: 'Verwijderen' }).click();
    for (const page of [a, b]) await expect.poll(() => items(page).count(), POLL).toBe(0);
    const notice = a.getByRole('status').filter({ hasText: 'Observatie bij 0:00 verwijderd.' });
    await notice.getByRole('button', { name: 'Ongedaan maken' }).click();
    for (const page of [a, b]) await expect.poll(() => shownText(page), POLL).toBe('weg ermee?');
    await notice.waitFor({ state: 'hidden' });
  });

  it('shows a meekijker the observations without any edit control, and N does nothing', async () => {
    const { room, guests } = await roomWith(['meekijker']);
    const writer = openProvider(host, room.id);
    try {
      await synced(writer);
      addObservation(writer.doc, { start: 65, end: 70, themes: ['weerstand'], kind: 'zie', text: 'kijkt weg', authorId: 'x', authorName: 'Beheerder', role: 'begeleider' });
      const page = await enter(await person(guests[0]!), room.id, /^Alleen lezen$/);
      await expect.poll(() => item(page, '1:05').locator('p.text').textContent(), POLL).toBe('kijkt weg');
      await item(page, '1:05').getByText('Weerstand').waitFor();
      await page.keyboard.press('n');
      expect(await items(page).count()).toBe(1);
      expect(await editor(page).count()).toBe(0);
      for (const name of [/Nieuwe observatie/, /Tekst bewerken/, /verwijderen/, /Thema kiezen/, /^Zie$/, /Ongedaan maken/]) {
        expect(await page.getByRole('button', { name }).count(), String(name)).toBe(0);
      }
      // Seeking is not editing: the timecode stays a control for everyone.
      expect(await item(page, '1:05').getByRole('button', { name: 'Ga naar 1:05–1:10' }).count()).toBe(1);
    } finally {
      writer.destroy();
    }
  });

  it('seeks the room from a timecode and from a timeline marker; kind, themes and range by keyboard; filters', async () => {
    // The demo room has a real video, so the shared playhead is the room's player.
    const demo = await host.post<Room>('/api/demo');
    expect(demo.status).toBe(201);
    const roomId = demo.body.id;
    const { guest } = await joinAsGuest(server, roomId, (await invite(host, roomId, 'klantmanager')).token, 'Karin');
    const writer = openProvider(host, roomId);
    try {
      await synced(writer);
      // Without the demo's example observations, so the counts below are this test's own.
      for (const o of readObservations(writer.doc)) deleteObservation(writer.doc, o.id);
      for (const [start, text] of [[5, 'hier'], [8, 'daar']] as const) {
        addObservation(writer.doc, { start, end: null, themes: [], kind: 'notitie', text, authorId: 'x', authorName: 'Beheerder', role: 'begeleider' });
      }
    } finally {
      writer.destroy();
    }
    const page = await enter(await person(host), roomId);
    const other = await enter(await person(guest), roomId);
    // The new-observation button names the moment room.player is at.
    const at = (p: Page) => p.getByRole('button', { name: /^Nieuwe observatie bij / }).textContent();
    for (const p of [page, other]) await expect.poll(() => at(p), POLL).toBe('Nieuwe observatie bij 0:00');

    const obs = item(page, '0:05');
    await obs.getByRole('button', { name: 'Ga naar 0:05' }).click();
    for (const p of [page, other]) await expect.poll(() => at(p), POLL).toBe('Nieuwe observatie bij 0:05');

    // A marker on the timeline takes the room there too, and brings its observation into focus.
    await page.getByRole('button', { name: '0:08 daar' }).click();
    for (const p of [page, other]) await expect.poll(() => at(p), POLL).toBe('Nieuwe observatie bij 0:08');
    const focused = item(page, '0:08').getByRole('button', { name: 'Ga naar 0:08' });
    await expect.poll(() => focused.evaluate((el) => el === document.activeElement), POLL).toBe(true);

    // Focus in an observation: 1–4 choose the kind, T opens the themes; ] ends it at the current moment.
    await obs.getByRole('button', { name: 'Tekst bewerken' }).focus();
    await page.keyboard.press('1');
    await expect.poll(() => obs.getByRole('button', { name: 'Vraag' }).getAttribute('aria-pressed'), POLL).toBe('true');
    await page.keyboard.press('t');
    await obs.getByRole('menuitemcheckbox', { name: 'Emotie' }).click();
    await obs.getByRole('button', { name: 'Thema Emotie weghalen' }).waitFor(POLL);
    await page.keyboard.press(']');
    const range = item(page, '0:05–0:08');
    await range.locator('p.text', { hasText: 'hier' }).waitFor(POLL);
    await item(other, '0:05–0:08').getByText('Emotie').waitFor(POLL);

    const panel = page.getByRole('region', { name: 'Observaties' });
    await panel.getByRole('searchbox', { name: 'Zoeken' }).fill('DAAR');
    await expect.poll(() => items(page).count(), POLL).toBe(1);
    expect(await item(page, '0:08').count()).toBe(1);
    await panel.getByRole('searchbox', { name: 'Zoeken' }).fill('');
    await panel.getByRole('combobox', { name: 'Thema' }).selectOption({ label: 'Emotie' });
    await expect.poll(() => items(page).count(), POLL).toBe(1);
    expect(await range.count()).toBe(1);
    await panel.getByRole('button', { name: 'Filters wissen' }).click();
    await expect.poll(() => items(page).count(), POLL).toBe(2);
  });
});

import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { addAandachtspunt, chooseThemes, setMetaText, META } from '../../shared/kijkwijzer/doc.ts';
import { themeById } from '../../shared/kijkwijzer/themes.ts';
import { addObservation, readObservations } from '../../shared/notes/doc.ts';
import { launchBrowser, newPerson, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const OBSERVATION = 'Ze kijkt weg, zegt "nee" en lacht';
const AANDACHTSPUNT = 'Stiltes laten vallen';

describe('the print report and exports in a real browser', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  let room: Room;
  let shared: TestProvider;
  const errors: string[] = [];

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

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    host = await signedInAdmin(server);
    room = await createRoom(host, 'Gesprek met mevrouw B.');
    shared = openProvider(host, room.id);
    await synced(shared);
    const me = (await host.get<{ me: { participantId: string } }>(`/api/rooms/${room.id}`)).body.me;
    addObservation(shared.doc, { start: 83.25, end: 90, kind: 'zie', themes: ['emotie'], text: OBSERVATION, authorId: me.participantId, authorName: 'Beheerder', role: 'begeleider' });
    setMetaText(shared.doc, META.goal, 'Zien hoe ik met emotie omga');
    expect(chooseThemes(shared.doc, ['emotie']).ok).toBe(true);
    addAandachtspunt(shared.doc, { text: AANDACHTSPUNT, fragmentIds: [], observationIds: [], authorId: me.participantId, authorName: 'Beheerder' });
    await until(async () => readObservations(await server.app.services.notes.getDoc(room.id)).length === 1 && (await server.app.services.notes.getDoc(room.id)).getMap('aandachtspunten').size === 1, 10_000);
  });
  afterAll(async () => {
    shared?.destroy();
    await browser?.close();
    await server?.dispose();
    expect(errors).toEqual([]);
  });

  it('shows the werkblad report, and prints it without the buttons', async () => {
    const page = await person(host);
    await page.goto(`/kamer/${room.id}/verslag`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Werkblad Van kijken naar zien: Gesprek met mevrouw B.');
    const emotie = page.getByRole('region', { name: 'Emotie' });
    await emotie.getByText(themeById('emotie').questions[0]!.nl).waitFor();
    const row = emotie.getByRole('listitem').filter({ hasText: OBSERVATION });
    await expect.poll(() => row.textContent()).toContain('01:23.250–01:30.000');
    await page.getByRole('region', { name: 'Aandachtspunten' }).getByText(AANDACHTSPUNT).waitFor();
    const print = page.getByRole('button', { name: 'Afdrukken / opslaan als PDF' });
    expect(await print.isVisible()).toBe(true);

    await page.emulateMedia({ media: 'print' });
    expect(await print.isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: 'Terug naar de kamer' }).isVisible()).toBe(false);
    // The content itself stays.
    expect(await page.getByText(AANDACHTSPUNT).isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    expect(await print.isVisible()).toBe(true);
    await page.context().close();
  });

  it('downloads an export from the room through the export panel', async () => {
    const page = await person(host);
    await page.goto(`/kamer/${room.id}`);
    const button = page.getByRole('button', { name: 'Download CSV (Excel)' });
    await button.waitFor({ timeout: 20_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toMatch(/^kijkkamer-gesprek-met-mevrouw-b-\d{4}-\d{2}-\d{2}\.csv$/);
    const content = readFileSync((await download.path())!, 'utf8');
    expect(content).toContain(`"${OBSERVATION.replace(/"/g, '""')}"`);
    await page.getByRole('status').filter({ hasText: 'is gedownload' }).waitFor();

    // The print report is one link away.
    await page.getByRole('link', { name: 'Werkbladverslag om af te drukken' }).click();
    await page.getByRole('button', { name: 'Afdrukken / opslaan als PDF' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/kamer/${room.id}/verslag`);
    await page.context().close();
  });

  it('imports a CSV file after a preview with the skipped rows and a selection', async () => {
    const page = await person(host);
    await page.goto(`/kamer/${room.id}`);
    await page.getByRole('button', { name: 'Observaties importeren…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Observaties importeren' });
    const csv = 'start,text\n5.5,Eerste uit het bestand\nabc,kapot\n7.125,Tweede uit het bestand\n';
    await dialog.getByLabel('Bestand').setInputFiles({ name: 'eerder.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByRole('heading', { name: 'Wordt toegevoegd (2)' }).waitFor({ timeout: 20_000 });
    await dialog.getByText('Regel 3: geen geldige tijd / no valid time').waitFor();
    await dialog.getByRole('checkbox', { name: /^Toevoegen: 00:07\.125 Tweede/ }).uncheck();
    await dialog.getByRole('button', { name: '1 observatie toevoegen' }).click();
    await dialog.getByRole('status').filter({ hasText: '1 observatie toegevoegd.' }).waitFor();
    await until(() => readObservations(shared.doc).some((o) => o.text === 'Eerste uit het bestand'), 10_000);
    expect(readObservations(shared.doc).some((o) => o.text === 'Tweede uit het bestand')).toBe(false);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.context().close();
  });
});

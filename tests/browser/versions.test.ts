import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addObservation, readObservations } from '../../shared/notes/doc.ts';
import { launchBrowser, newPerson, signInAdmin, useAccessibilityScan } from '../helpers/browser.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced, until } from '../helpers/yjs.ts';

describe('version history in the room', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('lets the host save a version, preview it and restore it after later changes', async () => {
    const api = await signedInAdmin(server);
    const room = await createRoom(api);
    const writer = openProvider(api, room.id);
    await synced(writer);
    const obs = (text: string, start: number) =>
      addObservation(writer.doc, { start, end: null, themes: [], kind: 'zie', text, authorId: 'x', authorName: 'Onderzoeker', role: 'onderzoeker' });
    obs('eerste observatie', 3);
    await until(async () => readObservations(await server.app.services.notes.getDoc(room.id)).length === 1);

    const page = await (await newPerson(browser, server.url)).newPage();
    await signInAdmin(page, '/inloggen');
    await page.goto(`/kamer/${room.id}`);
    const panel = page.getByRole('region', { name: 'Versies van de observaties' });
    await panel.getByRole('button', { name: 'Nu een versie bewaren' }).click();
    await expect.poll(() => panel.getByRole('button', { name: /^Bekijk versie van/ }).count()).toBe(1);

    obs('tweede observatie', 8);
    await until(async () => readObservations(await server.app.services.notes.getDoc(room.id)).length === 2);
    await panel.getByRole('button', { name: /^Bekijk versie van/ }).first().click();
    const preview = page.getByRole('dialog', { name: /: 1 observatie$/ });
    await preview.getByText('eerste observatie').waitFor();
    expect(await preview.getByText('tweede observatie').count()).toBe(0);
    await preview.getByRole('button', { name: 'Sluiten' }).click();

    await panel.getByRole('button', { name: /^Herstel versie van/ }).first().click();
    await page.getByRole('dialog').filter({ hasText: 'terugzetten' }).getByRole('button', { name: 'Ja, doorgaan' }).click();
    await panel.getByRole('status').filter({ hasText: 'hersteld' }).waitFor();
    await until(() => readObservations(writer.doc).length === 1, 10_000);
    expect(readObservations(writer.doc).map((o) => o.text)).toEqual(['eerste observatie']);
    await expect.poll(() => panel.getByText('vóór herstel').count()).toBeGreaterThan(0);
    writer.destroy();
  });
});

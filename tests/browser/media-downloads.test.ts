import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, signInAdmin, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { FIXTURE, giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, invite, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('downloading the video in a real browser', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  let api: HttpClient;
  let host: Page;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    api = await signedInAdmin(server);
    host = await (await newPerson(browser, server.url)).newPage();
    await signInAdmin(host);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('the host switches downloads on after confirming; the klantmanager gets the link at once and saves the exact file', async () => {
    const room = await createRoom(api, 'Gesprek met mevrouw B.');
    await giveConsent(api, room.id, { allowedRoles: ['klantmanager'], fragmentsOutsideRoom: true });
    expect((await new TusClient(api, room.id).upload(FIXTURE)).status).toBe(204);

    const karin = await (await newPerson(browser, server.url)).newPage();
    await karin.goto((await invite(api, room.id, 'klantmanager')).url);
    await karin.getByLabel('Je naam zoals anderen die zien').fill('Karin');
    await karin.getByRole('button', { name: 'Deelnemen' }).click();
    await karin.getByLabel('Video: gesprek.mp4').waitFor();
    const link = karin.getByRole('link', { name: 'Video downloaden' });
    const withVideo = karin.getByLabel('Video meenemen in REFI-QDA (.qdpx)');
    expect(await link.count()).toBe(0);
    expect(await withVideo.count()).toBe(0);

    await host.goto(`/kamer/${room.id}`);
    const toggle = host.getByRole('switch', { name: 'Downloaden toestaan' });
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);
    await host.getByText('Downloaden staat uit.').waitFor();

    // Keyboard only: Space on the switch asks first; Escape cancels and changes nothing.
    await toggle.focus();
    await host.keyboard.press('Space');
    const dialog = host.getByRole('dialog', { name: 'Downloaden' });
    await dialog.getByText('Iedereen die de video mag zien, kan hem dan opslaan.').waitFor();
    await host.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await toggle.isChecked()).toBe(false);

    await toggle.focus();
    await host.keyboard.press('Space');
    await dialog.getByRole('button', { name: 'Ja, doorgaan' }).click();
    await host.getByText('Downloaden is toegestaan.').waitFor();
    expect(await toggle.isChecked()).toBe(true);

    // The klantmanager learns it over the socket, without reloading.
    await link.waitFor({ timeout: 5_000 });
    await withVideo.waitFor();
    const [download] = await Promise.all([karin.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('gesprek.mp4');
    expect((await readFile((await download.path())!)).equals(FIXTURE)).toBe(true);

    // A new consent version that keeps the video in the room takes the link away and disables the switch with the reason.
    await giveConsent(api, room.id, { allowedRoles: ['klantmanager'], fragmentsOutsideRoom: false });
    await link.waitFor({ state: 'detached', timeout: 5_000 });
    expect(await withVideo.count()).toBe(0);
    await host.reload();
    await host.getByText('Niet mogelijk: de toestemming van de cliënt staat niet toe dat de video buiten de kamer komt.').waitFor();
    expect(await host.getByRole('switch', { name: 'Downloaden toestaan' }).isDisabled()).toBe(true);
  });
});

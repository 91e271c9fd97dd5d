import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { launchBrowser, newPerson, signInAdmin, useAccessibilityScan } from '../helpers/browser.ts';
import { FIXTURE, FIXTURE_PATH, FIXTURE_SHA256 } from '../helpers/media.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const WEBM_PATH = fileURLToPath(new URL('../fixtures/gesprek.webm', import.meta.url));

describe('video with consent in a real browser', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  let host: Page;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    host = await (await newPerson(browser, server.url)).newPage();
    await signInAdmin(host);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  /** Room and invite links through the host's own session, to keep the tests about the video. */
  async function newRoom(title: string): Promise<string> {
    const res = await host.request.post('/api/rooms', { data: { title } });
    return ((await res.json()) as Room).id;
  }
  async function inviteLink(roomId: string, role: string): Promise<string> {
    const res = await host.request.post(`/api/rooms/${roomId}/invites`, { data: { role } });
    return ((await res.json()) as { url: string }).url;
  }
  async function guestJoins(url: string, name: string): Promise<Page> {
    const page = await (await newPerson(browser, server.url)).newPage();
    await page.goto(url);
    await page.getByLabel('Je naam zoals anderen die zien').fill(name);
    await page.getByRole('button', { name: 'Deelnemen' }).click();
    await page.getByRole('heading', { name: 'Deelnemers' }).waitFor();
    return page;
  }
  const currentTime = (page: Page, label: string) => page.getByLabel(label).evaluate((v: HTMLVideoElement) => v.currentTime);

  /** Presses the room's play button like a person and checks that the video's time runs. */
  async function playsWhenClicked(page: Page, label: string) {
    const video = page.getByLabel(label);
    await video.waitFor();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await page.getByRole('button', { name: 'Afspelen' }).click();
    await expect.poll(() => currentTime(page, label), { timeout: 10_000 }).toBeGreaterThan(0.5);
  }

  it('host records consent and uploads with a progress bar that survives a reload; a klantmanager plays; a collega is refused with the reason', async () => {
    const roomId = await newRoom('Gesprek met mevrouw B.');
    await host.goto(`/kamer/${roomId}`);
    await host.getByText('Er is nog geen toestemming vastgelegd').waitFor();

    await host.getByLabel('Pseudoniem of initialen van de cliënt').fill('Mw. B.');
    await host.getByLabel('Hoe is de toestemming gegeven?').selectOption('paper');
    await host.getByRole('group', { name: 'Wie mag de video bekijken' }).getByLabel('klantmanager').check();
    await host.getByRole('group', { name: 'Mogen fragmenten buiten deze kamer worden getoond?' }).getByLabel('nee').check();
    await host.getByRole('button', { name: 'Toestemming vastleggen' }).click();
    await host.getByText('Toestemming vastgelegd (versie 1).').waitFor();

    // A slow line (about 40 kB/s up) so the progress can be seen, and a reload halfway.
    const cdp = await host.context().newCDPSession(host);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 40 * 1024 });
    await host.getByLabel('Videobestand kiezen').setInputFiles(FIXTURE_PATH);
    const progress = host.getByRole('progressbar', { name: 'Uploadvoortgang' });
    await progress.waitFor();
    await expect.poll(() => progress.evaluate((p: HTMLProgressElement) => p.value / p.max), { timeout: 15_000 }).toBeGreaterThan(0.3);
    await host.getByText(/^\d+%$/).waitFor();
    await host.getByText(/\/s$/).waitFor();
    await host.getByText(/^nog \d+:\d\d$/).waitFor();

    await host.reload();
    await host.getByText('Er is een onderbroken upload van "gesprek.mp4"').waitFor();
    // What the server holds of the interrupted upload, from the URL tus-js-client kept in this browser.
    const stored = await host.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tus::')).map((k) => (JSON.parse(localStorage.getItem(k)!) as { uploadUrl: string }).uploadUrl));
    expect(stored).toHaveLength(1);
    const head = await host.request.head(stored[0]!, { headers: { 'Tus-Resumable': '1.0.0' } });
    const offset = Number(head.headers()['upload-offset']);
    expect(offset).toBeGreaterThan(FIXTURE.byteLength * 0.25);

    await host.getByLabel('Videobestand kiezen').setInputFiles(FIXTURE_PATH);
    // It continues from the server's offset instead of starting over: the first progress shown is already past it.
    const bar = host.getByRole('progressbar', { name: 'Uploadvoortgang' });
    let first = 0;
    await expect.poll(async () => (first = await bar.evaluate((p: HTMLProgressElement) => p.value)), { timeout: 5_000, interval: 20 }).toBeGreaterThan(0);
    expect(first).toBeGreaterThanOrEqual(offset);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await host.getByLabel('Video: gesprek.mp4').waitFor({ timeout: 30_000 });
    const media = await host.request.get(`/api/rooms/${roomId}/media`);
    expect(((await media.json()) as { video: { sha256: string } }).video.sha256).toBe(FIXTURE_SHA256);

    const km = await guestJoins(await inviteLink(roomId, 'klantmanager'), 'Karin');
    await playsWhenClicked(km, 'Video: gesprek.mp4');

    const collega = await guestJoins(await inviteLink(roomId, 'collega'), 'Cor');
    await collega.getByText('De cliënt heeft geen toestemming gegeven voor jouw rol.').waitFor();
    await collega.getByText('Jij doet mee als collega. De video mag alleen bekeken worden door: begeleider, klantmanager.').waitFor();
    expect(await collega.locator('video').count()).toBe(0);

    // The host sees who watched.
    await host.getByText('Wie heeft gekeken').click();
    const log = host.getByRole('table', { name: 'Wie heeft gekeken' });
    await expect.poll(async () => (await log.textContent()) ?? '', { timeout: 10_000 }).toContain('Karin');
    expect(await log.textContent()).toContain('klantmanager');
  });

  it('bring-your-own-file: the host sets the fingerprint; a coach is warned about the wrong file and plays the right one', async () => {
    const roomId = await newRoom('Gesprek zonder upload');
    await host.request.post(`/api/rooms/${roomId}/consent`, {
      data: { clientLabel: 'J.', consentDate: today(), method: 'digital', purposes: ['training'], allowedRoles: ['coach'], fragmentsOutsideRoom: false, retentionUntil: today(30) },
    });
    await host.goto(`/kamer/${roomId}`);
    await host.getByLabel('Lokaal bestand (niet uploaden)').check();
    await host.getByLabel('Opname kiezen (blijft op deze computer)').setInputFiles(FIXTURE_PATH);
    await host.getByText('Je eigen kopie klopt: gesprek.mp4').waitFor();
    await host.getByLabel('Video: gesprek.mp4').waitFor();

    const coach = await guestJoins(await inviteLink(roomId, 'coach'), 'Coen');
    await coach.getByText(`open je eigen kopie van de opname (gesprek.mp4`).waitFor();
    await coach.getByLabel('Eigen kopie van de opname kiezen').setInputFiles(WEBM_PATH);
    await coach.getByRole('alert').filter({ hasText: '"gesprek.webm" is niet dezelfde opname als in deze kamer' }).waitFor();
    expect(await coach.locator('video').count()).toBe(0);

    await coach.getByLabel('Eigen kopie van de opname kiezen').setInputFiles({ name: 'mijn kopie.mp4', mimeType: 'video/mp4', buffer: FIXTURE });
    await coach.getByText('Je eigen kopie klopt: mijn kopie.mp4').waitFor();
    expect(await coach.getByLabel('Video: gesprek.mp4').getAttribute('src')).toMatch(/^blob:/);
    await playsWhenClicked(coach, 'Video: gesprek.mp4');
  });

  it('Mijn kamers shows the poster frame with alt text, or a placeholder; an open room learns of a withdrawal at once', async () => {
    const created = await host.request.post('/api/demo');
    expect(created.status()).toBe(201);
    const demo = (await created.json()) as Room;
    await newRoom('Nog zonder video');
    await host.goto('/');
    const poster = host.getByRole('img', { name: `Beeld uit de video van “${demo.title}”` });
    await poster.waitFor();
    expect(await poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await host.getByRole('listitem').filter({ hasText: 'Nog zonder video' }).getByText('Nog geen videobeeld').waitFor();

    const km = await guestJoins(await inviteLink(demo.id, 'klantmanager'), 'Karin');
    await km.getByLabel('Video: gesprek.mp4').waitFor();
    await host.request.post(`/api/rooms/${demo.id}/consent/withdraw`, { data: { withdrawnOn: today() } });
    // Well within the 30 s poll: the room socket's media:changed makes the page refetch.
    await km.getByText(/omdat de cliënt de toestemming heeft ingetrokken/).waitFor({ timeout: 5_000 });
    expect(await km.locator('video').count()).toBe(0);
  });
});

function today(offsetDays = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, signInAdmin, useAccessibilityScan } from '../helpers/browser.ts';
import { giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, invite, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('converting a phone video in a real browser', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kijkkamer-hevc-'));
    // 20 s of HEVC: chromium cannot play it, and converting it takes long enough to watch.
    await promisify(execFile)('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=20',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20',
      '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1',
      '-c:a', 'aac', '-shortest', join(work, 'phone.mp4'),
    ]);
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  async function signedInHost(): Promise<Page> {
    const page = await (await newPerson(browser, server.url)).newPage();
    await signInAdmin(page);
    return page;
  }

  it('the host converts after confirming and follows a progress bar; a participant sees the percentage and then plays the H.264 video', async () => {
    const api = await signedInAdmin(server);
    const room = await createRoom(api);
    await giveConsent(api, room.id, { allowedRoles: ['klantmanager'] });
    expect((await new TusClient(api, room.id).upload(readFileSync(join(work, 'phone.mp4')), 1024 * 1024, 'IMG_0042.MOV')).status).toBe(204);
    const km = await invite(api, room.id, 'klantmanager');

    const host = await signedInHost();
    await host.goto(`/kamer/${room.id}`);
    await host.getByText('Browsers kunnen deze video waarschijnlijk niet afspelen').waitFor();

    const guest = await (await newPerson(browser, server.url)).newPage();
    await guest.goto(km.url);
    await guest.getByLabel('Je naam zoals anderen die zien').fill('Karin');
    await guest.getByRole('button', { name: 'Deelnemen' }).click();
    await guest.getByLabel('Video: IMG_0042.MOV').waitFor();

    await host.getByRole('button', { name: 'Omzetten naar een afspeelbaar formaat (H.264)' }).click();
    await host.getByText(/Dat duurt even/).waitFor();
    await host.getByRole('button', { name: 'Ja, doorgaan' }).click();

    const bar = host.getByRole('progressbar', { name: 'Voortgang van het omzetten' });
    await bar.waitFor();
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(0);
    await host.getByRole('button', { name: 'Omzetten afbreken' }).waitFor();
    await guest.getByText(/^De video wordt omgezet… \d+%$/).waitFor();

    await host.getByText('Browsers kunnen deze video afspelen.').waitFor({ timeout: 60_000 });
    await expect.poll(() => bar.count()).toBe(0);
    const video = guest.getByLabel('Video: IMG_0042.mp4');
    await video.waitFor({ timeout: 10_000 });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await guest.getByRole('button', { name: 'Afspelen' }).click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.5);
    await expect.poll(() => guest.getByText(/wordt omgezet/).count()).toBe(0);
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { launchBrowser, newPerson, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { readVideo, settledFrame } from '../helpers/video.ts';

describe('shared playhead in real browsers', () => {
  useAccessibilityScan();
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  let room: Room;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    host = await signedInAdmin(server);
    // The demo room: the fixture video with a consent that lets every role watch.
    const demo = await host.post<Room>('/api/demo');
    if (demo.status !== 201) throw new Error(`demo room: ${demo.status}`);
    room = demo.body;
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.dispose();
  });

  /** A browser that already holds the cookie of `http`, opening the room directly: no click yet. */
  async function openRoomWithCookies(http: HttpClient): Promise<Page> {
    const context = await newPerson(browser, server.url);
    contexts.push(context);
    await context.addCookies(
      http.cookieHeader.split('; ').map((pair) => {
        const eq = pair.indexOf('=');
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
      }),
    );
    const page = await context.newPage();
    await page.goto(`/kamer/${room.id}`);
    return page;
  }

  /** A guest who opens the invite link and clicks "Deelnemen", as people do. */
  async function guestJoins(role: 'coach' | 'klantmanager', name: string): Promise<Page> {
    const created = await invite(host, room.id, role);
    const context = await newPerson(browser, server.url);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(created.url);
    await page.getByLabel('Je naam zoals anderen die zien').fill(name);
    await page.getByRole('button', { name: 'Deelnemen' }).click();
    return page;
  }

  const controls = (page: Page) => page.getByRole('group', { name: 'Bediening van de video' });

  it('one pauses and the other is paused on the same frame; one seeks and the other follows', async () => {
    const hostPage = await openRoomWithCookies(host);
    const coach = await guestJoins('coach', 'Coen');
    for (const page of [hostPage, coach]) await controls(page).getByRole('button', { name: 'Afspelen' }).waitFor();

    await controls(hostPage).getByRole('button', { name: 'Afspelen' }).click();
    for (const page of [hostPage, coach]) {
      await expect.poll(async () => (await readVideo(page)).currentTime, { timeout: 15_000 }).toBeGreaterThan(1.2);
    }

    await controls(coach).getByRole('button', { name: 'Pauzeren' }).click();
    const [a, b] = [await settledFrame(hostPage), await settledFrame(coach)];
    expect(b.frame).toBe(a.frame);
    expect(b.currentTime).toBe(a.currentTime);
    // The paused position is the centre of the frame on screen.
    expect(a.currentTime).toBeCloseTo((a.frame + 0.5) / 25, 6);
    await hostPage.getByRole('status').filter({ hasText: 'Coen pauzeerde op' }).waitFor();

    // Seek while paused: five seconds on, 125 frames, on both.
    await controls(hostPage).getByRole('button', { name: '5 seconden vooruit' }).click();
    await expect.poll(async () => (await settledFrame(coach)).frame, { timeout: 10_000 }).toBe(a.frame + 125);
    expect((await settledFrame(hostPage)).frame).toBe(a.frame + 125);

    // Seek while playing: everyone lands on the target, then plays on together.
    await controls(coach).getByRole('button', { name: 'Afspelen' }).click();
    await expect.poll(async () => (await readVideo(hostPage)).paused, { timeout: 10_000 }).toBe(false);
    await controls(hostPage).getByRole('button', { name: '5 seconden terug' }).click();
    await expect.poll(async () => (await readVideo(coach)).currentTime, { timeout: 10_000 }).toBeLessThan(a.currentTime + 4);
    // After the landing both resume on a scheduled start; either may still be in its paused preroll
    // for a moment, so wait until both play before comparing.
    await expect.poll(async () => (await readVideo(coach)).paused || (await readVideo(hostPage)).paused, { timeout: 10_000 }).toBe(false);
    // Read one page after the other; carry the first reading forward by the time between them.
    const [h, c] = [await readVideo(hostPage), await readVideo(coach)];
    expect(h.paused || c.paused).toBe(false);
    expect(Math.abs(h.currentTime + (c.at - h.at) / 1000 - c.currentTime)).toBeLessThan(0.15);

    // And paused again by keyboard (K), still on one frame.
    await hostPage.keyboard.press('k');
    const [x, y] = [await settledFrame(hostPage), await settledFrame(coach)];
    expect(y.frame).toBe(x.frame);
  });

  it('asks a joiner whose browser blocks autoplay for a click, and the click starts playback in step', async () => {
    const hostPage = await openRoomWithCookies(host);
    await controls(hostPage).getByRole('button', { name: 'Afspelen' }).waitFor();
    await controls(hostPage).getByRole('button', { name: 'Afspelen' }).click();
    await expect.poll(async () => (await readVideo(hostPage)).paused, { timeout: 10_000 }).toBe(false);

    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    const late = await openRoomWithCookies(guest);
    // Playwright's evaluate and locators run their scripts as a user gesture, which would unlock
    // autoplay and hide the very thing tested here. So until the click, the page is only watched
    // through the DevTools protocol, whose Runtime.evaluate is no gesture.
    const cdp = await late.context().newCDPSession(late);
    const watch = async (expression: string): Promise<unknown> => (await cdp.send('Runtime.evaluate', { expression, returnByValue: true })).result.value;
    await expect.poll(() => watch(`document.querySelector('.gesture-button')?.textContent ?? null`), { timeout: 15_000 }).toBe('Klik om mee te kijken');
    expect(await watch('navigator.userActivation.hasBeenActive')).toBe(false);
    expect(await watch(`document.querySelector('video').paused`)).toBe(true);

    const overlay = late.getByRole('button', { name: 'Klik om mee te kijken' });
    await overlay.click();
    await expect(overlay.count()).resolves.toBe(0);
    await expect.poll(async () => (await readVideo(late)).paused, { timeout: 10_000 }).toBe(false);
    const [h, k] = [await readVideo(hostPage), await readVideo(late)];
    expect(Math.abs(h.currentTime + (k.at - h.at) / 1000 - k.currentTime)).toBeLessThan(0.15);
  });
});

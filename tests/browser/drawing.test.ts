import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { pictureRect } from '../../shared/drawing/geometry.ts';
import { launchBrowser, newPerson, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { invite, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { readVideo, settledFrame } from '../helpers/video.ts';

const POLL = { timeout: 15_000, interval: 50 };

describe('pointing and drawing on the shared frame in real browsers', () => {
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
    // The demo room: the fixture video (320×240, so a 16:9 player shows bars left and right).
    const demo = await host.post<Room>('/api/demo');
    if (demo.status !== 201) throw new Error(`demo room: ${demo.status}`);
    room = demo.body;
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.dispose();
  });

  async function hostOpens(viewport: { width: number; height: number }): Promise<Page> {
    const context = await newPerson(browser, server.url);
    contexts.push(context);
    await context.addCookies(
      host.cookieHeader.split('; ').map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: server.url })),
    );
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(`/kamer/${room.id}`);
    return page;
  }

  async function guestJoins(name: string, viewport: { width: number; height: number }): Promise<Page> {
    const created = await invite(host, room.id, 'coach');
    const context = await newPerson(browser, server.url);
    contexts.push(context);
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(created.url);
    await page.getByLabel('Je naam zoals anderen die zien').fill(name);
    await page.getByRole('button', { name: 'Deelnemen' }).click();
    return page;
  }

  const controls = (page: Page) => page.getByRole('group', { name: 'Bediening van de video' });
  const tools = (page: Page) => page.getByRole('group', { name: 'Aanwijzen en tekenen' });
  const layer = (page: Page) => page.getByTestId('drawing-layer');
  const drawingLabel = (page: Page) => layer(page).getAttribute('aria-label');

  /** The picture inside the page's video element, on screen (bars excluded). */
  async function picture(page: Page) {
    const box = (await page.locator('video').first().boundingBox())!;
    const size = await page.locator('video').first().evaluate((v: HTMLVideoElement) => ({ w: v.videoWidth, h: v.videoHeight }));
    return pictureRect(box, size.w, size.h);
  }

  it('one pauses and points, the other sees the pointer on the same spot of the picture; an arrow appears at once, undo removes it for both, a reload keeps it', async () => {
    const hostPage = await hostOpens({ width: 1280, height: 860 });
    const coach = await guestJoins('Coen', { width: 760, height: 900 });
    for (const page of [hostPage, coach]) await controls(page).getByRole('button', { name: 'Afspelen' }).waitFor();

    await controls(hostPage).getByRole('button', { name: 'Afspelen' }).click();
    for (const page of [hostPage, coach]) await expect.poll(async () => (await readVideo(page)).currentTime, POLL).toBeGreaterThan(1);
    await controls(hostPage).getByRole('button', { name: 'Pauzeren' }).click();
    const [a, b] = [await settledFrame(hostPage), await settledFrame(coach)];
    expect(b.frame).toBe(a.frame);

    // Different windows: the two players differ in size, and both pillarbox the 4:3 picture.
    const [hostPicture, coachPicture] = [await picture(hostPage), await picture(coach)];
    expect(Math.abs(hostPicture.width - coachPicture.width)).toBeGreaterThan(50);
    const hostBox = (await hostPage.locator('video').first().boundingBox())!;
    expect(hostPicture.x).toBeGreaterThan(hostBox.x + 10);

    // Point: the "wijs aan" tool, the mouse at 30 % across and 40 % down the host's picture.
    await tools(hostPage).getByRole('button', { name: 'Wijs aan' }).click();
    await hostPage.mouse.move(hostPicture.x + hostPicture.width * 0.5, hostPicture.y + hostPicture.height * 0.5);
    await hostPage.mouse.move(hostPicture.x + hostPicture.width * 0.3, hostPicture.y + hostPicture.height * 0.4, { steps: 8 });
    const pointer = coach.locator('g.pointer').first();
    await pointer.locator('text', { hasText: 'Beheerder' }).or(pointer.locator('text')).first().waitFor(POLL);
    /** Where the coach's screen shows the pointer, as a fraction of the coach's picture. */
    const seen = async () => {
      const dot = (await pointer.locator('circle').first().boundingBox())!;
      return { x: (dot.x + dot.width / 2 - coachPicture.x) / coachPicture.width, y: (dot.y + dot.height / 2 - coachPicture.y) / coachPicture.height };
    };
    await expect.poll(async () => Math.abs((await seen()).x - 0.3), POLL).toBeLessThan(0.01);
    expect(Math.abs((await seen()).y - 0.4)).toBeLessThan(0.01);
    // Putting the tool away takes the pointer off the others' screens.
    await hostPage.keyboard.press('Escape');
    await expect.poll(() => coach.locator('g.pointer').count(), POLL).toBe(0);

    // An observation on this frame, then an arrow on it.
    await hostPage.keyboard.press('n');
    await hostPage.getByRole('textbox', { name: /^Tekst van de observatie/ }).waitFor();
    await hostPage.keyboard.type('armen over elkaar', { delay: 10 });
    await hostPage.keyboard.press('Escape');
    await tools(hostPage).getByRole('button', { name: 'Pijl' }).click();
    // Measured again: the new observation may have scrolled the page.
    const drawOn = await picture(hostPage);
    await hostPage.mouse.move(drawOn.x + drawOn.width * 0.2, drawOn.y + drawOn.height * 0.2);
    await hostPage.mouse.down();
    await hostPage.mouse.move(drawOn.x + drawOn.width * 0.6, drawOn.y + drawOn.height * 0.5, { steps: 6 });
    await hostPage.mouse.up();
    for (const page of [hostPage, coach]) await expect.poll(() => drawingLabel(page), POLL).toBe('Tekening: 1 pijl');
    // The arrow's head is where the host let go, on the coach's picture too.
    const head = await coach.evaluate(() => {
      const paths = [...document.querySelectorAll('[data-testid="drawing-layer"] path')];
      const d = paths.at(-1)!.getAttribute('d')!;
      const svg = document.querySelector('[data-testid="drawing-layer"]')!.getBoundingClientRect();
      const [, x, y] = /L(-?[\d.]+) (-?[\d.]+)/.exec(d)!;
      return { x: Number(x) / svg.width, y: Number(y) / svg.height };
    });
    expect(head.x).toBeCloseTo(0.6, 1);
    expect(head.y).toBeCloseTo(0.5, 1);
    // The list shows the observation with a thumbnail of its frame and drawing.
    await coach.getByRole('button', { name: /^Beeld bij .* met de tekening, ga erheen\. Tekening: 1 pijl$/ }).waitFor(POLL);

    // Undo (the tool put away first, so the keys are the room's again) removes it for both.
    await hostPage.keyboard.press('Escape');
    await hostPage.keyboard.press('Control+z');
    for (const page of [hostPage, coach]) await expect.poll(() => drawingLabel(page), POLL).toBe('Geen tekening op dit beeld');
    await hostPage.keyboard.press('Control+Shift+z');
    for (const page of [hostPage, coach]) await expect.poll(() => drawingLabel(page), POLL).toBe('Tekening: 1 pijl');

    // A reload keeps it: the drawing is in the room's document, and the room is still on that frame.
    await coach.reload();
    await controls(coach).getByRole('button', { name: 'Afspelen' }).waitFor();
    expect((await settledFrame(coach)).frame).toBe(a.frame);
    await expect.poll(() => drawingLabel(coach), POLL).toBe('Tekening: 1 pijl');
  });

  it('full screen shows the video with its overlay: a drawing made elsewhere lands on the same spot of the picture; the button, F and a double click switch it, never the bare video', async () => {
    const hostPage = await hostOpens({ width: 1100, height: 760 });
    const coach = await guestJoins('Cora', { width: 820, height: 900 });
    for (const page of [hostPage, coach]) await controls(page).getByRole('button', { name: 'Afspelen' }).waitFor();
    /** What is in full screen: nothing, the bare video, or the element around the video and its overlay. */
    const fullScreen = (page: Page) =>
      page.evaluate(() => {
        const element = document.fullscreenElement;
        if (!element) return 'none';
        if (element instanceof HTMLVideoElement) return 'video';
        const overlay = document.querySelector('[data-testid="drawing-layer"]');
        return overlay && element.contains(overlay) && element.contains(document.querySelector('video')) ? 'video with overlay' : 'something else';
      });
    const enter = hostPage.getByRole('button', { name: 'Volledig scherm', exact: true });
    const leave = hostPage.getByRole('button', { name: 'Volledig scherm verlaten' });

    // The player offers no full screen of its own.
    expect(await hostPage.locator('video').first().getAttribute('controlslist')).toContain('nofullscreen');
    const before = (await hostPage.locator('video').first().boundingBox())!;
    await enter.click();
    await expect.poll(() => fullScreen(hostPage), POLL).toBe('video with overlay');
    await leave.waitFor(POLL);
    // The video spans the screen's width now.
    await expect.poll(async () => (await hostPage.locator('video').first().boundingBox())!.width, POLL).toBeGreaterThan(before.width + 100);

    // The coach plays on a little, pauses, writes an observation and draws an arrow on that frame.
    await controls(coach).getByRole('button', { name: 'Afspelen' }).click();
    const from = (await readVideo(coach)).currentTime;
    await expect.poll(async () => (await readVideo(coach)).currentTime, POLL).toBeGreaterThan(from + 0.5);
    await controls(coach).getByRole('button', { name: 'Pauzeren' }).click();
    const [c, h] = [await settledFrame(coach), await settledFrame(hostPage)];
    expect(h.frame).toBe(c.frame);
    await coach.keyboard.press('n');
    await coach.getByRole('textbox', { name: /^Tekst van de observatie/ }).waitFor();
    await coach.keyboard.type('kijkt naar het scherm', { delay: 10 });
    await coach.keyboard.press('Escape');
    await tools(coach).getByRole('button', { name: 'Pijl' }).click();
    const drawOn = await picture(coach);
    await coach.mouse.move(drawOn.x + drawOn.width * 0.25, drawOn.y + drawOn.height * 0.3);
    await coach.mouse.down();
    await coach.mouse.move(drawOn.x + drawOn.width * 0.7, drawOn.y + drawOn.height * 0.6, { steps: 6 });
    await coach.mouse.up();

    // The full-screen page shows it, over its (larger) picture, with the head where the coach let go.
    await expect.poll(() => drawingLabel(hostPage), POLL).toBe('Tekening: 1 pijl');
    expect(await fullScreen(hostPage)).toBe('video with overlay');
    const shown = await picture(hostPage);
    const layerBox = (await layer(hostPage).boundingBox())!;
    expect(Math.abs(layerBox.x - shown.x)).toBeLessThan(shown.width * 0.01);
    expect(Math.abs(layerBox.width - shown.width)).toBeLessThan(shown.width * 0.01);
    expect(Math.abs(layerBox.height - shown.height)).toBeLessThan(shown.height * 0.01);
    const head = await hostPage.evaluate(() => {
      const d = [...document.querySelectorAll('[data-testid="drawing-layer"] path')].at(-1)!.getAttribute('d')!;
      const [, x, y] = /L(-?[\d.]+) (-?[\d.]+)/.exec(d)!;
      return { x: Number(x), y: Number(y) };
    });
    expect(Math.abs((layerBox.x + head.x - shown.x) / shown.width - 0.7)).toBeLessThan(0.01);
    expect(Math.abs((layerBox.y + head.y - shown.y) / shown.height - 0.6)).toBeLessThan(0.01);

    // Out with the button, in again with F, out with a double click on the video: never the bare video.
    await leave.click();
    await expect.poll(() => fullScreen(hostPage), POLL).toBe('none');
    await enter.waitFor(POLL);
    await hostPage.keyboard.press('f');
    await expect.poll(() => fullScreen(hostPage), POLL).toBe('video with overlay');
    await hostPage.locator('video').first().dblclick();
    await expect.poll(() => fullScreen(hostPage), POLL).toBe('none');
    await hostPage.locator('video').first().dblclick();
    await expect.poll(() => fullScreen(hostPage), POLL).toBe('video with overlay');
    await leave.click();
    await expect.poll(() => fullScreen(hostPage), POLL).toBe('none');
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { launchBrowser, newPerson } from '../helpers/browser.ts';
import { startCutProxy } from '../helpers/cut-proxy.ts';
import type { HttpClient } from '../helpers/http.ts';
import { invite, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { fakeMediaArgs, grows, observePeerConnections, PageWatch, SPEECH_WAV, stops } from '../helpers/voice-browser.ts';

describe('the call in real browsers (fake microphone: a spoken question, then silence)', () => {
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  let contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser(fakeMediaArgs(SPEECH_WAV));
    host = await signedInAdmin(server);
  });
  afterEach(async () => {
    for (const c of contexts) await c.close();
    contexts = [];
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  /** A room with the demo recording, which every role may watch. */
  async function demoRoom(): Promise<Room> {
    const demo = await host.post<Room>('/api/demo');
    if (demo.status !== 201) throw new Error(`demo room: ${demo.status}`);
    return demo.body;
  }

  async function person(base = server.url, inBrowser = browser): Promise<Page> {
    const context = await newPerson(inBrowser, base);
    contexts.push(context);
    await observePeerConnections(context);
    return context.newPage();
  }

  /** The host, whose cookie `host` holds, opening the room. */
  async function hostOpens(room: Room): Promise<Page> {
    const page = await person();
    await page.context().addCookies(
      host.cookieHeader.split('; ').map((pair) => {
        const eq = pair.indexOf('=');
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
      }),
    );
    await page.goto(`/kamer/${room.id}`);
    return page;
  }

  /** A guest who opens the invite link and clicks "Deelnemen", as people do. */
  async function guestJoins(
    room: Room,
    role: 'coach' | 'klantmanager' | 'client',
    name: string,
    { base = server.url, inBrowser = browser }: { base?: string; inBrowser?: Browser } = {},
  ): Promise<{ page: Page; inviteId: string }> {
    const created = await invite(host, room.id, role);
    const page = await person(base, inBrowser);
    await page.goto(created.url.replace(server.url, base));
    await page.getByLabel('Je naam zoals anderen die zien').fill(name);
    await page.getByRole('button', { name: 'Deelnemen', exact: true }).click();
    return { page, inviteId: created.invite.id };
  }

  const call = (page: Page) => page.getByRole('region', { name: 'Gesprek' });
  const tiles = (page: Page) => call(page).getByRole('list', { name: 'Deelnemers aan het gesprek' }).getByRole('listitem');
  const tileOf = (page: Page, name: string) => tiles(page).filter({ hasText: name });

  async function joinCall(page: Page): Promise<void> {
    await call(page).getByRole('button', { name: 'Deelnemen aan het gesprek' }).click();
    await call(page).getByRole('button', { name: 'Gesprek verlaten' }).waitFor();
  }

  it('two people hear each other; muting stops the sound, the speaking indicator lights on the other screen', { timeout: 120_000 }, async () => {
    const room = await demoRoom();
    const hostPage = await hostOpens(room);
    const { page: coach } = await guestJoins(room, 'coach', 'Coen');
    const [h, c] = [await PageWatch.of(hostPage), await PageWatch.of(coach)];

    // Before joining, the coach sees who is in the call, and checks that his microphone hears him.
    await joinCall(hostPage);
    await call(coach).getByText('In het gesprek: Beheerder').waitFor();
    await call(coach).getByRole('button', { name: 'Microfoon testen' }).click();
    const meter = call(coach).getByRole('meter', { name: 'Microfoonniveau' });
    await expect.poll(async () => Number(await meter.getAttribute('value')), { timeout: 20_000 }).toBeGreaterThan(0.5);
    await joinCall(coach);
    for (const page of [hostPage, coach]) await expect.poll(() => tiles(page).count(), { timeout: 15_000 }).toBe(2);
    await tileOf(coach, 'Coen (jij)').waitFor();

    // Audio flows both ways: one connection on each side, its received bytes growing.
    for (const w of [h, c]) {
      await expect.poll(async () => (await w.links()).map((l) => l.state), { timeout: 20_000 }).toEqual(['connected']);
      await grows(async () => (await w.openAudioBytes())[0]!, 1000);
    }
    // The host's fake microphone speaks: the coach's screen shows it on the host's tile.
    await expect.poll(() => tileOf(coach, 'Beheerder').getAttribute('data-speaking'), { timeout: 20_000 }).toBe('true');
    await tileOf(coach, 'Beheerder').getByText('praat').waitFor();

    // Muting sends nothing at all: the coach's received bytes stop, the tile says so, no indicator.
    await call(hostPage).getByRole('button', { name: 'Microfoon uit (M)' }).click();
    await tileOf(coach, 'Beheerder').getByText('microfoon uit').waitFor();
    await stops(async () => (await c.openAudioBytes())[0]!);
    await expect.poll(() => tileOf(coach, 'Beheerder').getAttribute('data-speaking'), { timeout: 10_000 }).toBe('false');
    // The coach's own sound still reaches the host.
    await grows(async () => (await h.openAudioBytes())[0]!, 1000);

    // M unmutes, from the keyboard.
    await hostPage.keyboard.press('m');
    await call(hostPage).getByRole('button', { name: 'Microfoon uit (M)' }).waitFor();
    await grows(async () => (await c.openAudioBytes())[0]!, 1000);
    await expect.poll(() => tileOf(coach, 'Beheerder').getAttribute('data-speaking'), { timeout: 20_000 }).toBe('true');

    // Another microphone: the new one is sent on the same connection.
    await call(hostPage).getByText('Microfoon, luidspreker en camera').click();
    const microphones = call(hostPage).getByRole('combobox', { name: 'Microfoon' });
    const other = await microphones.locator('option').nth(2).getAttribute('value');
    await microphones.selectOption(other!);
    await grows(async () => (await c.openAudioBytes())[0]!, 1000);
    expect((await c.links()).length).toBe(1);

    // Push-to-talk: muted, P held sends, letting go stops.
    await hostPage.keyboard.press('m');
    await stops(async () => (await c.openAudioBytes())[0]!);
    await hostPage.keyboard.down('p');
    await call(hostPage).getByText('Je praat (P ingedrukt)').waitFor();
    await grows(async () => (await c.openAudioBytes())[0]!, 1000);
    await hostPage.keyboard.up('p');
    await stops(async () => (await c.openAudioBytes())[0]!);
  });

  it('three people: audio flows between every pair; a camera shows on the others’ tiles; a revoked participant is cut off', { timeout: 150_000 }, async () => {
    const room = await demoRoom();
    const hostPage = await hostOpens(room);
    const { page: coach } = await guestJoins(room, 'coach', 'Coen');
    const { page: km, inviteId } = await guestJoins(room, 'klantmanager', 'Karin');
    const pages = [hostPage, coach, km];
    const watches = await Promise.all(pages.map((p) => PageWatch.of(p)));
    for (const page of pages) await joinCall(page);
    for (const page of pages) await expect.poll(() => tiles(page).count(), { timeout: 15_000 }).toBe(3);

    // A mesh: each browser has a connection to each of the two others, and hears both.
    for (const w of watches) {
      await expect.poll(async () => (await w.links()).map((l) => l.state), { timeout: 30_000 }).toEqual(['connected', 'connected']);
      for (const i of [0, 1]) await grows(async () => (await w.openAudioBytes())[i]!, 1000);
    }

    // Karin turns her camera on: her picture plays in her tile on the host's screen.
    await call(km).getByRole('button', { name: 'Camera aan' }).click();
    await call(km).getByRole('button', { name: 'Camera uit' }).waitFor();
    await expect.poll(() => tileOf(hostPage, 'Karin').locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);

    // The host withdraws Karin's link: she is out of the call on every screen, and the others'
    // connections to her are closed (her browser cannot keep listening in).
    expect((await host.del(`/api/rooms/${room.id}/invites/${inviteId}`)).status).toBe(204);
    await km.getByRole('alert').filter({ hasText: 'Je toegang tot deze kamer is beëindigd' }).waitFor();
    for (const [page, w] of [
      [hostPage, watches[0]!],
      [coach, watches[1]!],
    ] as const) {
      await expect.poll(() => tiles(page).count(), { timeout: 10_000 }).toBe(2);
      expect(await tileOf(page, 'Karin').count()).toBe(0);
      await expect.poll(async () => (await w.links()).filter((l) => l.state !== 'closed').length, { timeout: 10_000 }).toBe(1);
    }
    await expect.poll(async () => (await watches[2]!.links()).every((l) => l.state === 'closed' || l.state === 'failed' || l.state === 'disconnected'), { timeout: 30_000 }).toBe(true);
    // Host and coach still hear each other.
    for (const w of watches.slice(0, 2)) await grows(async () => (await w.openAudioBytes())[0]!, 1000);
  });

  it('ducks the recording on the listener’s screen while the other speaks, and pause-on-talk pauses everyone until someone resumes', { timeout: 150_000 }, async () => {
    const room = await demoRoom();
    const hostPage = await hostOpens(room);
    const { page: coach } = await guestJoins(room, 'coach', 'Coen');
    const c = await PageWatch.of(coach);
    for (const page of [hostPage, coach]) await joinCall(page);
    await expect.poll(() => tiles(coach).count(), { timeout: 15_000 }).toBe(2);
    // Only the host talks: the coach mutes (both fake microphones play the same file).
    await call(coach).getByRole('button', { name: 'Microfoon uit (M)' }).click();
    await tileOf(hostPage, 'Coen').getByText('microfoon uit').waitFor();

    // While the host's microphone speaks the coach's recording is soft, in the silence it comes back.
    await expect.poll(() => c.videoVolume(), { timeout: 20_000 }).toBeLessThan(0.4);
    await expect.poll(() => c.videoVolume(), { timeout: 20_000 }).toBeGreaterThan(0.95);
    await expect.poll(() => c.videoVolume(), { timeout: 20_000 }).toBeLessThan(0.4);

    // The host turns pause-on-talk on and plays; the host's talk pauses the room for everyone.
    await call(hostPage).getByRole('checkbox', { name: 'Pauzeer als iemand begint te praten' }).check();
    await call(coach).getByText('Wie langer dan anderhalve seconde praat').waitFor();
    await hostPage.getByRole('group', { name: 'Bediening van de video' }).getByRole('button', { name: 'Afspelen' }).click();
    await expect.poll(() => c.value<boolean>(`document.querySelector('video').paused`), { timeout: 15_000 }).toBe(false);
    const notice = call(coach).getByRole('status').filter({ hasText: 'Beheerder (begeleider) praat — gepauzeerd' });
    await notice.waitFor({ timeout: 20_000 });
    for (const page of [hostPage, coach]) {
      await expect.poll(async () => (await PageWatch.of(page)).value<boolean>(`document.querySelector('video').paused`), { timeout: 10_000 }).toBe(true);
    }
    await hostPage.getByRole('status').filter({ hasText: 'Beheerder (begeleider) praat — gepauzeerd' }).waitFor();

    // One key resumes: K, the playhead's own, from the coach's keyboard.
    await coach.keyboard.press('k');
    await expect.poll(() => notice.count(), { timeout: 10_000 }).toBe(0);
  });

  it('says clearly when the browser refuses the microphone, and lets the person listen only', { timeout: 120_000 }, async () => {
    const room = await demoRoom();
    const hostPage = await hostOpens(room);
    await joinCall(hostPage);
    const refusing = await launchBrowser(fakeMediaArgs(SPEECH_WAV, false));
    try {
      const { page } = await guestJoins(room, 'client', 'Clara', { inBrowser: refusing });
      await call(page).getByRole('button', { name: 'Deelnemen aan het gesprek' }).click();
      await call(page).getByRole('alert').filter({ hasText: 'Je browser geeft Kijkkamer geen toegang tot de microfoon' }).waitFor();
      expect(await call(page).getByRole('button', { name: 'Gesprek verlaten' }).count()).toBe(0);

      await call(page).getByRole('button', { name: 'Alleen luisteren' }).click();
      await tileOf(page, 'Clara (jij)').getByText('zonder microfoon').waitFor();
      await tileOf(hostPage, 'Clara').getByText('microfoon uit').waitFor();
      expect(await call(page).getByRole('button', { name: 'Microfoon aan (M)' }).isDisabled()).toBe(true);
      // She hears the host.
      const w = await PageWatch.of(page);
      await expect.poll(async () => (await w.links()).map((l) => l.state), { timeout: 20_000 }).toEqual(['connected']);
      await grows(async () => (await w.openAudioBytes())[0]!, 1000);
    } finally {
      await refusing.close();
    }
  });

  it('stays in the call through a network drop: same connection, back without leaving the room', { timeout: 120_000 }, async () => {
    const room = await demoRoom();
    const proxy = await startCutProxy(new URL(server.url).port ? Number(new URL(server.url).port) : 80);
    try {
      const hostPage = await hostOpens(room);
      const base = `http://127.0.0.1:${proxy.port}`;
      const { page: coach } = await guestJoins(room, 'coach', 'Coen', { base });
      const [h, c] = [await PageWatch.of(hostPage), await PageWatch.of(coach)];
      for (const page of [hostPage, coach]) await joinCall(page);
      for (const w of [h, c]) await expect.poll(async () => (await w.links()).map((l) => l.state), { timeout: 20_000 }).toEqual(['connected']);

      // The coach's network to the server drops; the server keeps Coen's place while he is away.
      proxy.cut();
      await tileOf(hostPage, 'Coen').getByText('verbinding weg').waitFor({ timeout: 10_000 });
      // He comes back by himself: the same peer, so the host never needed a new connection.
      await expect.poll(() => tileOf(hostPage, 'Coen').getByText('verbinding weg').count(), { timeout: 20_000 }).toBe(0);
      await expect.poll(() => call(coach).getByText('opnieuw verbinden').count(), { timeout: 20_000 }).toBe(0);
      expect(await tiles(coach).count()).toBe(2);
      expect((await h.links()).map((l) => l.state)).toEqual(['connected']);
      expect((await c.links()).map((l) => l.state)).toEqual(['connected']);
      for (const w of [h, c]) await grows(async () => (await w.openAudioBytes())[0]!, 1000);
    } finally {
      await proxy.close();
    }
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { launchBrowser, newPerson } from '../helpers/browser.ts';
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

  async function person(): Promise<Page> {
    const context = await newPerson(browser, server.url);
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
  async function guestJoins(room: Room, role: 'coach' | 'klantmanager' | 'client', name: string): Promise<{ page: Page; inviteId: string }> {
    const created = await invite(host, room.id, role);
    const page = await person();
    await page.goto(created.url);
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

    // Before joining, the coach sees who is in the call.
    await joinCall(hostPage);
    await call(coach).getByText('In het gesprek: Beheerder').waitFor();
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

    // Push-to-talk: muted, P held sends, letting go stops.
    await hostPage.keyboard.press('m');
    await stops(async () => (await c.openAudioBytes())[0]!);
    await hostPage.keyboard.down('p');
    await call(hostPage).getByText('Je praat (P ingedrukt)').waitFor();
    await grows(async () => (await c.openAudioBytes())[0]!, 1000);
    await hostPage.keyboard.up('p');
    await stops(async () => (await c.openAudioBytes())[0]!);
  });
});

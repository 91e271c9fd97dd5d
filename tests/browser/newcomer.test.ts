import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { addFragment } from '../../shared/kijkwijzer/doc.ts';
import { addObservation, readObservations } from '../../shared/notes/doc.ts';
import { expectAccessible, frameOnScreen, launchBrowser, newPerson, personWith, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced } from '../helpers/yjs.ts';

const POLL = { timeout: 20_000, interval: 100 };
/** What a newcomer must never read: the validator's words. */
const SCHEMA_VOCABULARY = /must match|pattern|body\/|\/properties/;

/**
 * Issue 18: what a new user met, in order of harm, each replayed as that person did it (keyboard
 * and mouse, typing right after a click) against what a person expects.
 */
describe('a newcomer in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  useAccessibilityScan();

  beforeAll(async () => {
    server = await startServer();
    // Playback that a stray key starts must show, whatever the autoplay policy.
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  const demoRoom = async (): Promise<Room> => {
    const demo = await host.post<Room>('/api/demo');
    expect(demo.status).toBe(201);
    return demo.body;
  };
  const hostIn = async (roomId: string): Promise<Page> => {
    const page = await personWith(browser, server.url, host);
    await page.goto(`/kamer/${roomId}`);
    return page;
  };
  const controls = (page: Page) => page.getByRole('group', { name: 'Bediening van de video' });
  const videoState = (page: Page) => page.locator('video').evaluate((v: HTMLVideoElement) => ({ paused: v.paused, ended: v.ended, time: v.currentTime }));
  const openTab = (page: Page, name: string) => page.getByRole('tablist', { name: 'Kijkwijzer' }).getByRole('tab', { name }).click();
  const sharedObservations = async (roomId: string) => {
    const reader = openProvider(host, roomId);
    try {
      await synced(reader);
      return readObservations(reader.doc);
    } finally {
      reader.destroy();
    }
  };
  const value = (field: Locator) => field.evaluate((el) => (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : (el.textContent ?? '')));

  it('1. what is typed right after "Privé-observatie" lands in the private note only: no shortcut fires, nothing reaches the shared notes or the exports', async () => {
    const room = await demoRoom();
    const page = await hostIn(room.id);
    await controls(page).getByRole('button', { name: 'Afspelen' }).waitFor();
    const before = (await sharedObservations(room.id)).length;
    await openTab(page, 'Voorbereiding');
    await page.locator('button', { hasText: 'Privé voorbereiden' }).click();
    await page.getByRole('button', { name: /^Privé-observatie bij / }).click();
    // K and space would play the room's video, N would start a shared observation.
    const secret = 'kn Twijfel over haar motivatie, niet delen';
    await page.keyboard.type(secret, { delay: 15 });

    const privateText = page.getByRole('textbox', { name: /^Privé-observatie bij / });
    await expect.poll(() => value(privateText), POLL).toBe(secret);
    expect((await videoState(page)).paused).toBe(true);
    await page.getByRole('status').filter({ hasText: 'Opgeslagen, alleen voor jou.' }).waitFor(POLL);
    const shared = await sharedObservations(room.id);
    expect(shared.length).toBe(before);
    expect(shared.some((o) => o.text.includes('motivatie'))).toBe(false);
    for (const format of ['csv', 'vtt', 'eaf']) {
      const exported = await host.get<string>(`/api/rooms/${room.id}/exports/${format}`);
      expect(exported.status, format).toBe(200);
      expect(String(exported.body), format).not.toContain('motivatie');
    }
    // It is in the private document, where only its author can open it.
    const own = openProvider(host, `${room.id}/private`);
    try {
      await synced(own);
      expect(readObservations(own.doc).map((o) => o.text)).toEqual([secret]);
    } finally {
      own.destroy();
    }
  });

  it('every action that opens a text field puts focus in it, so typing right after the click never becomes a shortcut', async () => {
    const room = await demoRoom();
    const doc = await server.app.services.notes.getDoc(room.id);
    addFragment(doc, { start: 2, end: 4, title: 'Begin', question: '', themes: [] });
    const page = await hostIn(room.id);
    await controls(page).getByRole('button', { name: 'Afspelen' }).waitFor();
    const notesBefore = (await sharedObservations(room.id)).length;

    // A new observation: the editor opens with focus, and K or N are letters there.
    await page.getByRole('button', { name: /^Nieuwe observatie bij/ }).click();
    await page.keyboard.type('kn eerste indruk', { delay: 15 });
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await sharedObservations(room.id)).filter((o) => o.text === 'kn eerste indruk').length, POLL).toBe(1);
    expect((await sharedObservations(room.id)).length).toBe(notesBefore + 1);

    await openTab(page, 'Fragmenten');
    await page.getByRole('button', { name: 'Nieuw fragment' }).click();
    await page.keyboard.type('kn opening', { delay: 15 });
    expect(await value(page.getByRole('form', { name: 'Nieuw fragment' }).getByLabel('Titel'))).toBe('kn opening');
    await page.getByRole('form', { name: 'Nieuw fragment' }).getByRole('button', { name: 'Annuleren' }).click();

    await page.getByRole('button', { name: 'Fragment bewerken: Begin' }).click();
    await page.keyboard.type(' kn', { delay: 15 });
    expect(await value(page.getByRole('form', { name: 'Fragment bewerken: Begin' }).getByLabel('Titel'))).toBe('Begin kn');
    await page.getByRole('form', { name: 'Fragment bewerken: Begin' }).getByRole('button', { name: 'Annuleren' }).click();

    // Choosing "anders" opens its text field: that is where the next words go.
    await openTab(page, 'Werkblad');
    await page.getByRole('checkbox', { name: 'Anders', exact: true }).check();
    await page.keyboard.type('kn mijn collega', { delay: 15 });
    await expect.poll(() => value(page.getByRole('textbox', { name: 'Samen met (anders)' })), POLL).toBe('kn mijn collega');

    await openTab(page, 'SLIM');
    await page.getByRole('group', { name: 'Zelfbeeld van de cliënt' }).getByRole('radio', { name: /^Anders/ }).check();
    await page.keyboard.type('kn zoekend', { delay: 15 });
    await expect.poll(() => value(page.getByRole('textbox', { name: 'Zelfbeeld (anders)' })), POLL).toBe('kn zoekend');

    expect((await videoState(page)).paused).toBe(true);
    expect((await sharedObservations(room.id)).length).toBe(notesBefore + 1);
  });

  it('2. a garbled invite link gets a Dutch sentence, not the validator’s', async () => {
    const room = await createRoom(host);
    const page = await (await newPerson(browser, server.url)).newPage();
    await page.goto(`/join/${room.id}#garbledtoken123`);
    await page
      .getByRole('alert')
      .filter({ hasText: 'Deze uitnodigingslink is niet compleet of beschadigd. Kopieer de hele link uit je bericht en open hem opnieuw.' })
      .waitFor(POLL);
    expect(await page.locator('body').innerText()).not.toMatch(SCHEMA_VOCABULARY);
  });

  it('3. a blank room title is refused in words, and a long one is counted down, never cut off', async () => {
    const page = await personWith(browser, server.url, host);
    await page.goto('/kamers/nieuw');
    const title = page.getByLabel('Titel', { exact: true });
    await title.fill('   ');
    await page.getByRole('button', { name: 'Kamer maken' }).click();
    await page.getByText('Titel bevat alleen spaties. Vul tekst in.').waitFor(POLL);
    await expectAccessible([page]);
    expect(await title.evaluate((el) => el === document.activeElement)).toBe(true);

    await title.fill('x'.repeat(112));
    await page.getByText('Nog 8 tekens').waitFor(POLL);
    await title.fill('x'.repeat(121));
    expect((await value(title)).length).toBe(121);
    await page.getByText('1 teken te veel').waitFor(POLL);
    await page.getByRole('button', { name: 'Kamer maken' }).click();
    await page.getByText('Titel is 1 teken te lang: hoogstens 120 tekens.').waitFor(POLL);
    expect(page.url()).toMatch(/\/kamers\/nieuw$/);
    expect(await page.locator('body').innerText()).not.toMatch(SCHEMA_VOCABULARY);
  });

  it('4. the theme menu follows the keyboard: arrows, Home/End, type-ahead, Space and Enter toggle with aria-checked, Escape', async () => {
    const room = await createRoom(host);
    addObservation(await server.app.services.notes.getDoc(room.id), { start: 3, end: null, themes: [], kind: 'zie', text: 'kijkt weg', authorId: 'x', authorName: 'Beheerder', role: 'begeleider' });
    const page = await hostIn(room.id);
    const obs = page.getByRole('article', { name: /^Observatie bij 0:03/ });
    const add = obs.getByRole('button', { name: '+ Thema kiezen' });
    await add.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'Thema’s' });
    await menu.waitFor();
    const focusedItem = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    expect(await focusedItem()).toBe('Emotie');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    expect(await focusedItem()).toBe('Beleving');
    await expectAccessible([page]);
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });
    await obs.getByRole('button', { name: 'Thema Beleving weghalen' }).waitFor(POLL);
    expect(await add.evaluate((el) => el === document.activeElement)).toBe(true);

    await page.keyboard.press('t');
    await menu.waitFor();
    expect(await menu.getByRole('menuitemcheckbox', { name: 'Beleving' }).getAttribute('aria-checked')).toBe('true');
    expect(await menu.getByRole('menuitemcheckbox', { name: 'Emotie' }).getAttribute('aria-checked')).toBe('false');
    await page.keyboard.press('End');
    expect(await focusedItem()).toBe('Benadering');
    await page.keyboard.press('Home');
    expect(await focusedItem()).toBe('Emotie');
    await page.keyboard.press('w');
    expect(await focusedItem()).toBe('Weerstand');
    // Space ticks without closing; the tick is what a screen reader announces.
    await page.keyboard.press(' ');
    await expect.poll(() => menu.getByRole('menuitemcheckbox', { name: 'Weerstand' }).getAttribute('aria-checked'), POLL).toBe('true');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    expect(await add.evaluate((el) => el === document.activeElement)).toBe(true);
    await expect.poll(async () => (await sharedObservations(room.id))[0]?.themes, POLL).toEqual(['beleving', 'weerstand']);
  });

  it('5. with three werkblad themes the others are disabled, with the reason beside them', async () => {
    const room = await createRoom(host);
    const page = await hostIn(room.id);
    const themes = page.getByRole('group', { name: 'Thema’s waar ik specifiek op ga letten (kies er 1 tot 3)' });
    for (const name of [/^Emotie/, /^Weerstand/, /^Feedback/]) await themes.getByRole('checkbox', { name }).check();
    const fourth = themes.getByRole('checkbox', { name: /^Resultaten/ });
    await expect.poll(() => fourth.isDisabled(), POLL).toBe(true);
    await themes.getByText('Je hebt 3 thema’s gekozen, het maximum. Haal er eerst een weg om een ander te kiezen.').waitFor();
    expect(await themes.getByRole('checkbox', { name: /^Emotie/ }).isDisabled()).toBe(false);
    await themes.getByRole('checkbox', { name: /^Weerstand/ }).uncheck();
    await expect.poll(() => fourth.isDisabled(), POLL).toBe(false);
  });

  it('6. "Feedback toevoegen" puts the cursor in the feedback box', async () => {
    const room = await createRoom(host);
    addFragment(await server.app.services.notes.getDoc(room.id), { start: 1, end: 3, title: 'Opening', question: '', themes: [] });
    const page = await hostIn(room.id);
    await openTab(page, 'Fragmenten');
    await page.getByRole('button', { name: 'Feedback toevoegen bij fragment: Opening' }).click();
    await page.keyboard.type('Ze vond het een fijn begin', { delay: 15 });
    expect(await value(page.getByRole('textbox', { name: 'Cliëntfeedback bij fragment: Opening' }))).toBe('Ze vond het een fijn begin');
  });

  it('7. after the video ends the button offers to play again, and playing starts from the beginning', async () => {
    const room = await demoRoom();
    const page = await hostIn(room.id);
    const play = controls(page).getByRole('button', { name: 'Afspelen' });
    await play.waitFor();
    for (let i = 0; i < 3; i++) await controls(page).getByRole('button', { name: '5 seconden vooruit' }).click();
    await expect.poll(async () => (await videoState(page)).time, POLL).toBeGreaterThan(14);
    await play.click();
    await expect.poll(async () => (await videoState(page)).ended, { timeout: 30_000, interval: 200 }).toBe(true);
    await play.waitFor(POLL);
    expect(await controls(page).getByRole('button', { name: 'Pauzeren' }).count()).toBe(0);
    await play.click();
    await expect.poll(async () => {
      const state = await videoState(page);
      return !state.paused && state.time < 5;
    }, POLL).toBe(true);
  });

  it('8. before the first play, the picture shown is the moment the time display names', async () => {
    const room = await demoRoom();
    const page = await hostIn(room.id);
    await controls(page).getByRole('button', { name: 'Afspelen' }).waitFor();
    await expect.poll(() => page.locator('video').evaluate((v: HTMLVideoElement) => v.readyState), POLL).toBeGreaterThanOrEqual(2);
    expect(await controls(page).locator('.time').textContent()).toMatch(/^0:00 /);
    expect(await frameOnScreen(page)).toBe(0);
  });

  it('9. counts are said with the right plural: "1 dag", "14 dagen", "1 day"', async () => {
    const room = await createRoom(host);
    const page = await hostIn(room.id);
    const expiry = page.getByLabel('Geldig');
    await expiry.waitFor();
    const options = await expiry.locator('option').allTextContents();
    expect(options).toContain('1 dag');
    expect(options).toContain('14 dagen');
    expect(options.join('|')).not.toContain('1 dagen');
    await page.getByLabel('Taal', { exact: true }).selectOption('en');
    expect(await page.getByLabel('Valid').locator('option').allTextContents()).toContain('1 day');
    await page.getByLabel('Language', { exact: true }).selectOption('nl');
  });

  it('10. "Privé voorbereiden" is a switch that shows it is on and says what switching it off does', async () => {
    const room = await createRoom(host);
    const page = await hostIn(room.id);
    await openTab(page, 'Voorbereiding');
    const toggle = page.getByRole('switch', { name: 'Privé voorbereiden' });
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    expect(await toggle.textContent()).toContain('Aan');
    await page.getByText('Zet je het uit, dan verdwijnt dit deel van je scherm; je privé-observaties blijven bewaard en alleen jij ziet ze.').waitFor();
    await toggle.click();
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    expect(await toggle.textContent()).toContain('Uit');
  });

  it('11. an empty playlist says what to do; the demo room can always be made; a guest sees their name and can leave', async () => {
    const room = await createRoom(host);
    const page = await hostIn(room.id);
    await openTab(page, 'Fragmenten');
    const playlist = page.getByRole('region', { name: 'Fragmenten afspelen' });
    await playlist.getByText('Nog geen fragmenten om af te spelen. Maak hieronder een fragment met ‘Nieuw fragment’; dan kun je ze hier een voor een met de groep afspelen.').waitFor();

    await page.goto('/kamers');
    await page.getByRole('listitem').filter({ hasText: room.title }).first().waitFor();
    await page.getByRole('button', { name: 'Demo-kamer maken' }).waitFor();

    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    const guestPage = await personWith(browser, server.url, guest);
    await guestPage.goto(`/kamer/${room.id}`);
    const header = guestPage.getByRole('banner');
    await header.getByText('Karin (klantmanager)').waitFor(POLL);
    await header.getByRole('button', { name: 'Kamer verlaten' }).click();
    await guestPage.getByRole('dialog', { name: 'Kamer verlaten' }).getByRole('button', { name: 'Ja, doorgaan' }).click();
    await guestPage.getByRole('heading', { name: 'Je hebt de kamer verlaten' }).waitFor(POLL);
    // The session is over: coming back needs the invite link again.
    await guestPage.goto(`/kamer/${room.id}`);
    await guestPage.getByRole('alert').waitFor(POLL);
    expect(await guestPage.getByRole('heading', { name: 'Deelnemers' }).count()).toBe(0);
  });

  it('12. the jump buttons are named in words (aria-label and tooltip) after their short visible label, in Dutch and English', async () => {
    const room = await demoRoom();
    const page = await hostIn(room.id);
    const jumps = [
      { nl: '5 seconden terug', en: '5 seconds back', shown: '−5 s' },
      { nl: '1 seconde terug', en: '1 second back', shown: '−1 s' },
      { nl: '1 seconde vooruit', en: '1 second forward', shown: '+1 s' },
      { nl: '5 seconden vooruit', en: '5 seconds forward', shown: '+5 s' },
    ];
    for (const lang of ['nl', 'en'] as const) {
      if (lang === 'en') await page.getByLabel('Taal', { exact: true }).selectOption('en');
      const group = page.getByRole('group', { name: lang === 'nl' ? 'Bediening van de video' : 'Video controls' });
      for (const jump of jumps) {
        // The name starts with what the button shows (WCAG 2.5.3, axe's label-content-name-mismatch).
        const button = group.getByRole('button', { name: `${jump.shown}: ${jump[lang]}`, exact: true });
        await button.waitFor(POLL);
        expect(await button.getAttribute('title')).toBe(jump[lang]);
        expect((await button.textContent())?.trim()).toBe(jump.shown);
      }
    }
    await page.getByLabel('Language', { exact: true }).selectOption('nl');
  });

  it('13. recording or withdrawing consent with the keyboard leaves focus on the consent form, not on the page', async () => {
    const room = await createRoom(host);
    const page = await hostIn(room.id);
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      return el === document.body || !el ? 'body' : `${el.tagName.toLowerCase()}: ${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim()}`;
    });
    /** Tabs forward to the control named `target` (a date field is several stops), as a person would. */
    const tabTo = async (target: string) => {
      for (let presses = 0; presses < 8 && (await focused()) !== target; presses++) await page.keyboard.press('Tab');
      expect(await focused()).toBe(target);
    };
    const label = page.getByLabel('Pseudoniem of initialen van de cliënt');
    await label.click();
    await page.keyboard.type('Mw. B.');
    // Enter in the field records it; the form then folds away under the field that had focus.
    await page.keyboard.press('Enter');
    await page.getByText('Toestemming vastgelegd (versie 1).').waitFor(POLL);
    await expect.poll(focused, POLL).toBe('summary: Toestemming wijzigen (nieuwe versie)');

    // The summary opens and closes the form from the keyboard, and keeps focus while it does.
    await page.keyboard.press('Enter');
    await label.waitFor({ state: 'visible' });
    expect(await focused()).toBe('summary: Toestemming wijzigen (nieuwe versie)');
    await page.keyboard.press('Space');
    await label.waitFor({ state: 'hidden' });

    // Withdrawing: the withdraw button goes away once it is done.
    await tabTo('button: Toestemming intrekken');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Toestemming intrekken' }).waitFor();
    await tabTo('button: Ja, doorgaan');
    await page.keyboard.press('Enter');
    await page.getByText(/^Intrekking vastgelegd/).waitFor(POLL);
    await expect.poll(focused, POLL).toBe('summary: Toestemming invullen');
  });

  it('14. a guest who leaves in one tab is shown, in every other tab, that they are no longer in the room', async () => {
    const room = await createRoom(host);
    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    const first = await personWith(browser, server.url, guest);
    const second = await first.context().newPage();
    for (const page of [first, second]) {
      await page.goto(`/kamer/${room.id}`);
      await page.getByRole('banner').getByRole('status').filter({ hasText: 'Verbonden' }).waitFor(POLL);
    }
    await first.getByRole('banner').getByRole('button', { name: 'Kamer verlaten' }).click();
    await first.getByRole('dialog', { name: 'Kamer verlaten' }).getByRole('button', { name: 'Ja, doorgaan' }).click();
    await first.getByRole('heading', { name: 'Je hebt de kamer verlaten' }).waitFor(POLL);

    await second
      .getByRole('alert')
      .filter({ hasText: 'Je bent niet meer in deze kamer: je hebt de kamer verlaten of bent uitgelogd (misschien in een ander tabblad), of je was te lang weg.' })
      .waitFor(POLL);
    await second.getByRole('banner').getByRole('status').filter({ hasText: 'Niet meer in de kamer' }).waitFor(POLL);
    expect(await second.getByRole('heading', { name: 'Deelnemers' }).count()).toBe(0);
    await second.getByLabel('Taal', { exact: true }).selectOption('en');
    await second.getByRole('alert').filter({ hasText: 'You are no longer in this room: you left the room or signed out (perhaps in another tab)' }).waitFor(POLL);
  });
});

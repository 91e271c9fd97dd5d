import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Traject } from '../../shared/api/kijkwijzer-schemas.ts';
import type { Room } from '../../shared/api/schemas.ts';
import { addAandachtspunt, addFragment } from '../../shared/kijkwijzer/doc.ts';
import { expectAccessible, launchBrowser, newPerson, personWith, useAccessibilityScan } from '../helpers/browser.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const POLL = { timeout: 15_000, interval: 100 };
/** The validator's words: none may ever be on a screen. */
const SCHEMA_VOCABULARY = /must match|pattern|body\/|\/properties|must NOT|additionalProperties|instancePath/;

interface Field {
  label: string;
  /** A value that passes, put in while another field is tried. */
  valid: string;
  required?: boolean;
  max?: number;
  /** Wrong in its form (not an e-mail address, not a time, too short a password). */
  malformed?: string;
  /** An e-mail field: the browser itself drops spaces around its value. */
  email?: boolean;
  /** How the messages name the field, when that is not its label (a question makes a poor subject). */
  named?: string;
}
interface Form {
  name: string;
  /** Opens the form in a fresh state (and returns it with its submit button). */
  open: (page: Page) => Promise<{ scope: Locator; submit: Locator }>;
  fields: Field[];
}

/**
 * Every form a person can fill in, walked with empty, only spaces, one character too many and
 * malformed input per field: each time a message must appear that names the field, in Dutch, and
 * nothing on the screen may be the validator's vocabulary.
 */
describe('every form answers bad input in words a person reads', () => {
  let server: TestServer;
  let browser: Browser;
  let host: HttpClient;
  useAccessibilityScan();
  const walked = { forms: 0, fields: 0, cases: 0 };

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    console.log(`forms walked: ${walked.forms} forms, ${walked.fields} fields, ${walked.cases} bad inputs`);
    await browser?.close();
    await server?.dispose();
  });

  const field = (scope: Locator, f: Field) => scope.getByLabel(f.label, { exact: true });

  async function walk(page: Page, form: Form): Promise<void> {
    walked.forms++;
    for (const f of form.fields) {
      walked.fields++;
      const bad: [string, string][] = [];
      if (f.required) bad.push(['empty', ''], ['only spaces', '   ']);
      if (f.max !== undefined) bad.push(['too long', 'x'.repeat(f.max + 1)]);
      if (f.malformed !== undefined) bad.push(['malformed', f.malformed]);
      for (const [what, value] of bad) {
        walked.cases++;
        const { scope, submit } = await form.open(page);
        for (const other of form.fields) await field(scope, other).fill(other === f ? value : other.valid);
        await submit.click();
        const message = page.getByRole('alert').filter({ hasText: new RegExp(escape(f.named ?? f.label), 'i') });
        await message.first().waitFor({ timeout: POLL.timeout }).catch(() => {
          throw new Error(`${form.name} › ${f.label} › ${what}: no message naming the field`);
        });
        const shown = await page.locator('body').innerText();
        expect(shown, `${form.name} › ${f.label} › ${what}`).not.toMatch(SCHEMA_VOCABULARY);
        // Nothing was cut off: the field still holds all that was typed.
        expect(await field(scope, f).inputValue(), `${form.name} › ${f.label} › ${what}`).toBe(f.email ? value.trim() : value);
      }
    }
    await expectAccessible([page]);
  }

  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('sign-in, account, room, join and traject forms', async () => {
    const anonymous = await (await newPerson(browser, server.url)).newPage();
    await walk(anonymous, {
      name: 'Inloggen',
      open: async (page) => {
        await page.goto('/inloggen');
        return { scope: page.locator('main'), submit: page.getByRole('button', { name: 'Inloggen' }) };
      },
      fields: [
        { label: 'E-mailadres', valid: 'iemand@voorbeeld.nl', required: true, max: 254, malformed: 'geen-mailadres', email: true },
        { label: 'Wachtwoord', valid: 'een-wachtwoord', required: true, max: 200 },
      ],
    });

    const staffInvite = (await host.post<{ url: string }>('/api/staff-invites', {})).body.url;
    await walk(anonymous, {
      name: 'Account aanmaken',
      open: async (page) => {
        await page.goto(staffInvite.replace(/^https?:\/\/[^/]+/, ''));
        return { scope: page.locator('main'), submit: page.getByRole('button', { name: 'Account aanmaken' }) };
      },
      fields: [
        { label: 'Je naam', valid: 'Nieuwe collega', required: true, max: 60 },
        { label: 'E-mailadres', valid: 'collega@voorbeeld.nl', required: true, max: 254, malformed: 'collega@', email: true },
        { label: 'Wachtwoord', valid: 'een-lang-wachtwoord', required: true, max: 200, malformed: 'kort' },
      ],
    });

    const staff = await personWith(browser, server.url, host);
    await walk(staff, {
      name: 'Nieuwe kamer',
      open: async (page) => {
        await page.goto('/kamers/nieuw');
        return { scope: page.locator('main'), submit: page.getByRole('button', { name: 'Kamer maken' }) };
      },
      fields: [
        { label: 'Titel', valid: 'Gesprek met mevrouw B.', required: true, max: 120 },
        { label: 'Omschrijving (optioneel)', named: 'Omschrijving', valid: '', max: 2000 },
      ],
    });

    const room = await createRoom(host);
    const link = (await invite(host, room.id, 'coach')).url.replace(/^https?:\/\/[^/]+/, '');
    await walk(anonymous, {
      name: 'Deelnemen',
      open: async (page) => {
        await page.goto(link);
        await page.reload();
        return { scope: page.locator('main'), submit: page.getByRole('button', { name: 'Deelnemen' }) };
      },
      fields: [{ label: 'Je naam zoals anderen die zien', valid: 'Coen', required: true, max: 60 }],
    });
    // A link whose token was cut short or mangled.
    for (const hash of ['', '#kort', '#garbled token!!', `#${'x'.repeat(101)}`]) {
      walked.cases++;
      await anonymous.goto(`/join/${room.id}${hash}`);
      await anonymous.getByRole('alert').filter({ hasText: /uitnodigingslink/ }).waitFor(POLL);
      expect(await anonymous.locator('body').innerText()).not.toMatch(SCHEMA_VOCABULARY);
    }

    await walk(staff, {
      name: 'Nieuw traject',
      open: async (page) => {
        await page.goto('/trajecten');
        const form = page.getByRole('form', { name: 'Nieuw traject' });
        return { scope: form, submit: form.getByRole('button', { name: 'Traject maken' }) };
      },
      fields: [
        { label: 'Naam van het traject', valid: 'Traject mevrouw B.', required: true, max: 120 },
        { label: 'Klantmanager', valid: 'Karin', max: 60 },
      ],
    });
  });

  it('the room’s forms: fragment, client feedback, aandachtspunt, leerpunt, consent', async () => {
    const traject = (await host.post<Traject>('/api/trajects', { title: 'Traject', klantmanagerName: '' })).body;
    const first = (await host.post<Room>('/api/rooms', { title: 'Eerste gesprek', recordedOn: '2026-11-02' })).body;
    const room = (await host.post<Room>('/api/rooms', { title: 'Tweede gesprek', recordedOn: '2026-11-30' })).body;
    for (const r of [first, room]) await host.put(`/api/rooms/${r.id}/traject`, { trajectId: traject.id });
    addAandachtspunt(await server.app.services.notes.getDoc(first.id), { text: 'Eerst de agenda vragen', fragmentIds: [], observationIds: [], authorId: 'k', authorName: 'Karin' });
    addFragment(await server.app.services.notes.getDoc(room.id), { start: 1, end: 3, title: 'Opening', question: '', themes: [] });
    const page = await personWith(browser, server.url, host);
    await page.goto(`/kamer/${room.id}`);
    const tab = (name: string) => page.getByRole('tablist', { name: 'Kijkwijzer' }).getByRole('tab', { name }).click();

    await walk(page, {
      name: 'Nieuw fragment',
      open: async (p) => {
        await tab('Fragmenten');
        const form = p.getByRole('form', { name: 'Nieuw fragment' });
        if ((await form.count()) === 0) await p.getByRole('button', { name: 'Nieuw fragment' }).click();
        return { scope: form, submit: form.getByRole('button', { name: 'Fragment toevoegen' }) };
      },
      fields: [
        { label: 'Titel', valid: 'Het doel', required: true, max: 200 },
        { label: 'Begin', valid: '0:02', required: true, malformed: 'twee' },
        { label: 'Einde', valid: '0:04', required: true, malformed: '1:xx' },
        { label: 'Reflectievraag', valid: '', max: 2000 },
      ],
    });

    await walk(page, {
      name: 'Cliëntfeedback',
      open: async (p) => {
        await tab('Fragmenten');
        const box = p.getByRole('textbox', { name: 'Cliëntfeedback bij fragment: Opening' });
        if ((await box.count()) === 0) await p.getByRole('button', { name: 'Feedback toevoegen bij fragment: Opening' }).click();
        const form = p.locator('form').filter({ has: box });
        return { scope: form, submit: form.getByRole('button', { name: 'Opslaan' }) };
      },
      fields: [{ label: 'Cliëntfeedback bij fragment: Opening', named: 'Cliëntfeedback', valid: 'Fijn', max: 2000 }],
    });

    await walk(page, {
      name: 'Nieuw aandachtspunt',
      open: async (p) => {
        await tab('Aandachtspunten');
        const form = p.getByRole('form', { name: 'Nieuw aandachtspunt' });
        return { scope: form, submit: form.getByRole('button', { name: 'Aandachtspunt toevoegen' }) };
      },
      fields: [{ label: 'Wat ga ik anders doen?', named: 'Het aandachtspunt', valid: 'Eerst luisteren', required: true, max: 2000 }],
    });

    await walk(page, {
      name: 'Leerpunt',
      open: async (p) => {
        await tab('Aandachtspunten');
        const form = p.getByRole('form', { name: 'Leerpunt bij: Eerst de agenda vragen' });
        return { scope: form, submit: form.getByRole('button', { name: 'Opslaan' }) };
      },
      fields: [
        { label: 'Wat heb ik geprobeerd?', named: 'Wat je probeerde', valid: 'Haar agenda eerst', max: 2000 },
        { label: 'Hoe ging het?', named: 'Hoe het ging', valid: 'Goed', max: 2000 },
      ],
    });

    await walk(page, {
      name: 'Toestemming',
      open: async (p) => {
        const form = p.getByRole('region', { name: 'Toestemming van de cliënt' }).locator('form');
        return { scope: form, submit: form.getByRole('button', { name: /^Toestemming vastleggen|^Nieuwe versie vastleggen/ }) };
      },
      fields: [
        { label: 'Pseudoniem of initialen van de cliënt', valid: 'Mw. B.', required: true, max: 60 },
        { label: 'Notitie (optioneel)', named: 'Notitie', valid: '', max: 500 },
      ],
    });
    // A date the server refuses (in the future) comes back named by its label, not as "body/consentDate".
    walked.cases++;
    const consent = page.getByRole('region', { name: 'Toestemming van de cliënt' }).locator('form');
    await consent.getByLabel('Pseudoniem of initialen van de cliënt', { exact: true }).fill('Mw. B.');
    await consent.getByLabel('Notitie (optioneel)', { exact: true }).fill('');
    await consent.getByLabel('Datum van de toestemming').fill('2099-01-01');
    await consent.getByRole('button', { name: /^Toestemming vastleggen|^Nieuwe versie vastleggen/ }).click();
    await page.getByRole('alert').filter({ hasText: 'Datum van de toestemming mag niet in de toekomst liggen.' }).waitFor(POLL);
    expect(await page.locator('body').innerText()).not.toMatch(SCHEMA_VOCABULARY);
  });
});

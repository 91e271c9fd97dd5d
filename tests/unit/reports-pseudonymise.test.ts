import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../shared/reports/csv.ts';
import { toEaf } from '../../shared/reports/eaf.ts';
import { toWerkbladMarkdown } from '../../shared/reports/markdown.ts';
import { AMBIGUOUS_NAME, createPseudonymiser, pseudonymise } from '../../shared/reports/pseudonymise.ts';
import { toQdpx } from '../../shared/reports/qdpx.ts';
import { toChaptersVtt, toWebVtt } from '../../shared/reports/webvtt.ts';
import { PARTICIPANT_NAMES, makeInput, obs } from './reports-fixtures.ts';

/** Every name and every name part that identifies someone (particles like "van", "de" excluded). */
const IDENTIFYING = [
  ...PARTICIPANT_NAMES,
  'Gijs Gastmans',
  'Anna', 'Bakker', 'Jan', 'Vries', 'Piet', 'Jansen', 'Zoë', 'Berg', 'Eline', 'Maréchal', 'Gijs', 'Gastmans',
];

function expectNoNames(text: string, where: string): void {
  for (const name of IDENTIFYING) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${name}(?![\\p{L}\\p{N}])`, 'iu');
    expect(re.test(text.normalize('NFC')), `"${name}" in ${where}`).toBe(false);
  }
}

const werkblad = {
  goal: 'Kijken hoe Anna Bakker de regie bij Jan laat',
  watchWith: ['Piet Jansen', 'Eline'],
  themes: [{ id: 't-contact', name: 'Contact maken', questions: ['Hoe begroet je?'], vraag: 'Wat doet Zoë?', anders: 'Jan meer laten vertellen' }],
  aandachtspunten: [{ text: 'Piet let op de stiltes' }],
  slim: { selfImage: 'Anna denkt dat ze goed luistert', role: 'begeleider', matches: true },
};

describe('pseudonymise', () => {
  it('replaces people by role labels, numbered only when a role occurs more than once', () => {
    const out = pseudonymise(makeInput());
    expect(out.participants.map((p) => p.name)).toEqual(['begeleider', 'Noor', 'coach 1', 'coach 2', 'klantmanager']);
    const authors = Object.fromEntries(out.observations.map((o) => [o.text.slice(0, 12), o.authorName]));
    expect(Object.values(authors)).toEqual(['begeleider', 'coach 1', 'coach 2', 'klantmanager', 'begeleider', 'collega']);
    // Ids are replaced too (they might be e-mail addresses or name-based).
    expect(out.participants.map((p) => p.id)).toEqual(['deelnemer-1', 'deelnemer-2', 'deelnemer-3', 'deelnemer-4', 'deelnemer-5']);
    expect(new Set(out.observations.map((o) => o.authorId))).toEqual(
      new Set(['deelnemer-1', 'deelnemer-3', 'deelnemer-4', 'deelnemer-5', 'deelnemer-6']),
    );
  });

  it('uses "cliënt" when there is no pseudonym', () => {
    const input = { ...makeInput(), clientPseudonym: null };
    const out = pseudonymise(input);
    expect(out.participants[1]!.name).toBe('cliënt');
    expect(out.observations[0]!.text).toBe('cliënt knikt, zegt "ja" en kijkt weg.\nDaarna: stilte; begeleider wacht.');
  });

  it('replaces full names and name parts inside texts, case-insensitively, keeping particles', () => {
    const out = pseudonymise(makeInput());
    const texts = out.observations.map((o) => o.text);
    expect(texts).toContain('Noor knikt, zegt "ja" en kijkt weg.\nDaarna: stilte; begeleider wacht.');
    expect(texts).toContain('Waarom vraagt coach 2 niet door? Geïnteresseerd & <open>?');
    expect(texts).toContain('- klantmanager en mevrouw de Noor: "geen" commentaar\r\n\r\nvolgende regel');
    const p = createPseudonymiser(makeInput());
    expect(p.text('ZOË en zoë, anna-achtig, Annalies, JAN.')).toBe('coach 2 en coach 2, begeleider-achtig, Annalies, Noor.');
    expect(p.text('van de berg')).toBe('van de coach 2');
    expect(p.text('de heer van der Vries')).toBe('de heer van der Noor');
  });

  it('replaces a name part shared by two people with a neutral placeholder', () => {
    const input = makeInput();
    input.participants.push({ id: 'u6', name: 'Jan Smit', role: 'collega' });
    const p = createPseudonymiser(input);
    // Gijs Gastmans (an author without participant entry) is "collega 2".
    expect(p.text('Jan Smit en Jan de Vries; Jan')).toBe(`collega 1 en Noor; ${AMBIGUOUS_NAME}`);
  });

  it('also covers room title, media file name and fragments, and does not mutate the input', () => {
    const input = makeInput();
    const before = JSON.stringify(input);
    const out = pseudonymise(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(out.room.title).toBe('Gesprek met Noor, café "De Hoek"');
    expect(out.media?.fileName).toBe('gesprek Noor.mp4');
    expect(out.fragments.map((f) => [f.title, f.question, f.clientFeedback])).toEqual([
      ['Afsluiting met Noor', 'Wat zag je bij coach 1?', 'Noor vond het fijn & prettig'],
      ['Begin <contact>', 'Hoe maakte begeleider contact?', 'Voelde me gehoord'],
    ]);
  });

  it('leaves no participant name in any pseudonymised export', () => {
    const input = makeInput();
    const opts = { pseudonymise: true };
    // Sanity: the names are there without pseudonymisation, so the check below can fail.
    expect(toCsv(input, { pseudonymise: false })).toContain('Zoë van den Berg');
    expect(toCsv(input, { pseudonymise: false })).toContain('Jan knikt');

    expectNoNames(toCsv(input, opts), 'CSV');
    expectNoNames(toWebVtt(input, opts), 'WebVTT');
    expectNoNames(toChaptersVtt(input, opts), 'chapters');
    expectNoNames(toEaf(input, opts), 'EAF');
    const zip = unzipSync(toQdpx(input, opts));
    expectNoNames(Object.keys(zip).join('\n'), 'zip entry names');
    expectNoNames(strFromU8(zip['project.qde']!), 'QDE');
    expectNoNames(toWerkbladMarkdown({ ...input, werkblad }, { ...opts, includeClientFeedback: true }), 'werkblad');
  });

  it('handles names with regex characters and authors without a participant entry', () => {
    const input = makeInput();
    input.participants = [{ id: 'x', name: 'A.(B)* [c]', role: 'meekijker' }];
    input.observations = [obs({ start: 1, text: 'Zag A.(B)* [c] en AxBB c', authorId: 'y', authorName: 'Kees', role: 'meekijker' })];
    const out = pseudonymise(input);
    expect(out.observations[0]!.authorName).toBe('meekijker 2');
    expect(out.observations[0]!.text).toBe('Zag meekijker 1 en AxBB c');
  });
});

import { createRequire } from 'node:module';
import { parse as parseCsvIndependently } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../shared/reports/csv.ts';
import { toEaf } from '../../shared/reports/eaf.ts';
import { parseCsv, parseEaf, parseWebVtt } from '../../shared/reports/import.ts';
import { toWerkbladMarkdown } from '../../shared/reports/markdown.ts';
import { toWebVtt } from '../../shared/reports/webvtt.ts';
import type { ReportInput } from '../../shared/reports/types.ts';
import type { SpeakerTrack } from '../../shared/spreektijd/corrections.ts';
import { makeInput } from './reports-fixtures.ts';

const require = createRequire(import.meta.url);
const { WebVTTParser } = require('webvtt-parser') as {
  WebVTTParser: new (entities?: unknown) => { parse(text: string, kind: string): { cues: { id: string; startTime: number; endTime: number; text: string }[]; errors: unknown[] } };
};
const entities = require('webvtt-parser/html-entities.json') as unknown;

/** Eline (the klantmanager) talks first; the client, whom the host named "Jan de Vries", answers; one overlap. */
const TRACK: SpeakerTrack = {
  speakers: [
    { id: 's1', role: 'klantmanager', name: 'Eline Maréchal' },
    { id: 's2', role: 'client', name: 'Jan de Vries' },
  ],
  turns: [
    { id: 't1', speaker: 's1', start: 1, end: 31.5, overlap: false },
    { id: 't2', speaker: 's2', start: 32, end: 40, overlap: false },
    { id: 't3', speaker: 's1', start: 35, end: 35.6, overlap: true },
    { id: 't4', speaker: 's2', start: 43, end: 50, overlap: false },
  ],
};
const withTrack = (): ReportInput => ({ ...makeInput(), speakerTrack: TRACK });
const werkblad = { goal: '', watchWith: [], themes: [], aandachtspunten: [] };

describe('speaker turns in the exports', () => {
  it('CSV: a row per turn of kind spreekbeurt after the observations, read back by an independent parser', () => {
    const input = withTrack();
    const rows = parseCsvIndependently(toCsv(input, { pseudonymise: false }), { bom: true, columns: true }) as Record<string, string>[];
    const turns = rows.filter((r) => r.kind === 'spreekbeurt');
    expect(turns.map((r) => [r.start, r.end, r.author, r.role, r.text])).toEqual([
      ['1.000', '31.500', 'Eline Maréchal', 'Klantmanager', ''],
      ['32.000', '40.000', 'Jan de Vries', 'Cliënt', ''],
      ['35.000', '35.600', 'Eline Maréchal', 'Klantmanager', 'overlap'],
      ['43.000', '50.000', 'Jan de Vries', 'Cliënt', ''],
    ]);
    expect(rows.filter((r) => r.kind !== 'spreekbeurt')).toHaveLength(input.observations.length);
    // Importing the file back gives the observations, not the turns.
    const back = parseCsv(toCsv(input, { pseudonymise: false }));
    expect(back.items).toHaveLength(input.observations.length);
    expect(back.skipped).toEqual([]);
  });

  it('WebVTT: a cue per turn with the speaker as voice, valid for the W3C parser', () => {
    const vtt = toWebVtt(withTrack(), { pseudonymise: false });
    expect(vtt).toContain('<v Eline Maréchal>Eline Maréchal');
    const parsed = new WebVTTParser(entities).parse(vtt, 'subtitles');
    expect(parsed.errors).toEqual([]);
    const turns = parsed.cues.filter((c) => c.id.startsWith('spreekbeurt-'));
    expect(turns.map((c) => [c.startTime, c.endTime, c.text])).toEqual([
      [1, 31.5, '<v Eline Maréchal>Eline Maréchal'],
      [32, 40, '<v Jan de Vries>Jan de Vries'],
      [35, 35.6, '<v Eline Maréchal>Eline Maréchal'],
      [43, 50, '<v Jan de Vries>Jan de Vries'],
    ]);
    expect(parseWebVtt(vtt).items).toHaveLength(makeInput().observations.length);
  });

  it('ELAN: a tier per speaker of its own linguistic type, in one time order, skipped on import', () => {
    const eaf = toEaf(withTrack(), { pseudonymise: false });
    expect(XMLValidator.validate(eaf)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['TIER', 'ANNOTATION', 'TIME_SLOT', 'LINGUISTIC_TYPE'].includes(name) }).parse(eaf);
    const root = doc.ANNOTATION_DOCUMENT;
    const slots = new Map<string, number>(root.TIME_ORDER.TIME_SLOT.map((s: { TIME_SLOT_ID: string; TIME_VALUE: string }) => [s.TIME_SLOT_ID, Number(s.TIME_VALUE)]));
    const values = [...slots.values()];
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const tiers = root.TIER.filter((t: { LINGUISTIC_TYPE_REF: string }) => t.LINGUISTIC_TYPE_REF === 'kijkkamer-spreekbeurt');
    expect(tiers.map((t: { TIER_ID: string; PARTICIPANT: string }) => [t.TIER_ID, t.PARTICIPANT])).toEqual([
      ['Eline Maréchal – spreekbeurten', 'Eline Maréchal'],
      ['Jan de Vries – spreekbeurten', 'Jan de Vries'],
    ]);
    const spans = (tier: { ANNOTATION: { ALIGNABLE_ANNOTATION: { TIME_SLOT_REF1: string; TIME_SLOT_REF2: string; ANNOTATION_VALUE: string } }[] }) =>
      tier.ANNOTATION.map(({ ALIGNABLE_ANNOTATION: a }) => [slots.get(a.TIME_SLOT_REF1), slots.get(a.TIME_SLOT_REF2), a.ANNOTATION_VALUE]);
    expect(spans(tiers[0])).toEqual([
      [1000, 31500, 'Eline Maréchal'],
      [35000, 35600, 'Eline Maréchal (overlap)'],
    ]);
    expect(root.LINGUISTIC_TYPE.map((t: { LINGUISTIC_TYPE_ID: string }) => t.LINGUISTIC_TYPE_ID)).toContain('kijkkamer-spreekbeurt');
    expect(parseEaf(eaf).items).toHaveLength(makeInput().observations.length);
  });

  it('pseudonymised: roles instead of names, in the turns and inside every text', () => {
    const input = withTrack();
    input.observations[0]!.text = 'Jan de Vries zwijgt hier lang.';
    for (const text of [
      toCsv(input, { pseudonymise: true }),
      toWebVtt(input, { pseudonymise: true }),
      toEaf(input, { pseudonymise: true }),
      toWerkbladMarkdown({ ...input, werkblad }, { pseudonymise: true }),
    ]) {
      expect(text).not.toMatch(/Eline|Maréchal|Jan de Vries|Vries/);
      expect(text).toMatch(/Klantmanager/);
    }
    expect(toWebVtt(input, { pseudonymise: true })).toContain('<v Cliënt>Cliënt');
  });

  it('werkblad: the measured figures, with timecodes of the longest beurten', () => {
    const md = toWerkbladMarkdown({ ...withTrack(), werkblad }, { pseudonymise: false });
    expect(md).toContain('## Spreektijd (gemeten)');
    expect(md).toContain('| Eline Maréchal | 31 s | 67.5 % | 1 | 30.5 s |');
    expect(md).toContain('- `00:01.000–00:31.500` Eline Maréchal, 31 s');
    expect(md).toContain('- **Pauzes van 2 s of langer:** 1');
    expect(md).toContain('- `00:40.000–00:43.000` 3 s, doorbroken door Jan de Vries');
    expect(toWerkbladMarkdown({ ...makeInput(), werkblad }, { pseudonymise: false })).not.toContain('Spreektijd (gemeten)');
  });
});

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseWebVtt } from '../../shared/reports/import.ts';
import { MAX_IMPORT_ITEMS, ReportImportError } from '../../shared/reports/types.ts';
import { toChaptersVtt, toWebVtt } from '../../shared/reports/webvtt.ts';
import { byTime, inputFromImported, makeDrawnInput, makeInput, obs } from './reports-fixtures.ts';

// webvtt-parser (the W3C validator's parser) ships without types; describe what we use.
interface VttNode {
  type: 'text' | 'object' | 'timestamp';
  name?: string;
  value?: string;
  children?: VttNode[];
}
interface VttCue {
  id: string;
  startTime: number;
  endTime: number;
  text: string;
  tree: { children: VttNode[] };
}
interface VttTree {
  cues: VttCue[];
  errors: { message: string; line: number }[];
}
const require = createRequire(import.meta.url);
const { WebVTTParser } = require('webvtt-parser') as { WebVTTParser: new (entities?: unknown) => { parse(text: string, kind: string): VttTree } };
const entities = require('webvtt-parser/html-entities.json') as unknown;
const independentParse = (text: string, kind = 'subtitles'): VttTree => new WebVTTParser(entities).parse(text, kind);

const plain = (nodes: VttNode[]): string =>
  nodes.map((n) => (n.type === 'text' ? (n.value ?? '') : plain(n.children ?? []))).join('');
const voice = (cue: VttCue): string | null => cue.tree.children.find((n) => n.name === 'v')?.value ?? null;

describe('toWebVtt', () => {
  it('is valid WebVTT with one cue per observation, sorted by start', () => {
    const input = makeInput();
    const vtt = toWebVtt(input, { pseudonymise: false });
    const tree = independentParse(vtt);
    expect(tree.errors).toEqual([]);
    expect(tree.cues).toHaveLength(input.observations.length);
    const sorted = byTime(input.observations);
    expect(tree.cues.map((c) => c.id)).toEqual(sorted.map((o) => o.id));
    expect(tree.cues.map((c) => [c.startTime, c.endTime])).toEqual([
      [0.001, 0.002],
      [10, 12], // moment: 2 s
      [61.234, 75.5],
      [125.75, 127.75],
      [3725.5, 3727.001],
      [3729.5, 3730], // moment cut off at the media duration (3730 s)
    ]);
  });

  it('puts the author in a voice tag and escapes the text so it parses back unchanged', () => {
    const input = makeInput();
    const tree = independentParse(toWebVtt(input, { pseudonymise: false }));
    const sorted = byTime(input.observations);
    expect(tree.cues.map(voice)).toEqual(sorted.map((o) => o.authorName));
    // Blank lines would end a cue, so they are dropped; everything else is kept.
    const expected = sorted.map((o) =>
      o.text
        .replace(/\r\n?/g, '\n')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .join('\n'),
    );
    expect(tree.cues.map((c) => plain(c.tree.children))).toEqual(expected);
    expect(expected).toContain('Waarom vraagt Zoë niet door? Geïnteresseerd & <open>?');
    expect(expected).toContain('=SOM(A1) --> rare tekst, met «tekens» en ëïé');
  });

  it('ends the cue of an observation with a drawing in "[tekening: n vormen]", which the import drops again', () => {
    const input = makeDrawnInput();
    const vtt = toWebVtt(input, { pseudonymise: false });
    const tree = independentParse(vtt);
    expect(tree.errors).toEqual([]);
    const cueOf = (id: string) => plain(tree.cues.find((c) => c.id === id)!.tree.children);
    const [drawn, arrow] = [input.observations.find((o) => o.start === 61.234)!, input.observations.find((o) => o.start === 10)!];
    expect(cueOf(drawn.id)).toBe('Jan knikt, zegt "ja" en kijkt weg.\nDaarna: stilte; Anna wacht.\n[tekening: 3 vormen]');
    expect(cueOf(arrow.id)).toBe('Waarom vraagt Zoë niet door? Geïnteresseerd & <open>?\n[tekening: 1 vorm]');
    expect(tree.cues.filter((c) => c.text.includes('[tekening'))).toHaveLength(2);
    const back = parseWebVtt(vtt, { themes: input.themes });
    expect(back.items.map((i) => i.text)).toEqual(parseWebVtt(toWebVtt(makeInput(), { pseudonymise: false }), { themes: input.themes }).items.map((i) => i.text));
  });

  it('never has "-->" outside timing lines', () => {
    const input = makeInput();
    input.observations.push(obs({ start: 1, text: 'a --> b\n-->\n\n-->', authorName: 'x-->y', authorId: 'u9' }));
    input.observations[0]!.id = 'id --> with arrow';
    const vtt = toWebVtt(input, { pseudonymise: false });
    for (const line of vtt.split('\n')) {
      if (line.includes('-->')) expect(line).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/);
    }
    expect(independentParse(vtt).errors).toEqual([]);
  });

  it('uses role labels as voices when pseudonymised', () => {
    const tree = independentParse(toWebVtt(makeInput(), { pseudonymise: true }));
    expect(tree.cues.map(voice)).toEqual(['begeleider', 'coach 1', 'begeleider', 'collega', 'coach 2', 'klantmanager']);
  });

  it('writes fragments as a chapters track', () => {
    const vtt = toChaptersVtt(makeInput());
    const tree = independentParse(vtt, 'chapters');
    expect(tree.errors).toEqual([]);
    expect(tree.cues.map((c) => [c.startTime, c.endTime, plain(c.tree.children)])).toEqual([
      [60, 90, 'Begin <contact>'],
      [300, 360.5, 'Afsluiting met Jan'],
    ]);
    expect(independentParse(toChaptersVtt(makeInput(), { pseudonymise: true }), 'chapters').cues[1]!.text).toBe('Afsluiting met Noor');
  });
});

describe('parseWebVtt', () => {
  const themes = makeInput().themes;

  it('reads its own export back: times to the ms, kind, themes, moments, author', () => {
    const input = makeInput();
    const { items, skipped } = parseWebVtt(toWebVtt(input, { pseudonymise: false }), { themes });
    expect(skipped).toEqual([]);
    expect(items).toEqual(
      byTime(input.observations).map((o) => ({
        start: o.start,
        end: o.end,
        kind: o.kind,
        themes: o.themes,
        text: o.text.replace(/\r\n?/g, '\n').replace(/\n+/g, '\n'),
        authorName: o.authorName,
      })),
    );
  });

  it('import → export → import is stable', () => {
    const source = [
      'WEBVTT - van een ander programma',
      '',
      'STYLE',
      '::cue { color: yellow }',
      '',
      '00:01.5 --> 00:02.250 align:start',
      '<v.loud Zoë de Wit><i>Hallo</i> &amp; welkom &lt;3',
      '',
      'cue-2',
      '01:00:00.001 --> 01:00:05.999',
      'tweede <c.x>regel</c>',
      'derde&nbsp;regel',
      '',
    ].join('\n');
    const first = parseWebVtt(source);
    expect(first.skipped).toEqual([]);
    expect(first.items).toEqual([
      { start: 1.5, end: 2.25, kind: 'notitie', themes: [], text: 'Hallo & welkom <3', authorName: 'Zoë de Wit' },
      { start: 3600.001, end: 3605.999, kind: 'notitie', themes: [], text: 'tweede regel\nderde\u00a0regel', authorName: null },
    ]);
    const second = parseWebVtt(toWebVtt(inputFromImported(first.items), { pseudonymise: false }));
    expect(second.items).toEqual(first.items.map((i) => ({ ...i, authorName: i.authorName ?? 'Onbekend' })));
  });

  it('skips bad cues with a line number and reason, keeps the rest', () => {
    const text = [
      'WEBVTT', // 1
      '',
      'geen tijd hier', // 3
      'nog een regel',
      '',
      '00:00:05.000 --> 00:00:04.000', // 6
      'eind voor begin',
      '',
      '00:00:xx.000 --> 00:00:09.000', // 9
      'kapotte tijd',
      '',
      'id', // 12
      'nog iets', // 13
      '00:00:01.000 --> 00:00:02.000',
      'tekst voor de tijdregel',
      '',
      'NOTE kijkkamer {kapotte json', // 17
      '',
      '00:00:07.000 --> 00:00:08.000', // 19
      'goed',
    ].join('\r\n');
    const { items, skipped } = parseWebVtt(text);
    expect(items).toEqual([{ start: 7, end: 8, kind: 'notitie', themes: [], text: 'goed', authorName: null }]);
    expect(skipped).toEqual([
      { line: 3, reason: 'geen tijdregel gevonden / no timing line found' },
      { line: 6, reason: 'eindtijd ligt vóór begintijd / end time before start time' },
      { line: 9, reason: 'geen geldige tijd / no valid time' },
      { line: 12, reason: 'ongeldige cue: tekst vóór de tijdregel / invalid cue: text before the timing line' },
    ]);
  });

  it('ignores metadata with an unknown kind and metadata not directly before a cue', () => {
    const text = [
      'WEBVTT',
      '',
      'NOTE kijkkamer {"kind":"onzin","themes":["a",3]}',
      '',
      '00:00:01.000 --> 00:00:02.000',
      'een',
      '',
      'NOTE kijkkamer {"kind":"zie","themes":["b"],"moment":true}',
      '',
      'NOTE gewoon commentaar',
      '',
      '00:00:03.000 --> 00:00:04.000',
      'twee',
    ].join('\n');
    const { items } = parseWebVtt(text);
    expect(items.map((i) => [i.kind, i.themes, i.end])).toEqual([
      ['notitie', ['a'], 2],
      ['notitie', [], 4],
    ]);
  });

  it('throws a typed error only for files that are not WebVTT or too large', () => {
    expect(() => parseWebVtt('1\n00:00:01,000 --> 00:00:02,000\nSRT\n')).toThrow(ReportImportError);
    expect(() => parseWebVtt('')).toThrow(ReportImportError);
    const many = ['WEBVTT', ''];
    for (let i = 0; i <= MAX_IMPORT_ITEMS; i++) many.push('00:00:01.000 --> 00:00:02.000', 'x', '');
    expect(() => parseWebVtt(many.join('\n'))).toThrowError(/20000/);
    expect(parseWebVtt('\uFEFFWEBVTT\n').items).toEqual([]);
  });
});

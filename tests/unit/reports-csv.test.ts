import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, toCsv } from '../../shared/reports/csv.ts';
import { parseCsv } from '../../shared/reports/import.ts';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ITEMS, ReportImportError } from '../../shared/reports/types.ts';
import { byTime, inputFromImported, makeDrawnInput, makeInput } from './reports-fixtures.ts';

type Row = Record<(typeof CSV_COLUMNS)[number], string>;
const readBack = (csv: string): Row[] => parse(csv, { bom: true, columns: true, relax_column_count: false }) as Row[];

describe('toCsv', () => {
  it('writes UTF-8 BOM, the header and CRLF records', () => {
    const csv = toCsv(makeInput(), { pseudonymise: false });
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1).split('\r\n')[0]).toBe('start,end,timecode,kind,themes,author,role,text,tekening');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('parses back with csv-parse to exactly the observations, sorted by start', () => {
    const input = makeInput();
    const rows = readBack(toCsv(input, { pseudonymise: false }));
    expect(rows.map((r) => r.start)).toEqual(['0.001', '10.000', '61.234', '125.750', '3725.500', '3729.500']);
    expect(rows.map((r) => r.end)).toEqual(['0.002', '', '75.500', '', '3727.001', '']);
    expect(rows.map((r) => r.timecode)).toEqual(['00:00.001', '00:10.000', '01:01.234', '02:05.750', '1:02:05.500', '1:02:09.500']);
    expect(rows.map((r) => r.kind)).toEqual(['zie', 'vraag', 'zie', 'zie', 'anders', 'notitie']);
    expect(rows[2]!.themes).toBe('Contact maken; Actief luisteren');
    expect(rows[1]!.themes).toBe('Regie bij de cliënt');
    expect(rows[4]!.themes).toBe('t-onbekend'); // unknown ids stay visible
    expect(rows.map((r) => r.author)).toEqual(['Anna Bakker', 'Piet Jansen', 'Anna Bakker', 'Gijs Gastmans', 'Zoë van den Berg', 'Eline Maréchal']);
    expect(rows.map((r) => r.role)).toEqual(['begeleider', 'coach', 'begeleider', 'collega', 'coach', 'klantmanager']);

    // Quotes, commas, semicolons, newlines (LF and CRLF) and Dutch characters survive.
    expect(rows[2]!.text).toBe('Jan knikt, zegt "ja" en kijkt weg.\nDaarna: stilte; Anna wacht.');
    expect(rows[1]!.text).toBe('Waarom vraagt Zoë niet door? Geïnteresseerd & <open>?');
    // Formula guard: one apostrophe in front of =, +, -, @.
    expect(rows[4]!.text).toBe("'=SOM(A1) --> rare tekst, met «tekens» en ëïé");
    expect(rows[5]!.text).toBe('\'- Eline Maréchal en mevrouw de Vries: "geen" commentaar\r\n\r\nvolgende regel');
    expect(rows[0]!.text).toBe('Eerste seconde: begroeting door Anna');
  });

  it('pseudonymises authors and texts', () => {
    const rows = readBack(toCsv(makeInput(), { pseudonymise: true }));
    expect(rows.map((r) => r.author)).toEqual(['begeleider', 'coach 1', 'begeleider', 'collega', 'coach 2', 'klantmanager']);
    expect(rows[2]!.text).toBe('Noor knikt, zegt "ja" en kijkt weg.\nDaarna: stilte; begeleider wacht.');
  });

  it('gives the number of shapes of a drawing in the column "tekening", empty without one; the import ignores it', () => {
    const input = makeDrawnInput();
    const rows = readBack(toCsv(input, { pseudonymise: false }));
    expect(rows.map((r) => [r.start, r.tekening])).toEqual([
      ['0.001', ''],
      ['10.000', '1'],
      ['61.234', '3'],
      ['125.750', ''],
      ['3725.500', ''],
      ['3729.500', ''],
    ]);
    expect(parseCsv(toCsv(input, { pseudonymise: false })).items.map((i) => i.text)).toEqual(byTime(input.observations).map((o) => o.text));
  });

  it('writes only the header for an empty room', () => {
    const input = { ...makeInput(), observations: [] };
    expect(toCsv(input, { pseudonymise: false })).toBe('\uFEFFstart,end,timecode,kind,themes,author,role,text,tekening\r\n');
  });
});

describe('parseCsv', () => {
  const themes = makeInput().themes;

  it('reads its own export back exactly (themes mapped to ids)', () => {
    const input = makeInput();
    const { items, skipped } = parseCsv(toCsv(input, { pseudonymise: false }), { themes });
    expect(skipped).toEqual([]);
    const expected = byTime(input.observations).map((o) => ({
      start: o.start,
      end: o.end,
      kind: o.kind,
      themes: o.themes,
      text: o.text,
      authorName: o.authorName,
    }));
    expect(items).toEqual(expected);
  });

  it('keeps theme names without a theme list', () => {
    const { items } = parseCsv(toCsv(makeInput(), { pseudonymise: false }));
    expect(items[2]!.themes).toEqual(['Contact maken', 'Actief luisteren']);
  });

  it('import → export → import keeps times to the millisecond', () => {
    const source = [
      'start,end,timecode,kind,themes,author,role,text',
      '1.2345,2.0004,,zie,Contact maken,Anna,,eerste',
      '0.0005,,,vraag,,Bob,,tweede',
      '3599.9995,3600.0004,,anders,t-regie,Anna,,derde',
      ',,1:02:03.456,notitie,,,,"vierde, met ""komma"""',
    ].join('\n');
    const first = parseCsv(source, { themes });
    expect(first.skipped).toEqual([]);
    expect(first.items.map((i) => [i.start, i.end])).toEqual([
      [1.235, 2],
      [0.001, null],
      [3600, null], // both round to 3600.000: zero length is a moment
      [3723.456, null],
    ]);
    const second = parseCsv(toCsv(inputFromImported(first.items), { pseudonymise: false }), { themes });
    expect(second.skipped).toEqual([]);
    expect(second.items).toEqual(byTime(first.items).map((i) => ({ ...i, authorName: i.authorName ?? 'Onbekend' })));
  });

  it('accepts ";" separators, decimal commas, Dutch headers and no BOM', () => {
    const text =
      'Begin;Eind;Tijdcode;Soort;Thema\'s;Auteur;Rol;Tekst\r\n' +
      '12,5;13,250;;ZIE;"contact maken; Actief luisteren ;t-nieuw";Zoë;coach;"tekst; met puntkomma"\r\n';
    const { items, skipped } = parseCsv(text, { themes });
    expect(skipped).toEqual([]);
    expect(items).toEqual([
      {
        start: 12.5,
        end: 13.25,
        kind: 'zie',
        themes: ['t-contact', 't-luisteren', 't-nieuw'],
        text: 'tekst; met puntkomma',
        authorName: 'Zoë',
      },
    ]);
  });

  it('reports bad rows with line numbers and a Dutch + English reason, and keeps the good ones', () => {
    const text = [
      '\uFEFFstart,end,timecode,kind,themes,author,role,text',
      '1.000,,,zie,,A,,goed', // 2
      'abc,,,zie,,A,,geen tijd', // 3
      '5.000,4.000,,zie,,A,,eind voor begin', // 4
      '5.000,x,,zie,,A,,rare eindtijd', // 5
      '6.000,,,kijk,,A,,onbekende soort', // 6
      '', // 7: blank lines are ignored
      '7.000,,,,,,,"meerdere', // 8
      'regels"', // 9
      '8.000,,,zie,,A,,"nooit afgesloten', // 10
      '9.000,,,zie,,A,,verloren',
    ].join('\r\n');
    const { items, skipped } = parseCsv(text);
    expect(items.map((i) => i.text)).toEqual(['goed', 'meerdere\r\nregels']);
    expect(items[1]!.kind).toBe('notitie');
    expect(items[1]!.authorName).toBeNull();
    expect(skipped).toEqual([
      { line: 3, reason: 'geen geldige tijd / no valid time' },
      { line: 4, reason: 'eindtijd ligt vóór begintijd / end time before start time' },
      { line: 5, reason: 'ongeldige eindtijd / invalid end time' },
      { line: 6, reason: 'onbekende soort "kijk" / unknown kind "kijk"' },
      { line: 10, reason: 'aanhalingsteken niet afgesloten / unterminated quoted field' },
    ]);
  });

  it('throws a typed error only for unusable files', () => {
    expect(() => parseCsv('')).toThrow(ReportImportError);
    expect(() => parseCsv('naam,leeftijd\nx,3')).toThrowError(/no header row/);
    try {
      parseCsv('x'.repeat(MAX_IMPORT_BYTES + 1));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ReportImportError);
      expect((e as ReportImportError).code).toBe('too_large');
    }
    // Multi-byte characters count as UTF-8 bytes: 2 MB of "ë" is 4 MB, 3 MB is 6 MB.
    expect(() => parseCsv('start,text\n1,' + 'ë'.repeat(2 * 1024 * 1024))).not.toThrow();
    expect(() => parseCsv('start,text\n1,' + 'ë'.repeat(3 * 1024 * 1024))).toThrowError(/5 MB/);
    const many = ['start,text', ...Array.from({ length: MAX_IMPORT_ITEMS + 1 }, (_, i) => `${i},x`)].join('\n');
    expect(() => parseCsv(many)).toThrowError(/20000/);
    const enough = ['start,text', ...Array.from({ length: MAX_IMPORT_ITEMS }, (_, i) => `${i},x`)].join('\n');
    expect(parseCsv(enough).items).toHaveLength(MAX_IMPORT_ITEMS);
  });

  it('never throws on malformed rows', () => {
    const junk = ['start,text', '"', '""",', ',,,,,,,,,,,,', '\u0000\u0001', '1e9999,x', '"a"b"c,d', '\r\r\n\n'].join('\n');
    const result = parseCsv(junk);
    expect(result.items.length + result.skipped.length).toBeGreaterThan(0);
  });
});

/**
 * Importers for the interchange files Kijkkamer writes (and similar files from ELAN, subtitle tools
 * or spreadsheets). Pure and dependency-free: hand-written CSV, WebVTT and minimal XML readers.
 *
 * Contract: a bad row/cue/annotation is skipped and reported in `skipped` with a Dutch + English
 * reason; only a file that cannot be used at all throws `ReportImportError` (`too_large` over
 * MAX_IMPORT_BYTES / MAX_IMPORT_ITEMS, `unprocessable` when it is not that format).
 * Times are seconds rounded to whole milliseconds; a range of zero length is read as a moment (`end: null`).
 */
import type { ObservationKind } from '../notes/types.ts';
import { OBSERVATION_KINDS } from '../notes/types.ts';
import type { ImportOptions, ImportResult, ImportSkip, ImportedObservation } from './types.ts';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ITEMS, ReportImportError } from './types.ts';
import { parseTimeValue, roundMs, themeResolver, unique } from './format.ts';
import { unguardFormula } from './csv.ts';
import { DRAWING_NOTE_LINE } from '../drawing/shapes.ts';
import { EAF_MOMENTS_PROPERTY, EAF_THEMES_LINE, EAF_TIER_SEPARATOR } from './eaf.ts';
import { VTT_META_PREFIX } from './webvtt.ts';
import { EAF_TURN_TYPE, SPEAKER_TURN_KIND } from './speakers.ts';

// ---------------------------------------------------------------------------------------------
// Shared

/** The text without the "[tekening: 3 vormen]" line the exports add (a drawing cannot be imported). */
function withoutDrawingNote(text: string): string {
  const lastBreak = text.lastIndexOf('\n');
  return DRAWING_NOTE_LINE.test(text.slice(lastBreak + 1)) ? text.slice(0, Math.max(0, lastBreak)) : text;
}

export const REASONS = {
  noTime: 'geen geldige tijd / no valid time',
  badEnd: 'ongeldige eindtijd / invalid end time',
  endBeforeStart: 'eindtijd ligt vóór begintijd / end time before start time',
  unknownKind: (k: string) => `onbekende soort "${k}" / unknown kind "${k}"`,
  unterminated: 'aanhalingsteken niet afgesloten / unterminated quoted field',
  noTimingLine: 'geen tijdregel gevonden / no timing line found',
  badCue: 'ongeldige cue: tekst vóór de tijdregel / invalid cue: text before the timing line',
  missingSlot: (id: string) => `tijdslot "${id}" bestaat niet / time slot "${id}" does not exist`,
  unalignedSlot: 'tijdslot zonder tijdwaarde / time slot without a time value',
  refAnnotation: 'annotatie zonder eigen tijd (REF_ANNOTATION) / annotation without its own time (REF_ANNOTATION)',
  xmlError: (msg: string) => `XML-fout, rest van het bestand genegeerd (${msg}) / XML error, rest of the file ignored (${msg})`,
} as const;

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function checkSize(text: string): void {
  if (typeof text !== 'string') {
    throw new ReportImportError('unprocessable', 'geen tekstbestand / not a text file');
  }
  if (text.length > MAX_IMPORT_BYTES || (text.length * 3 > MAX_IMPORT_BYTES && utf8Length(text) > MAX_IMPORT_BYTES)) {
    throw new ReportImportError(
      'too_large',
      `bestand is groter dan ${MAX_IMPORT_BYTES / 1024 / 1024} MB / file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`,
    );
  }
}

function tooManyItems(): ReportImportError {
  return new ReportImportError(
    'too_large',
    `meer dan ${MAX_IMPORT_ITEMS} observaties / more than ${MAX_IMPORT_ITEMS} observations`,
  );
}

const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

const KIND_SET: ReadonlySet<string> = new Set(OBSERVATION_KINDS);
const isKind = (k: string): k is ObservationKind => KIND_SET.has(k);

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const VTT_ENTITIES: Readonly<Record<string, string>> = {
  ...XML_ENTITIES,
  nbsp: '\u00a0',
  lrm: '\u200e',
  rlm: '\u200f',
};

/** Decode named (from `table`) and numeric character references; unknown ones stay literal. */
export function decodeEntities(text: string, table: Readonly<Record<string, string>> = XML_ENTITIES): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{0,31});/g, (m, body: string) => {
    if (body.startsWith('#')) {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      const valid = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
      return valid ? String.fromCodePoint(cp) : m;
    }
    return Object.prototype.hasOwnProperty.call(table, body) ? table[body]! : m;
  });
}

// ---------------------------------------------------------------------------------------------
// CSV

interface CsvRecord {
  fields: string[];
  line: number;
  unterminated: boolean;
}

/** Pick the separator used in the first record: the most frequent of , ; tab outside quotes. */
export function detectCsvSeparator(text: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}

/** RFC 4180 records (CRLF, LF or CR line ends; lenient about stray quotes). */
export function readCsvRecords(text: string, separator: string, maxRecords = Infinity): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const record: CsvRecord = { fields: [], line, unterminated: false };
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          field += c;
          i++;
        }
        if (!closed) record.unterminated = true;
        // Lenient: anything between the closing quote and the separator is kept literally.
        while (i < n && text[i] !== separator && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      } else {
        const start = i;
        while (i < n && text[i] !== separator && text[i] !== '\n' && text[i] !== '\r') i++;
        field = text.slice(start, i);
      }
      record.fields.push(field);
      if (i < n && text[i] === separator) {
        i++;
        if (i >= n) {
          record.fields.push('');
          break;
        }
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    records.push(record);
    if (records.length > maxRecords) break;
  }
  return records;
}

const normaliseHeader = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z]/g, '');

const HEADER_ALIASES: Record<string, readonly string[]> = {
  start: ['start', 'begin', 'begintijd', 'starttijd', 'van'],
  end: ['end', 'eind', 'einde', 'eindtijd', 'stop', 'tot'],
  timecode: ['timecode', 'tijdcode', 'tijd', 'time'],
  kind: ['kind', 'soort', 'type', 'kolom'],
  themes: ['themes', 'themas', 'thema', 'theme'],
  author: ['author', 'auteur', 'naam', 'name', 'door'],
  role: ['role', 'rol'],
  text: ['text', 'tekst', 'observatie', 'observation', 'notitie', 'note', 'value', 'waarde'],
};

/**
 * Parse the CSV that `toCsv` writes: BOM optional, separator "," or ";" (also tab) detected from
 * the header row, columns found by header name (English or Dutch). `start` may be seconds
 * ("12.345"/"12,345") or a timecode; without a valid start the `timecode` column is used. An empty
 * `end` means a moment; an empty kind means 'notitie'. Themes are split on ";" and mapped to ids
 * via `opts.themes` (names or ids); the formula guard apostrophe written by `toCsv` is removed.
 */
export function parseCsv(text: string, opts: ImportOptions = {}): ImportResult {
  checkSize(text);
  const body = stripBom(text);
  const separator = detectCsvSeparator(body);
  const records = readCsvRecords(body, separator, MAX_IMPORT_ITEMS + 1);
  if (records.length > MAX_IMPORT_ITEMS + 1) throw tooManyItems();

  const headerIndex = records.findIndex((r) => r.fields.some((f) => f.trim() !== ''));
  const header = records[headerIndex];
  if (!header) throw new ReportImportError('unprocessable', 'leeg bestand / empty file');
  const columns: Partial<Record<keyof typeof HEADER_ALIASES, number>> = {};
  header.fields.forEach((name, index) => {
    const key = normaliseHeader(name);
    for (const [column, aliases] of Object.entries(HEADER_ALIASES)) {
      const col = column as keyof typeof HEADER_ALIASES;
      if (columns[col] === undefined && aliases.includes(key)) columns[col] = index;
    }
  });
  if ((columns.start === undefined && columns.timecode === undefined) || columns.text === undefined) {
    throw new ReportImportError(
      'unprocessable',
      'geen kopregel met de kolommen "start" en "text" / no header row with the columns "start" and "text"',
    );
  }

  const resolve = themeResolver(opts.themes);
  const items: ImportedObservation[] = [];
  const skipped: ImportSkip[] = [];
  const get = (r: CsvRecord, col: number | undefined): string => (col === undefined ? '' : (r.fields[col] ?? ''));

  for (const record of records.slice(headerIndex + 1)) {
    if (record.fields.every((f) => f.trim() === '')) continue;
    if (record.unterminated) {
      skipped.push({ line: record.line, reason: REASONS.unterminated });
      continue;
    }
    let start = parseTimeValue(get(record, columns.start));
    if (start === null) start = parseTimeValue(get(record, columns.timecode));
    if (start === null) {
      skipped.push({ line: record.line, reason: REASONS.noTime });
      continue;
    }
    const endRaw = get(record, columns.end).trim();
    let end: number | null = null;
    if (endRaw !== '') {
      end = parseTimeValue(endRaw);
      if (end === null) {
        skipped.push({ line: record.line, reason: REASONS.badEnd });
        continue;
      }
      if (end < start) {
        skipped.push({ line: record.line, reason: REASONS.endBeforeStart });
        continue;
      }
    }
    const kindRaw = get(record, columns.kind).trim().toLowerCase();
    const kind = kindRaw === '' ? 'notitie' : kindRaw;
    // Measured speaker turns travel in the same file but are not observations.
    if (kind === SPEAKER_TURN_KIND) continue;
    if (!isKind(kind)) {
      skipped.push({ line: record.line, reason: REASONS.unknownKind(kindRaw) });
      continue;
    }
    const themes = unique(
      unguardFormula(get(record, columns.themes))
        .split(';')
        .map((t) => t.trim())
        .filter((t) => t !== '')
        .map(resolve),
    );
    const author = unguardFormula(get(record, columns.author)).trim();
    if (end === start) end = null; // a zero-length range is a moment
    items.push({ start, end, kind, themes, text: unguardFormula(get(record, columns.text)), authorName: author || null });
  }
  return { items, skipped };
}

// ---------------------------------------------------------------------------------------------
// WebVTT

const VTT_TIMING =
  /^\s*((?:\d{1,4}:)?\d{1,2}:\d{1,2}[.,]\d{1,3})[ \t]+-->[ \t]+((?:\d{1,4}:)?\d{1,2}:\d{1,2}[.,]\d{1,3})(?:[ \t].*)?$/;

interface VttMeta {
  kind?: unknown;
  themes?: unknown;
  moment?: unknown;
}

/** Cue text → plain text and the first voice (`<v Name>`), tags removed, entities decoded. */
function cueText(raw: string): { text: string; voice: string | null } {
  const voiceMatch = /<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>/.exec(raw);
  const voice = voiceMatch?.[1] ? decodeEntities(voiceMatch[1], VTT_ENTITIES).trim() || null : null;
  const text = withoutDrawingNote(decodeEntities(raw.replace(/<[^>\n]*>/g, ''), VTT_ENTITIES));
  return { text, voice };
}

/**
 * Parse WebVTT: every cue becomes an observation (voice tag → author). Kind, themes and the
 * moment flag come from the `NOTE kijkkamer {…}` block `toWebVtt` writes right before a cue;
 * without it the kind is 'notitie' and there are no themes. Also accepts "," in timestamps.
 */
export function parseWebVtt(text: string, opts: ImportOptions = {}): ImportResult {
  checkSize(text);
  const lines = stripBom(text).replace(/\r\n?/g, '\n').split('\n');
  if (!/^WEBVTT(?:$|[ \t])/.test(lines[0] ?? '')) {
    throw new ReportImportError('unprocessable', 'geen WebVTT-bestand (eerste regel is niet "WEBVTT") / not a WebVTT file (first line is not "WEBVTT")');
  }
  const resolve = themeResolver(opts.themes);

  // Blocks separated by blank lines; the first block is the header.
  const blocks: { line: number; lines: string[] }[] = [];
  let current: { line: number; lines: string[] } | null = null;
  lines.forEach((l, index) => {
    if (l.trim() === '') {
      current = null;
      return;
    }
    if (!current) {
      current = { line: index + 1, lines: [] };
      blocks.push(current);
    }
    current.lines.push(l);
  });

  const items: ImportedObservation[] = [];
  const skipped: ImportSkip[] = [];
  let meta: VttMeta | null = null;
  let cues = 0;
  for (const block of blocks.slice(1)) {
    const first = block.lines[0]!;
    if (/^NOTE(?:$|[ \t])/.test(first) && !block.lines.some((l) => l.includes('-->'))) {
      meta = null;
      if (first.startsWith(VTT_META_PREFIX)) {
        try {
          const parsed: unknown = JSON.parse([first.slice(VTT_META_PREFIX.length), ...block.lines.slice(1)].join('\n'));
          if (parsed && typeof parsed === 'object') meta = parsed as VttMeta;
        } catch {
          meta = null;
        }
      }
      continue;
    }
    const blockMeta = meta;
    meta = null;
    if (blockMeta?.kind === SPEAKER_TURN_KIND) continue;
    if ((first === 'STYLE' || first === 'REGION') && !block.lines.some((l) => l.includes('-->'))) continue;
    if (++cues > MAX_IMPORT_ITEMS) throw tooManyItems();

    const timingIndex = block.lines.findIndex((l) => l.includes('-->'));
    if (timingIndex === -1) {
      skipped.push({ line: block.line, reason: REASONS.noTimingLine });
      continue;
    }
    if (timingIndex > 1) {
      skipped.push({ line: block.line, reason: REASONS.badCue });
      continue;
    }
    const timingLine = block.line + timingIndex;
    const m = VTT_TIMING.exec(block.lines[timingIndex]!);
    const start = m ? parseTimeValue(m[1]!) : null;
    const endValue = m ? parseTimeValue(m[2]!) : null;
    if (start === null || endValue === null) {
      skipped.push({ line: timingLine, reason: REASONS.noTime });
      continue;
    }
    if (endValue < start) {
      skipped.push({ line: timingLine, reason: REASONS.endBeforeStart });
      continue;
    }
    const { text: body, voice } = cueText(block.lines.slice(timingIndex + 1).join('\n'));
    const kind = typeof blockMeta?.kind === 'string' && isKind(blockMeta.kind) ? blockMeta.kind : 'notitie';
    const themes = Array.isArray(blockMeta?.themes)
      ? unique(blockMeta.themes.filter((t): t is string => typeof t === 'string' && t.trim() !== '').map(resolve))
      : [];
    items.push({
      start,
      end: blockMeta?.moment === true || endValue === start ? null : endValue,
      kind,
      themes,
      text: body,
      authorName: voice,
    });
  }
  return { items, skipped };
}

// ---------------------------------------------------------------------------------------------
// Minimal XML tokenizer (for the EAF subset)

export class XmlSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'XmlSyntaxError';
    this.line = line;
  }
}

export type XmlEvent =
  | { type: 'open'; name: string; attrs: Record<string, string>; selfClosing: boolean; line: number }
  | { type: 'close'; name: string; line: number }
  | { type: 'text'; value: string; line: number };

const NAME = /[A-Za-z_:][A-Za-z0-9_.:\u00B7\u00C0-\uFFFF-]*/y;
const SPACE = /[ \t\r\n]*/y;

/**
 * A small, non-validating XML tokenizer: elements, attributes, text, CDATA; comments, processing
 * instructions and DOCTYPE are skipped (no entity declarations are ever expanded). Checks that
 * tags nest correctly and throws `XmlSyntaxError` (with a line number) on malformed input.
 * Line ends are normalised as XML requires; character references are decoded.
 */
export function* xmlEvents(source: string): Generator<XmlEvent> {
  const text = source.replace(/\r\n?/g, '\n');
  const n = text.length;
  let linePos = 0;
  let lineNo = 1;
  const lineAt = (pos: number): number => {
    while (linePos < pos && linePos < n) {
      if (text.charCodeAt(linePos) === 10) lineNo++;
      linePos++;
    }
    return lineNo;
  };
  const stack: string[] = [];
  let i = 0;
  const skipTo = (needle: string, from: number, what: string): number => {
    const end = text.indexOf(needle, from);
    if (end === -1) throw new XmlSyntaxError(`${what} niet afgesloten / unterminated ${what}`, lineAt(from));
    return end + needle.length;
  };
  while (i < n) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) {
      const raw = text.slice(i, textEnd);
      if (stack.length === 0 && raw.trim() !== '') throw new XmlSyntaxError('tekst buiten het hoofdelement / text outside the root element', lineAt(i));
      yield { type: 'text', value: decodeEntities(raw), line: lineAt(i) };
    }
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      i = skipTo('-->', i + 4, 'comment');
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = skipTo(']]>', i + 9, 'CDATA');
      yield { type: 'text', value: text.slice(i + 9, end - 3), line: lineAt(i) };
      i = end;
    } else if (text.startsWith('<?', i)) {
      i = skipTo('?>', i + 2, 'processing instruction');
    } else if (text.startsWith('<!', i)) {
      // DOCTYPE, possibly with an internal subset in [...]; skipped, never expanded.
      const bracket = text.indexOf('[', i);
      const gt = text.indexOf('>', i);
      if (bracket !== -1 && gt !== -1 && bracket < gt) i = skipTo('>', skipTo(']', bracket, 'DOCTYPE'), 'DOCTYPE');
      else i = skipTo('>', i + 2, 'DOCTYPE');
    } else if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(text);
      if (!m) throw new XmlSyntaxError('ongeldige sluittag / invalid end tag', lineAt(i));
      SPACE.lastIndex = NAME.lastIndex;
      SPACE.exec(text);
      if (text[SPACE.lastIndex] !== '>') throw new XmlSyntaxError('ongeldige sluittag / invalid end tag', lineAt(i));
      const open = stack.pop();
      if (open !== m[0]) {
        throw new XmlSyntaxError(`</${m[0]}> past niet bij <${open ?? ''}> / </${m[0]}> does not match <${open ?? ''}>`, lineAt(i));
      }
      yield { type: 'close', name: m[0], line: lineAt(i) };
      i = SPACE.lastIndex + 1;
    } else {
      const line = lineAt(i);
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (!m) throw new XmlSyntaxError('ongeldige tag / invalid tag', line);
      let p = NAME.lastIndex;
      const attrs: Record<string, string> = {};
      let selfClosing = false;
      for (;;) {
        SPACE.lastIndex = p;
        SPACE.exec(text);
        const hadSpace = SPACE.lastIndex > p;
        p = SPACE.lastIndex;
        if (text.startsWith('/>', p)) {
          selfClosing = true;
          p += 2;
          break;
        }
        if (text[p] === '>') {
          p += 1;
          break;
        }
        if (p >= n) throw new XmlSyntaxError('tag niet afgesloten / unterminated tag', line);
        NAME.lastIndex = p;
        const an = hadSpace ? NAME.exec(text) : null;
        if (!an) throw new XmlSyntaxError('ongeldig attribuut / invalid attribute', lineAt(p));
        p = NAME.lastIndex;
        SPACE.lastIndex = p;
        SPACE.exec(text);
        p = SPACE.lastIndex;
        if (text[p] !== '=') throw new XmlSyntaxError('attribuut zonder waarde / attribute without value', lineAt(p));
        SPACE.lastIndex = p + 1;
        SPACE.exec(text);
        p = SPACE.lastIndex;
        const quote = text[p];
        if (quote !== '"' && quote !== "'") throw new XmlSyntaxError('attribuutwaarde zonder aanhalingstekens / unquoted attribute value', lineAt(p));
        const close = text.indexOf(quote, p + 1);
        if (close === -1) throw new XmlSyntaxError('attribuutwaarde niet afgesloten / unterminated attribute value', lineAt(p));
        const rawValue = text.slice(p + 1, close);
        if (rawValue.includes('<')) throw new XmlSyntaxError('"<" in attribuutwaarde / "<" in attribute value', lineAt(p));
        if (Object.prototype.hasOwnProperty.call(attrs, an[0])) {
          throw new XmlSyntaxError(`dubbel attribuut ${an[0]} / duplicate attribute ${an[0]}`, lineAt(p));
        }
        attrs[an[0]] = decodeEntities(rawValue.replace(/[\t\n]/g, ' '));
        p = close + 1;
      }
      if (!selfClosing) stack.push(m[0]);
      yield { type: 'open', name: m[0], attrs, selfClosing, line };
      if (selfClosing) yield { type: 'close', name: m[0], line };
      i = p;
    }
  }
  if (stack.length > 0) {
    throw new XmlSyntaxError(`<${stack[stack.length - 1]}> niet afgesloten / <${stack[stack.length - 1]}> not closed`, lineAt(n));
  }
}

// ---------------------------------------------------------------------------------------------
// EAF

interface RawAnnotation {
  id: string;
  ts1: string;
  ts2: string;
  cveRef: string | null;
  value: string;
  line: number;
  tierId: string;
  annotator: string | null;
}

/**
 * Parse an ELAN .eaf file (EAF 2.x/3.0, time units milliseconds). Every ALIGNABLE_ANNOTATION with
 * two time values becomes an observation; REF_ANNOTATIONs are reported as skipped. Kind comes
 * from a tier id "<name> – <kind>", otherwise 'notitie'; author from ANNOTATOR or that name.
 * Themes from a last value line "[thema's: …]" (names mapped via the file's vocabulary), else
 * from CVE_REF (the CVE_ID, or the theme whose name matches the entry's value with opts.themes).
 * Moments listed in the `kijkkamer-moments` header property get `end: null`. Sorted by start.
 * On broken XML the annotations read so far are kept and the error is reported in `skipped`.
 */
export function parseEaf(text: string, opts: ImportOptions = {}): ImportResult {
  checkSize(text);
  const slots = new Map<string, number | null>();
  const properties = new Map<string, string>();
  const cvValues = new Map<string, string>(); // CVE_ID → value
  const annotations: RawAnnotation[] = [];
  const skipped: ImportSkip[] = [];

  let rootSeen = false;
  let tier: { id: string; annotator: string | null; turns: boolean } | null = null;
  let annotation: RawAnnotation | null = null;
  let inValue = false;
  let property: { name: string; value: string } | null = null;
  let cvEntry: { id: string; value: string | null; nld: boolean; legacy: boolean } | null = null;
  let cveValue: { lang: string | null; text: string } | null = null;
  let count = 0;

  try {
    for (const ev of xmlEvents(stripBom(text))) {
      if (!rootSeen) {
        if (ev.type !== 'open') continue;
        if (ev.name !== 'ANNOTATION_DOCUMENT') {
          throw new ReportImportError('unprocessable', 'geen ELAN-bestand (.eaf) / not an ELAN (.eaf) file');
        }
        rootSeen = true;
        continue;
      }
      if (ev.type === 'open') {
        const a = ev.attrs;
        switch (ev.name) {
          case 'HEADER':
            if (a.TIME_UNITS && a.TIME_UNITS !== 'milliseconds') {
              throw new ReportImportError(
                'unprocessable',
                `tijdseenheid "${a.TIME_UNITS}" wordt niet ondersteund, alleen milliseconden / time units "${a.TIME_UNITS}" are not supported, only milliseconds`,
              );
            }
            break;
          case 'PROPERTY':
            property = { name: a.NAME ?? '', value: '' };
            break;
          case 'TIME_SLOT': {
            const v = a.TIME_VALUE;
            slots.set(a.TIME_SLOT_ID ?? '', v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : null);
            break;
          }
          case 'TIER':
            // Kijkkamer's measured speaker turns are not observations.
            tier = { id: a.TIER_ID ?? '', annotator: a.ANNOTATOR?.trim() || null, turns: a.LINGUISTIC_TYPE_REF === EAF_TURN_TYPE };
            break;
          case 'ALIGNABLE_ANNOTATION':
            if (tier?.turns) break;
            if (++count > MAX_IMPORT_ITEMS) throw tooManyItems();
            annotation = {
              id: a.ANNOTATION_ID ?? '',
              ts1: a.TIME_SLOT_REF1 ?? '',
              ts2: a.TIME_SLOT_REF2 ?? '',
              cveRef: a.CVE_REF ?? null,
              value: '',
              line: ev.line,
              tierId: tier?.id ?? '',
              annotator: tier?.annotator ?? null,
            };
            break;
          case 'REF_ANNOTATION':
            if (++count > MAX_IMPORT_ITEMS) throw tooManyItems();
            skipped.push({ line: ev.line, reason: REASONS.refAnnotation });
            break;
          case 'ANNOTATION_VALUE':
            inValue = annotation !== null;
            break;
          case 'CV_ENTRY_ML':
            cvEntry = { id: a.CVE_ID ?? '', value: null, nld: false, legacy: false };
            break;
          case 'CVE_VALUE':
            cveValue = { lang: a.LANG_REF ?? null, text: '' };
            break;
          case 'CV_ENTRY': // EAF 2.x: the value is the element text, the id an attribute
            cvEntry = { id: a.CVE_ID ?? '', value: '', nld: true, legacy: true };
            break;
        }
      } else if (ev.type === 'text') {
        if (inValue && annotation) annotation.value += ev.value;
        else if (cveValue) cveValue.text += ev.value;
        else if (cvEntry?.legacy) cvEntry.value += ev.value;
        else if (property) property.value += ev.value;
      } else {
        switch (ev.name) {
          case 'PROPERTY':
            if (property) properties.set(property.name, property.value);
            property = null;
            break;
          case 'TIER':
            tier = null;
            break;
          case 'ANNOTATION_VALUE':
            inValue = false;
            break;
          case 'ALIGNABLE_ANNOTATION':
            if (annotation) annotations.push(annotation);
            annotation = null;
            break;
          case 'CVE_VALUE':
            if (cvEntry && cveValue && (cvEntry.value === null || (!cvEntry.nld && cveValue.lang === 'nld'))) {
              cvEntry.value = cveValue.text.trim();
              cvEntry.nld = cveValue.lang === 'nld';
            }
            cveValue = null;
            break;
          case 'CV_ENTRY_ML':
          case 'CV_ENTRY':
            if (cvEntry && cvEntry.id) cvValues.set(cvEntry.id, (cvEntry.value ?? '').trim());
            cvEntry = null;
            break;
        }
      }
    }
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    if (!rootSeen) {
      throw new ReportImportError('unprocessable', `geen leesbaar ELAN-bestand / not a readable ELAN file (${error.message})`);
    }
    skipped.push({ line: error.line, reason: REASONS.xmlError(error.message) });
  }
  if (!rootSeen) throw new ReportImportError('unprocessable', 'geen ELAN-bestand (.eaf) / not an ELAN (.eaf) file');

  const known = new Set((opts.themes ?? []).map((t) => t.id));
  const resolve = themeResolver(opts.themes);
  const nameToCve = new Map<string, string>();
  for (const [id, value] of cvValues) if (value) nameToCve.set(value.toLocaleLowerCase('nl'), id);
  const resolveCve = (cveId: string): string => {
    if (known.size === 0 || known.has(cveId)) return cveId;
    const byName = resolve(cvValues.get(cveId) ?? '');
    return known.has(byName) ? byName : cveId;
  };
  const resolveName = (name: string): string => {
    const cveId = nameToCve.get(name.trim().toLocaleLowerCase('nl'));
    return cveId !== undefined ? resolveCve(cveId) : resolve(name);
  };
  const moments = new Set((properties.get(EAF_MOMENTS_PROPERTY) ?? '').split(/\s+/).filter(Boolean));

  const items: (ImportedObservation & { order: number })[] = [];
  for (const ann of annotations) {
    for (const ref of [ann.ts1, ann.ts2]) {
      if (!slots.has(ref)) {
        skipped.push({ line: ann.line, reason: REASONS.missingSlot(ref) });
        break;
      }
    }
    if (!slots.has(ann.ts1) || !slots.has(ann.ts2)) continue;
    const t1 = slots.get(ann.ts1);
    const t2 = slots.get(ann.ts2);
    if (t1 === null || t1 === undefined || t2 === null || t2 === undefined) {
      skipped.push({ line: ann.line, reason: REASONS.unalignedSlot });
      continue;
    }
    if (t2 < t1) {
      skipped.push({ line: ann.line, reason: REASONS.endBeforeStart });
      continue;
    }

    let value = ann.value;
    let themes: string[] = [];
    const lastBreak = value.lastIndexOf('\n');
    const lastLine = value.slice(lastBreak + 1);
    if (lastLine.startsWith(EAF_THEMES_LINE) && lastLine.endsWith(']')) {
      themes = lastLine
        .slice(EAF_THEMES_LINE.length, -1)
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(resolveName);
      value = lastBreak === -1 ? '' : value.slice(0, lastBreak);
    } else if (ann.cveRef) {
      themes = [resolveCve(ann.cveRef)];
    }
    value = withoutDrawingNote(value);

    let kind: ObservationKind = 'notitie';
    let tierName: string | null = null;
    for (const sep of [EAF_TIER_SEPARATOR, ' - ', ' — ']) {
      const at = ann.tierId.lastIndexOf(sep);
      if (at === -1) continue;
      const suffix = ann.tierId.slice(at + sep.length).trim().toLowerCase();
      if (isKind(suffix)) {
        kind = suffix;
        tierName = ann.tierId.slice(0, at).trim() || null;
        break;
      }
    }
    items.push({
      start: roundMs(t1 / 1000),
      end: moments.has(ann.id) || t2 === t1 ? null : roundMs(t2 / 1000),
      kind,
      themes: unique(themes),
      text: value,
      authorName: ann.annotator ?? tierName,
      order: items.length,
    });
  }
  items.sort((a, b) => a.start - b.start || a.order - b.order);
  return { items: items.map(({ order: _order, ...item }) => item), skipped };
}

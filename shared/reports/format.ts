/** Small shared helpers of the report builders: times, names, escaping, ordering. */
import type { Observation } from '../notes/types.ts';
import type { ReportInput, ReportTheme } from './types.ts';

/** A moment (observation without end) is shown as a range of this many seconds in range-only formats. */
export const MOMENT_SECONDS = 2;

/** Seconds → whole milliseconds (never negative; NaN/Infinity become 0). */
export function toMs(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.round(seconds * 1000);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Seconds with millisecond precision: "12.345". */
export function formatSeconds(seconds: number): string {
  const ms = toMs(seconds);
  return `${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)}`;
}

/** "mm:ss.fff" below one hour, "h:mm:ss.fff" from one hour. */
export function formatTimecode(seconds: number): string {
  const ms = toMs(seconds);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = `${pad(m, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
  return h > 0 ? `${h}:${rest}` : rest;
}

/** WebVTT timestamp, always with hours: "hh:mm:ss.fff". */
export function formatVttTimestamp(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
}

/**
 * Parse a time value: plain seconds ("12.345", "12,345") or a timecode ("mm:ss.fff", "h:mm:ss.fff",
 * also with "," as decimal mark). Returns seconds rounded to whole ms, or null when not a valid time.
 */
export function parseTimeValue(raw: string): number | null {
  const value = raw.trim();
  if (value === '') return null;
  const plain = /^(\d{1,9})(?:[.,](\d+))?$/.exec(value);
  if (plain) return roundMs(Number(`${plain[1]}.${plain[2] ?? '0'}`));
  const tc = /^(?:(\d{1,4}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,9}))?$/.exec(value);
  if (!tc) return null;
  const h = Number(tc[1] ?? '0');
  const m = Number(tc[2]);
  const s = Number(tc[3]);
  if (m >= 60 || s >= 60) return null;
  const fraction = Number(`0.${tc[4] ?? '0'}`);
  return roundMs(h * 3600 + m * 60 + s + fraction);
}

export const roundMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** Lower-case ASCII slug for file names: "Gesprek café Zoë!" → "gesprek-cafe-zoe". */
export function slugify(text: string, maxLength = 60): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug === '' ? 'kamer' : slug;
}

/** The calendar date (YYYY-MM-DD) of an instant in the Netherlands. */
export function dutchDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '0000-00-00';
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Amsterdam',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(date);
}

/**
 * `kijkkamer-<slug-of-room>-<YYYY-MM-DD>.<ext>`. A Date is taken as its calendar day in
 * Europe/Amsterdam; a string must start with YYYY-MM-DD.
 */
export function exportFileName(roomTitle: string, date: Date | string, ext: string): string {
  let day: string;
  if (typeof date === 'string') {
    const m = /^\d{4}-\d{2}-\d{2}/.exec(date.trim());
    day = m ? m[0] : '0000-00-00';
  } else {
    day = dutchDate(date);
  }
  const extension = ext.replace(/^\.+/, '').toLowerCase().replace(/[^a-z0-9.]+/g, '') || 'txt';
  return `kijkkamer-${slugify(roomTitle)}-${day}.${extension}`;
}

/** Characters XML 1.0 does not allow at all (C0 controls except tab/newline/CR, lone surrogates, FFFE/FFFF). */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const NEEDS_XML_WORK = /[^\t\n\r\u0020-\u0025\u0027-\u003B\u003D\u003F-\uD7FF\uE000-\uFFFD]/;

export const stripInvalidXml = (text: string): string => text.replace(INVALID_XML, '');

const XML_TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const XML_ATTR_ESCAPES: Record<string, string> = {
  ...XML_TEXT_ESCAPES,
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
};

/** Escape for XML character data (CR kept as a reference so parsers do not turn it into LF). */
export function xmlText(text: string): string {
  if (!NEEDS_XML_WORK.test(text) && !text.includes('\r')) return text;
  return stripInvalidXml(text).replace(/[&<>\r]/g, (c) => XML_TEXT_ESCAPES[c]!);
}

/** Escape for a double-quoted XML attribute value (whitespace kept via character references). */
export function xmlAttr(text: string): string {
  if (!NEEDS_XML_WORK.test(text) && !/[\t\n\r"]/.test(text)) return text;
  return stripInvalidXml(text).replace(/[&<>"\t\n\r]/g, (c) => XML_ATTR_ESCAPES[c]!);
}

/** Stable order: start, then end (moments first), then creation time, then id. */
export function sortObservations(observations: readonly Observation[]): Observation[] {
  return [...observations].sort(
    (a, b) =>
      toMs(a.start) - toMs(b.start) ||
      (a.end === null ? -1 : toMs(a.end)) - (b.end === null ? -1 : toMs(b.end)) ||
      a.createdAt - b.createdAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * Begin/end in whole ms for formats that need a range. A moment (no end, or an end not after the
 * start) lasts MOMENT_SECONDS, cut off at the media duration when known; every range lasts ≥ 1 ms.
 */
export function rangeMs(
  start: number,
  end: number | null,
  durationSeconds: number | null | undefined,
): { begin: number; end: number; moment: boolean } {
  const begin = toMs(start);
  const endMs = end === null ? null : toMs(end);
  if (endMs !== null && endMs > begin) return { begin, end: endMs, moment: false };
  let momentEnd = begin + MOMENT_SECONDS * 1000;
  if (durationSeconds !== null && durationSeconds !== undefined && Number.isFinite(durationSeconds)) {
    momentEnd = Math.min(momentEnd, toMs(durationSeconds));
  }
  return { begin, end: Math.max(momentEnd, begin + 1), moment: true };
}

/** Theme id → Dutch name (unknown ids map to themselves). */
export function themeNamer(themes: readonly ReportTheme[]): (id: string) => string {
  const names = new Map(themes.map((t) => [t.id, t.name]));
  return (id) => names.get(id) ?? id;
}

/** Resolve a theme label from a file (id or name, case-insensitive) to a theme id; unknown labels stay. */
export function themeResolver(themes: readonly ReportTheme[] | undefined): (label: string) => string {
  const byKey = new Map<string, string>();
  for (const t of themes ?? []) {
    byKey.set(t.name.trim().toLocaleLowerCase('nl'), t.id);
  }
  // Ids win over names when both match.
  for (const t of themes ?? []) byKey.set(t.id.trim().toLocaleLowerCase('nl'), t.id);
  return (label) => byKey.get(label.trim().toLocaleLowerCase('nl')) ?? label.trim();
}

/** The people of a report: the participants, plus any observation author missing from them. */
export function reportPeople(input: ReportInput): { id: string; name: string; role: Observation['role'] }[] {
  const people = input.participants.map((p) => ({ id: p.id, name: p.name, role: p.role }));
  const known = new Set(people.map((p) => p.id));
  for (const o of sortObservations(input.observations)) {
    if (known.has(o.authorId)) continue;
    known.add(o.authorId);
    people.push({ id: o.authorId, name: o.authorName, role: o.role });
  }
  return people;
}

export const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

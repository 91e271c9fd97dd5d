/**
 * CSV export: UTF-8 with BOM (so Excel shows Dutch characters), RFC 4180 quoting, CRLF records.
 * Columns: start, end, timecode, kind, themes, author, role, text, tekening (how many shapes the
 * observation's drawing has, empty without one; the last column, so older readers are undisturbed
 * and `parseCsv` ignores it). The measured speaker turns
 * follow the observations as rows of kind `spreekbeurt` (author = speaker, role = their role).
 */
import type { ExportOptions, ReportInput } from './types.ts';
import { ROLE_LABELS } from './types.ts';
import { formatSeconds, formatTimecode, sortObservations, themeNamer } from './format.ts';
import { prepareInput } from './pseudonymise.ts';
import { SPEAKER_TURN_KIND, speakerTurnRows } from './speakers.ts';

export const CSV_COLUMNS = ['start', 'end', 'timecode', 'kind', 'themes', 'author', 'role', 'text', 'tekening'] as const;
export const CSV_BOM = '\uFEFF';

/**
 * Spreadsheet formula injection guard: a text field starting with = + - @ tab or CR (possibly after
 * apostrophes) gets one extra leading apostrophe; `parseCsv` removes exactly that one again.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;
export const guardFormula = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);
export const unguardFormula = (value: string): string =>
  value.startsWith("'") && FORMULA_START.test(value) ? value.slice(1) : value;

/** RFC 4180: quote fields containing separator, quote, CR or LF; double the quotes. */
export function csvField(value: string, separator = ','): string {
  if (value.includes('"') || value.includes(separator) || value.includes('\n') || value.includes('\r')) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

/**
 * One row per observation, sorted by start. start/end are seconds with millisecond precision
 * ("12.345", end empty for a moment), timecode "mm:ss.fff" or "h:mm:ss.fff", themes are the
 * Dutch theme names joined with "; ", role is the Dutch role label.
 */
export function toCsv(input: ReportInput, opts: ExportOptions): string {
  const data = prepareInput(input, opts);
  const themeName = themeNamer(data.themes);
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const o of sortObservations(data.observations)) {
    rows.push([
      formatSeconds(o.start),
      o.end === null ? '' : formatSeconds(o.end),
      formatTimecode(o.start),
      o.kind,
      guardFormula(o.themes.map(themeName).join('; ')),
      guardFormula(o.authorName),
      ROLE_LABELS[o.role] ?? o.role,
      guardFormula(o.text),
      o.drawing && o.drawing.length > 0 ? String(o.drawing.length) : '',
    ]);
  }
  for (const t of speakerTurnRows(data.speakerTrack, opts.pseudonymise)) {
    rows.push([formatSeconds(t.start), formatSeconds(t.end), formatTimecode(t.start), SPEAKER_TURN_KIND, '', guardFormula(t.label), guardFormula(t.role), t.overlap ? 'overlap' : '', '']);
  }
  return CSV_BOM + rows.map((r) => r.map((f) => csvField(f)).join(',')).join('\r\n') + '\r\n';
}

/**
 * The "Van kijken naar zien" werkblad as Markdown: title, dates, participants by role, goal, per
 * Kijkwijzer theme the three columns (vraag / zie / anders: "zie" lists the room's observations of
 * kind 'zie' with that theme, with timecodes), fragments with reflectievragen (and client feedback
 * only with `includeClientFeedback`), the measured spreektijd figures (when the recording was
 * analysed), aandachtspunten and SLIM. User text is Markdown-escaped.
 */
import { describeDrawingNl } from '../drawing/shapes.ts';
import { ROLES } from '../access/roles.ts';
import type { ExportOptions, ReportInput } from './types.ts';
import { ROLE_LABELS } from './types.ts';
import { dutchDate, formatTimecode, sortObservations, themeNamer } from './format.ts';
import { createPseudonymiser } from './pseudonymise.ts';
import { spreektijdMarkdown } from './speakers.ts';

export interface WerkbladTheme {
  id: string;
  name: string;
  /** The Kijkwijzer questions of this theme. */
  questions: string[];
  /** Column 1: what do I want to see / my question. */
  vraag: string;
  /** Column 3: what could be done differently. */
  anders: string;
}

export interface WerkbladSlim {
  selfImage: string;
  role: string;
  /** Do self-image and role match? null = not decided. */
  matches: boolean | null;
}

export interface WerkbladInput {
  goal: string;
  watchWith: string[];
  themes: WerkbladTheme[];
  aandachtspunten: { text: string }[];
  slim?: WerkbladSlim | null;
}

export interface WerkbladOptions extends ExportOptions {
  /** Include what the client said about each fragment (default false). */
  includeClientFeedback?: boolean;
}

const MONTHS = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];

/** "2024-03-12" → "12 maart 2024"; anything else is returned as given. */
export function dutchLongDate(isoDay: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDay);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  return m && month ? `${Number(m[3])} ${month} ${m[1]}` : isoDay;
}

/** Escape Markdown/HTML-significant characters in one line of user text. */
function escapeLine(line: string): string {
  return line
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)(#{1,6}|[+-])(?=\s|$)/, '$1\\$2')
    .replace(/^(\s*)([=-]{2,}\s*)$/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** Escaped user text; line breaks become hard breaks, continued with `indent`. */
export function mdText(text: string, indent = ''): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(escapeLine)
    .join(`  \n${indent}`)
    .trim();
}

const orEmpty = (s: string): string => (s.trim() === '' ? '_(niet ingevuld)_' : s);

export function toWerkbladMarkdown(input: ReportInput & { werkblad: WerkbladInput }, opts: WerkbladOptions): string {
  const pseudo = opts.pseudonymise ? createPseudonymiser(input) : null;
  const data = pseudo ? pseudo.input : input;
  const t = (s: string): string => (pseudo ? pseudo.text(s) : s);
  const wb = input.werkblad;
  const themeName = themeNamer(data.themes);
  const out: string[] = [];

  out.push(`# Werkblad Van kijken naar zien: ${mdText(data.room.title)}`, '');
  out.push(`- **Opname:** ${data.room.recordedOn ? dutchLongDate(data.room.recordedOn) : 'datum onbekend'}`);
  out.push(`- **Geëxporteerd:** ${dutchLongDate(dutchDate(data.exportedAt))}`);
  if (data.clientPseudonym) out.push(`- **Cliënt (pseudoniem):** ${mdText(data.clientPseudonym)}`);
  out.push('');

  out.push('## Deelnemers', '');
  const byRole = ROLES.map((role) => ({ role, names: data.participants.filter((p) => p.role === role).map((p) => p.name) }));
  const present = byRole.filter((r) => r.names.length > 0);
  if (present.length === 0) out.push('_(geen deelnemers)_');
  for (const r of present) out.push(`- **${ROLE_LABELS[r.role]}:** ${r.names.map((n) => mdText(n)).join(', ')}`);
  out.push('');

  out.push('## Doel', '', orEmpty(mdText(t(wb.goal))), '');
  const watchWith = wb.watchWith.map((w) => mdText(t(w))).filter((w) => w !== '');
  out.push(`**Kijken met:** ${watchWith.length > 0 ? watchWith.join(', ') : '_(niet ingevuld)_'}`, '');

  out.push('## Kijkwijzer', '');
  const zie = sortObservations(data.observations).filter((o) => o.kind === 'zie');
  if (wb.themes.length === 0) out.push('_(geen thema’s gekozen)_', '');
  for (const theme of wb.themes) {
    out.push(`### ${mdText(theme.name)}`, '');
    if (theme.questions.length > 0) {
      out.push('Vragen:', '');
      for (const q of theme.questions) out.push(`- ${mdText(t(q), '  ')}`);
      out.push('');
    }
    out.push('**Vraag**', '', orEmpty(mdText(t(theme.vraag))), '');
    out.push('**Zie**', '');
    const seen = zie.filter((o) => o.themes.includes(theme.id));
    if (seen.length === 0) out.push('_(nog geen observaties)_');
    for (const o of seen) {
      const time = o.end === null ? formatTimecode(o.start) : `${formatTimecode(o.start)}–${formatTimecode(o.end)}`;
      const drawn = o.drawing && o.drawing.length > 0 ? ` — _${mdText(describeDrawingNl(o.drawing))}_` : '';
      out.push(`- \`${time}\` ${mdText(o.text, '  ')} (${mdText(o.authorName)})${drawn}`);
    }
    out.push('');
    out.push('**Anders**', '', orEmpty(mdText(t(theme.anders))), '');
  }

  // The measured speaking time, when the room's recording was analysed.
  if (data.speakerTrack) out.push(...spreektijdMarkdown(data.speakerTrack, opts.pseudonymise, (text) => mdText(text)));

  out.push('## Fragmenten', '');
  const fragments = [...data.fragments].sort((a, b) => a.order - b.order || a.start - b.start);
  if (fragments.length === 0) out.push('_(geen fragmenten)_', '');
  fragments.forEach((f, i) => {
    out.push(`### ${i + 1}. ${mdText(f.title) || 'Fragment'} (\`${formatTimecode(f.start)}–${formatTimecode(f.end)}\`)`, '');
    if (f.themes.length > 0) out.push(`- **Thema’s:** ${f.themes.map((id) => mdText(themeName(id))).join(', ')}`);
    out.push(`- **Reflectievraag:** ${orEmpty(mdText(f.question, '  '))}`);
    if (opts.includeClientFeedback && f.clientFeedback.trim() !== '') {
      out.push(`- **Feedback cliënt:** ${mdText(f.clientFeedback, '  ')}`);
    }
    out.push('');
  });

  out.push('## Aandachtspunten', '');
  if (wb.aandachtspunten.length === 0) out.push('_(geen aandachtspunten)_');
  for (const a of wb.aandachtspunten) out.push(`- ${mdText(t(a.text), '  ')}`);
  out.push('');

  if (wb.slim) {
    const matches = wb.slim.matches === null ? 'nog niet bepaald' : wb.slim.matches ? 'ja' : 'nee';
    out.push('## SLIM', '');
    out.push(`- **Zelfbeeld:** ${orEmpty(mdText(t(wb.slim.selfImage), '  '))}`);
    out.push(`- **Rol:** ${orEmpty(mdText(t(wb.slim.role), '  '))}`);
    out.push(`- **Zelfbeeld en rol komen overeen:** ${matches}`, '');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

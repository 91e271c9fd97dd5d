/**
 * WebVTT export: observations as subtitle cues with `<v Author>` voice tags, then the measured
 * speaker turns as cues `<v Klantmanager>Klantmanager` (NOTE kind `spreekbeurt`), fragments as a
 * chapters track. Kind, themes and "this was a moment" travel in a `NOTE kijkkamer {json}` block
 * right before each cue (players ignore NOTE blocks; `parseWebVtt` reads them back). A cue of an
 * observation with a drawing ends in a line "[tekening: 3 vormen]", which `parseWebVtt` drops.
 */
import { drawingNoteNl } from '../drawing/shapes.ts';
import type { ExportOptions, ReportInput } from './types.ts';
import { formatVttTimestamp, rangeMs, sortObservations } from './format.ts';
import { prepareInput } from './pseudonymise.ts';
import { SPEAKER_TURN_KIND, speakerTurnRows } from './speakers.ts';

export const VTT_META_PREFIX = 'NOTE kijkkamer ';

/** Cue text: escape & < > (so "-->" can never appear) and drop blank lines (they would end the cue). */
export function escapeVttText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .join('\n');
}

/** One-line text for voice annotations, cue ids and NOTE blocks. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** JSON for a NOTE block: one line, and "-->" impossible because ">" is escaped. */
const noteJson = (value: unknown): string =>
  JSON.stringify(value).replace(/>/g, '\\u003e').replace(/</g, '\\u003c').replace(/&/g, '\\u0026');

const cueId = (id: string): string => oneLine(id).replace(/-->/g, '->') || 'cue';

export interface VttCueMeta {
  kind: string;
  themes: string[];
  moment?: true;
}

/**
 * Subtitle track, one cue per observation sorted by start. Moments get a cue of MOMENT_SECONDS,
 * cut off at the media duration; every cue lasts at least 1 ms.
 */
export function toWebVtt(input: ReportInput, opts: ExportOptions): string {
  const data = prepareInput(input, opts);
  const duration = data.media?.durationSeconds ?? null;
  const out: string[] = ['WEBVTT', ''];
  out.push(`NOTE ${escapeVttText(oneLine(`Kijkkamer: ${data.room.title}`))}`, '');
  // Observations and speaker turns interleaved: WebVTT wants cues in order of their start.
  const cues: { begin: number; lines: string[] }[] = [];
  for (const o of sortObservations(data.observations)) {
    const r = rangeMs(o.start, o.end, duration);
    const meta: VttCueMeta = { kind: o.kind, themes: o.themes };
    if (o.end === null) meta.moment = true;
    const voice = escapeVttText(oneLine(o.authorName));
    // A picture cannot go into a cue: a last line says the observation has a drawing.
    const text = [escapeVttText(o.text), o.drawing && o.drawing.length > 0 ? drawingNoteNl(o.drawing.length) : ''].filter((l) => l !== '').join('\n');
    cues.push({
      begin: r.begin,
      lines: [`${VTT_META_PREFIX}${noteJson(meta)}`, '', cueId(o.id), `${formatVttTimestamp(r.begin)} --> ${formatVttTimestamp(r.end)}`, voice ? `<v ${voice}>${text}` : text, ''],
    });
  }
  speakerTurnRows(data.speakerTrack, opts.pseudonymise).forEach((t, i) => {
    const r = rangeMs(t.start, t.end, duration);
    const voice = escapeVttText(oneLine(t.label));
    const meta = { kind: SPEAKER_TURN_KIND, themes: [], ...(t.overlap ? { overlap: true } : {}) };
    cues.push({
      begin: r.begin,
      lines: [`${VTT_META_PREFIX}${noteJson(meta)}`, '', `spreekbeurt-${i + 1}`, `${formatVttTimestamp(r.begin)} --> ${formatVttTimestamp(r.end)}`, `<v ${voice}>${voice}`, ''],
    });
  });
  // Stable: at the same start an observation comes before a turn, as before.
  for (const cue of cues.sort((x, y) => x.begin - y.begin)) out.push(...cue.lines);
  return out.join('\n');
}

/** Chapters track (`<track kind="chapters">`): one cue per fragment, sorted by start, title as text. */
export function toChaptersVtt(input: ReportInput, opts: ExportOptions = { pseudonymise: false }): string {
  const data = prepareInput(input, opts);
  const out: string[] = ['WEBVTT', ''];
  const fragments = [...data.fragments].sort((a, b) => a.start - b.start || a.order - b.order);
  fragments.forEach((f, i) => {
    const r = rangeMs(f.start, f.end, null);
    const title = escapeVttText(oneLine(f.title)) || `Fragment ${i + 1}`;
    out.push(`hoofdstuk-${i + 1}`, `${formatVttTimestamp(r.begin)} --> ${formatVttTimestamp(r.end)}`, title, '');
  });
  return out.join('\n');
}

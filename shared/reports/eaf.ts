/**
 * ELAN export (EAF 3.0). One tier per person × observation kind ("coach – zie"), one alignable
 * annotation per observation, the Kijkwijzer themes as a controlled vocabulary.
 *
 * Decisions:
 * - ANNOTATION_VALUE is the observation text. CVE_REF points to the FIRST theme (every theme id
 *   used is in the vocabulary, unknown ids with the id as value). When an observation has more
 *   than one theme, a last line "[thema's: Naam A; Naam B]" lists all of them so nothing is lost;
 *   `parseEaf` reads that line back (and strips it). An observation with a drawing gets a line
 *   "[tekening: 3 vormen]" before it (a picture cannot go into ELAN); `parseEaf` strips that too.
 * - Moments (no end) become MOMENT_SECONDS-long annotations (cut off at the media duration). Their
 *   annotation ids are listed in HEADER `PROPERTY NAME="kijkkamer-moments"` so `parseEaf` restores
 *   them as moments; ELAN keeps header properties but ignores them.
 * - Time slots are ordered by time and named ts1…tsN; each annotation has its own two slots.
 */
import { drawingNoteNl } from '../drawing/shapes.ts';
import type { Observation } from '../notes/types.ts';
import { OBSERVATION_KINDS } from '../notes/types.ts';
import type { ExportOptions, ReportInput } from './types.ts';
import { rangeMs, reportPeople, sortObservations, themeNamer, unique, xmlAttr, xmlText } from './format.ts';
import { prepareInput } from './pseudonymise.ts';
import { EAF_TURN_TYPE, speakerTurnRows, type SpeakerTurnRow } from './speakers.ts';

export const EAF_CV_ID = 'kijkwijzer';
export const EAF_LINGUISTIC_TYPE = 'kijkwijzer-observatie';
export const EAF_MOMENTS_PROPERTY = 'kijkkamer-moments';
export const EAF_THEMES_LINE = "[thema's: ";
/** Separator between person and kind in a TIER_ID (an en dash with spaces). */
export const EAF_TIER_SEPARATOR = ' – ';

function attrs(pairs: [string, string | null | undefined][]): string {
  let out = '';
  for (const [k, v] of pairs) {
    if (v !== null && v !== undefined) out += ` ${k}="${xmlAttr(String(v))}"`;
  }
  return out;
}

/**
 * The annotation value: the text, a line "[tekening: 3 vormen]" when the observation has a drawing,
 * and last the full theme list when there is more than one theme.
 */
export function eafAnnotationValue(text: string, themeNames: string[], shapeCount = 0): string {
  const drawn = shapeCount > 0 ? `${text}\n${drawingNoteNl(shapeCount)}` : text;
  return themeNames.length > 1 ? `${drawn}\n${EAF_THEMES_LINE}${themeNames.join('; ')}]` : drawn;
}

export function toEaf(input: ReportInput, opts: ExportOptions): string {
  const data = prepareInput(input, opts);
  const themeName = themeNamer(data.themes);
  const duration = data.media?.durationSeconds ?? null;

  // Vocabulary: the caller's themes, then any other theme id in use.
  const cv = data.themes.map((t) => ({ id: t.id, name: t.name }));
  const known = new Set(cv.map((t) => t.id));
  for (const o of sortObservations(data.observations)) {
    for (const id of o.themes) {
      if (!known.has(id)) {
        known.add(id);
        cv.push({ id, name: id });
      }
    }
  }
  const hasCv = cv.length > 0;

  // Tiers: person × kind, only when used; people in participant order.
  const people = reportPeople(data);
  const tierIds = new Set<string>();
  interface Tier {
    id: string;
    name: string;
    items: Observation[];
  }
  const tiers: Tier[] = [];
  const sorted = sortObservations(data.observations);
  for (const person of people) {
    for (const kind of OBSERVATION_KINDS) {
      const items = sorted.filter((o) => o.authorId === person.id && o.kind === kind);
      if (items.length === 0) continue;
      const name = person.name.replace(/\s+/g, ' ').trim() || 'onbekend';
      let id = `${name}${EAF_TIER_SEPARATOR}${kind}`;
      for (let n = 2; tierIds.has(id); n++) id = `${name} (${n})${EAF_TIER_SEPARATOR}${kind}`;
      tierIds.add(id);
      tiers.push({ id, name, items });
    }
  }

  // Annotations and their time slots.
  interface Ann {
    id: string;
    begin: number;
    end: number;
    ts1: string;
    ts2: string;
    value: string;
    cveRef: string | null;
  }
  const slots: { key: number; value: number; id: string }[] = [];
  const moments: string[] = [];
  const annsByTier = new Map<Tier, Ann[]>();
  let annCount = 0;
  for (const tier of tiers) {
    const anns: Ann[] = [];
    for (const o of tier.items) {
      const r = rangeMs(o.start, o.end, duration);
      const id = `a${++annCount}`;
      if (o.end === null) moments.push(id);
      const themes = unique(o.themes);
      const ann: Ann = {
        id,
        begin: r.begin,
        end: r.end,
        ts1: '',
        ts2: '',
        value: eafAnnotationValue(o.text, themes.map(themeName), o.drawing?.length ?? 0),
        cveRef: themes[0] ?? null,
      };
      slots.push({ key: slots.length, value: r.begin, id: '' }, { key: slots.length + 1, value: r.end, id: '' });
      anns.push(ann);
    }
    annsByTier.set(tier, anns);
  }
  // The measured speaker turns: one tier per speaker, each turn an annotation named by the speaker.
  const turnTiers: { id: string; label: string; anns: Ann[] }[] = [];
  const turnRows = speakerTurnRows(data.speakerTrack, opts.pseudonymise);
  for (const label of [...new Set(turnRows.map((t) => t.label))]) {
    let id = `${label}${EAF_TIER_SEPARATOR}spreekbeurten`;
    for (let n = 2; tierIds.has(id); n++) id = `${label} (${n})${EAF_TIER_SEPARATOR}spreekbeurten`;
    tierIds.add(id);
    const anns = turnRows
      .filter((t) => t.label === label)
      .map((t: SpeakerTurnRow): Ann => {
        const r = rangeMs(t.start, t.end, duration);
        slots.push({ key: slots.length, value: r.begin, id: '' }, { key: slots.length + 1, value: r.end, id: '' });
        return { id: `a${++annCount}`, begin: r.begin, end: r.end, ts1: '', ts2: '', value: t.overlap ? `${label} (overlap)` : label, cveRef: null };
      });
    turnTiers.push({ id, label, anns });
  }
  const ordered = [...slots].sort((a, b) => a.value - b.value || a.key - b.key);
  ordered.forEach((s, i) => (s.id = `ts${i + 1}`));
  let slotIndex = 0;
  for (const tier of tiers) {
    for (const ann of annsByTier.get(tier) ?? []) {
      ann.ts1 = slots[slotIndex++]!.id;
      ann.ts2 = slots[slotIndex++]!.id;
    }
  }
  for (const tier of turnTiers) {
    for (const ann of tier.anns) {
      ann.ts1 = slots[slotIndex++]!.id;
      ann.ts2 = slots[slotIndex++]!.id;
    }
  }

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<ANNOTATION_DOCUMENT${attrs([
      ['AUTHOR', 'Kijkkamer'],
      ['DATE', data.exportedAt.toISOString()],
      ['FORMAT', '3.0'],
      ['VERSION', '3.0'],
      ['xmlns:xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
      ['xsi:noNamespaceSchemaLocation', 'http://www.mpi.nl/tools/elan/EAFv3.0.xsd'],
    ])}>`,
  );
  out.push(`    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">`);
  if (data.media) {
    const file = encodeURIComponent(data.media.fileName);
    out.push(
      `        <MEDIA_DESCRIPTOR${attrs([
        ['MEDIA_URL', `file:///${file}`],
        ['MIME_TYPE', data.media.mimeType || 'video/*'],
        ['RELATIVE_MEDIA_URL', `./${file}`],
      ])}/>`,
    );
  }
  out.push(`        <PROPERTY NAME="lastUsedAnnotationId">${annCount}</PROPERTY>`);
  if (moments.length > 0) {
    out.push(`        <PROPERTY${attrs([['NAME', EAF_MOMENTS_PROPERTY]])}>${moments.join(' ')}</PROPERTY>`);
  }
  out.push('    </HEADER>');

  if (ordered.length === 0) {
    out.push('    <TIME_ORDER/>');
  } else {
    out.push('    <TIME_ORDER>');
    for (const s of ordered) out.push(`        <TIME_SLOT TIME_SLOT_ID="${s.id}" TIME_VALUE="${s.value}"/>`);
    out.push('    </TIME_ORDER>');
  }

  for (const tier of tiers) {
    out.push(
      `    <TIER${attrs([
        ['TIER_ID', tier.id],
        ['LINGUISTIC_TYPE_REF', EAF_LINGUISTIC_TYPE],
        ['PARTICIPANT', tier.name],
        ['ANNOTATOR', tier.name],
        ['LANG_REF', 'nld'],
      ])}>`,
    );
    for (const ann of annsByTier.get(tier) ?? []) {
      out.push('        <ANNOTATION>');
      out.push(
        `            <ALIGNABLE_ANNOTATION${attrs([
          ['ANNOTATION_ID', ann.id],
          ['TIME_SLOT_REF1', ann.ts1],
          ['TIME_SLOT_REF2', ann.ts2],
          ['CVE_REF', ann.cveRef],
        ])}>`,
      );
      out.push(`                <ANNOTATION_VALUE>${xmlText(ann.value)}</ANNOTATION_VALUE>`);
      out.push('            </ALIGNABLE_ANNOTATION>');
      out.push('        </ANNOTATION>');
    }
    out.push('    </TIER>');
  }

  for (const tier of turnTiers) {
    out.push(`    <TIER${attrs([['TIER_ID', tier.id], ['LINGUISTIC_TYPE_REF', EAF_TURN_TYPE], ['PARTICIPANT', tier.label], ['LANG_REF', 'nld']])}>`);
    for (const ann of tier.anns) {
      out.push('        <ANNOTATION>');
      out.push(`            <ALIGNABLE_ANNOTATION${attrs([['ANNOTATION_ID', ann.id], ['TIME_SLOT_REF1', ann.ts1], ['TIME_SLOT_REF2', ann.ts2]])}>`);
      out.push(`                <ANNOTATION_VALUE>${xmlText(ann.value)}</ANNOTATION_VALUE>`);
      out.push('            </ALIGNABLE_ANNOTATION>');
      out.push('        </ANNOTATION>');
    }
    out.push('    </TIER>');
  }

  out.push(
    `    <LINGUISTIC_TYPE${attrs([
      ['LINGUISTIC_TYPE_ID', EAF_LINGUISTIC_TYPE],
      ['TIME_ALIGNABLE', 'true'],
      ['GRAPHIC_REFERENCES', 'false'],
      ['CONTROLLED_VOCABULARY_REF', hasCv ? EAF_CV_ID : null],
    ])}/>`,
  );
  if (turnTiers.length > 0) {
    out.push(`    <LINGUISTIC_TYPE${attrs([['LINGUISTIC_TYPE_ID', EAF_TURN_TYPE], ['TIME_ALIGNABLE', 'true'], ['GRAPHIC_REFERENCES', 'false']])}/>`);
  }
  out.push('    <LANGUAGE LANG_ID="nld" LANG_LABEL="Dutch (nld)"/>');
  if (hasCv) {
    out.push(`    <CONTROLLED_VOCABULARY CV_ID="${EAF_CV_ID}">`);
    out.push(`        <DESCRIPTION LANG_REF="nld">Kijkwijzer-thema's</DESCRIPTION>`);
    for (const t of cv) {
      out.push(`        <CV_ENTRY_ML${attrs([['CVE_ID', t.id]])}>`);
      out.push(`            <CVE_VALUE LANG_REF="nld">${xmlText(t.name)}</CVE_VALUE>`);
      out.push('        </CV_ENTRY_ML>');
    }
    out.push('    </CONTROLLED_VOCABULARY>');
  }
  out.push('</ANNOTATION_DOCUMENT>');
  return out.join('\n') + '\n';
}

/**
 * Pseudonymisation shared by every exporter: each person becomes their Dutch role label
 * ("begeleider", "coach 2", …), the client the room's pseudonym, and names inside texts are replaced.
 */
import type { Role } from '../access/roles.ts';
import type { ExportOptions, ReportInput } from './types.ts';
import { ROLE_LABELS } from './types.ts';
import { reportPeople } from './format.ts';
import { speakerLabel } from '../spreektijd/types.ts';

/** Dutch name particles that are never replaced on their own ("de", "van", …). */
const PARTICLES = new Set([
  'van', 'de', 'der', 'den', 'het', "'t", 'ter', 'ten', 'te', 'in', 'op', 'aan', 'bij', 'uit', 'voor',
  'la', 'le', 'les', 'du', 'da', 'di', 'del', 'della', 'dos', 'das', 'von', 'zu', 'vom', 'el', 'al',
  'bin', 'ben', 'ibn', 'st', 'mc', 'mac', 'en', 'of',
]);

/** Placeholder for a name part shared by several people (so it cannot be attributed). */
export const AMBIGUOUS_NAME = '[naam]';

export interface Pseudonymiser {
  /** The pseudonymised report. */
  input: ReportInput;
  /** Replace every known person's name (full name or a name part) in a free text. */
  text: (text: string) => string;
  /** Pseudonym label per original person id. */
  labels: ReadonlyMap<string, string>;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const key = (s: string): string => s.normalize('NFC').toLowerCase();

/** Label of a role, numbered ("coach 1", "coach 2") when the role occurs more than once. */
function labelPeople(input: ReportInput): Map<string, string> {
  const people = reportPeople(input);
  const counts = new Map<Role, number>();
  for (const p of people) counts.set(p.role, (counts.get(p.role) ?? 0) + 1);
  const seen = new Map<Role, number>();
  const labels = new Map<string, string>();
  for (const p of people) {
    const n = (seen.get(p.role) ?? 0) + 1;
    seen.set(p.role, n);
    const base = p.role === 'client' ? input.clientPseudonym?.trim() || ROLE_LABELS.client : ROLE_LABELS[p.role];
    labels.set(p.id, (counts.get(p.role) ?? 0) > 1 ? `${base} ${n}` : base);
  }
  return labels;
}

function nameParts(name: string): string[] {
  const parts = new Set<string>();
  for (const token of name.split(/\s+/)) {
    const candidates = [token, ...token.split('-')];
    for (const raw of candidates) {
      const part = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (part.length < 2 || PARTICLES.has(part.toLowerCase())) continue;
      parts.add(part);
    }
  }
  return [...parts];
}

export function createPseudonymiser(input: ReportInput): Pseudonymiser {
  const labels = labelPeople(input);
  const people = reportPeople(input);

  // Every name a person is known by: participant name and the author names on their observations.
  const namesOf = new Map<string, Set<string>>();
  const addName = (id: string, name: string): void => {
    const clean = name.normalize('NFC').trim().replace(/\s+/g, ' ');
    if (clean.length < 2) return;
    let set = namesOf.get(id);
    if (!set) namesOf.set(id, (set = new Set()));
    set.add(clean);
  };
  for (const p of people) addName(p.id, p.name);
  for (const o of input.observations) addName(o.authorId, o.authorName);
  // A name the host gave a voice (the client's, say) becomes that voice's role inside texts too.
  const speakers = input.speakerTrack?.speakers ?? [];
  for (const s of speakers) {
    if (!s.name.trim()) continue;
    labels.set(`speaker:${s.id}`, speakerLabel(s, speakers, true));
    addName(`speaker:${s.id}`, s.name);
  }

  // Full names map to their owner; name parts too, unless shared by several people.
  const full = new Map<string, string>();
  const parts = new Map<string, string>();
  for (const [id, names] of namesOf) {
    const label = labels.get(id) ?? AMBIGUOUS_NAME;
    for (const name of names) {
      const k = key(name);
      const prev = full.get(k);
      full.set(k, prev !== undefined && prev !== label ? AMBIGUOUS_NAME : label);
      for (const part of nameParts(name)) {
        const pk = key(part);
        const prevPart = parts.get(pk);
        parts.set(pk, prevPart !== undefined && prevPart !== label ? AMBIGUOUS_NAME : label);
      }
    }
  }
  const replacements = new Map(parts);
  for (const [k, v] of full) replacements.set(k, v);

  const alternatives = [...replacements.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const pattern =
    alternatives.length === 0
      ? null
      : new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'giu');

  const text = (value: string): string => {
    if (!pattern || value === '') return value;
    return value.normalize('NFC').replace(pattern, (m) => replacements.get(key(m)) ?? AMBIGUOUS_NAME);
  };

  const pseudoIds = new Map(people.map((p, i) => [p.id, `deelnemer-${i + 1}`]));
  const pseudoId = (id: string): string => pseudoIds.get(id) ?? 'deelnemer-onbekend';
  const labelOf = (id: string): string => labels.get(id) ?? AMBIGUOUS_NAME;

  const result: ReportInput = {
    room: { ...input.room, title: text(input.room.title) },
    media: input.media ? { ...input.media, fileName: text(input.media.fileName) } : null,
    clientPseudonym: input.clientPseudonym,
    participants: input.participants.map((p) => ({ id: pseudoId(p.id), name: labelOf(p.id), role: p.role })),
    observations: input.observations.map((o) => ({
      ...o,
      themes: [...o.themes],
      authorId: pseudoId(o.authorId),
      authorName: labelOf(o.authorId),
      text: text(o.text),
      // Words written on the picture may name people as much as the note does.
      ...(o.drawing ? { drawing: o.drawing.map((s) => (s.kind === 'label' ? { ...s, text: text(s.text) } : s)) } : {}),
    })),
    fragments: input.fragments.map((f) => ({
      ...f,
      themes: [...f.themes],
      title: text(f.title),
      question: text(f.question),
      clientFeedback: text(f.clientFeedback),
    })),
    themes: input.themes.map((t) => ({ ...t })),
    exportedAt: input.exportedAt,
    // Labels come from the roles when pseudonymised (see speakerTurnRows); names are never used then.
    speakerTrack: input.speakerTrack ?? null,
  };
  return { input: result, text, labels };
}

/**
 * The report with every participant/author name replaced by its role label (numbered when a role
 * occurs more than once), the client by `clientPseudonym`, participant ids by "deelnemer-<n>",
 * and names replaced inside the room title, media file name, observation and fragment texts.
 */
export function pseudonymise(input: ReportInput): ReportInput {
  return createPseudonymiser(input).input;
}

/** What every exporter starts with. */
export function prepareInput(input: ReportInput, opts: ExportOptions | undefined): ReportInput {
  return opts?.pseudonymise ? pseudonymise(input) : input;
}

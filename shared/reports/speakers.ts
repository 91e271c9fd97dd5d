/**
 * The measured speaker turns (spreektijd) in the exports: one row, cue or annotation per turn,
 * labelled by the speaker's name or role — only the role when pseudonymised — and the figures
 * as a werkblad section. The importers recognise these and skip them: turns are not observations.
 */
import type { SpeakerTrack } from '../spreektijd/corrections.ts';
import { figures, PAUSE_SECONDS, PING_PONG_MIN_TURNS, PING_PONG_TURN_SECONDS } from '../spreektijd/figures.ts';
import { SPEAKER_ROLE_LABELS, speakerLabel, type SpeakerId } from '../spreektijd/types.ts';
import { formatTimecode } from './format.ts';

/** The CSV kind and WebVTT note kind of a speaker turn. */
export const SPEAKER_TURN_KIND = 'spreekbeurt';
/** ELAN linguistic type of the speaker tiers. */
export const EAF_TURN_TYPE = 'kijkkamer-spreekbeurt';

export interface SpeakerTurnRow {
  speaker: SpeakerId;
  /** Name or role (role only when pseudonymised). */
  label: string;
  /** Dutch role label, empty when the host has not said who this is. */
  role: string;
  start: number;
  end: number;
  overlap: boolean;
}

/** The turns in time order with their labels; none without a finished analysis. */
export function speakerTurnRows(track: SpeakerTrack | null | undefined, pseudonymise: boolean): SpeakerTurnRow[] {
  if (!track) return [];
  const labels = new Map(track.speakers.map((s) => [s.id, speakerLabel(s, track.speakers, pseudonymise)]));
  const roles = new Map(track.speakers.map((s) => [s.id, s.role ? SPEAKER_ROLE_LABELS[s.role] : '']));
  return [...track.turns]
    .sort((a, b) => a.start - b.start || a.end - b.end)
    .map((t) => ({ speaker: t.speaker, label: labels.get(t.speaker) ?? t.speaker, role: roles.get(t.speaker) ?? '', start: t.start, end: t.end, overlap: t.overlap }));
}

const seconds = (s: number): string => (s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);
const span = (start: number, end: number): string => `\`${formatTimecode(start)}–${formatTimecode(end)}\``;

/**
 * The werkblad section with the measured figures, as Markdown lines. `escape` is the werkblad's
 * escaping of user text (speaker names are the host's).
 */
export function spreektijdMarkdown(track: SpeakerTrack, pseudonymise: boolean, escape: (text: string) => string): string[] {
  const label = (id: SpeakerId | null): string => {
    const speaker = track.speakers.find((s) => s.id === id);
    return speaker ? escape(speakerLabel(speaker, track.speakers, pseudonymise)) : 'niemand';
  };
  const all = figures(track.turns, track.speakers.map((s) => s.id));
  const out: string[] = ['## Spreektijd (gemeten)', ''];
  out.push('_Automatisch gemeten uit het geluid van de opname en door de begeleider gecorrigeerd; een hulpmiddel bij het kijken, geen oordeel._', '');
  if (track.turns.length === 0) return [...out, '_(geen spraak gevonden)_', ''];
  out.push('| Spreker | Spreektijd | Aandeel | Beurten | Gemiddelde beurt |', '| --- | --- | --- | --- | --- |');
  for (const s of all.shares) out.push(`| ${label(s.speaker)} | ${seconds(s.seconds)} | ${s.percent} % | ${s.beurten} | ${s.meanBeurt} s |`);
  out.push('');
  out.push(`- **Gesprek:** ${seconds(all.conversationSeconds)}, ${all.changesPerMinute} wisselingen van spreker per minuut`);
  out.push(`- **Pauzes van ${PAUSE_SECONDS} s of langer:** ${all.pauses.length}`);
  out.push(`- **Ping-pongketens** (${PING_PONG_MIN_TURNS} of meer korte beurten van hooguit ${PING_PONG_TURN_SECONDS} s): ${all.chains.length}`);
  out.push(`- **Overlappingen (gemarkeerd):** ${all.overlaps.length}`, '');
  out.push('**Langste aaneengesloten beurten**', '');
  for (const m of all.monologues) out.push(`- ${span(m.start, m.end)} ${label(m.speaker)}, ${seconds(m.end - m.start)}`);
  out.push('');
  if (all.pauses.length > 0) {
    out.push('**Pauzes**', '');
    for (const p of all.pauses) out.push(`- ${span(p.start, p.end)} ${seconds(p.end - p.start)}, doorbroken door ${label(p.brokenBy)}`);
    out.push('');
  }
  if (all.chains.length > 0) {
    out.push('**Ping-pongketens**', '');
    for (const c of all.chains) out.push(`- ${span(c.start, c.end)} ${c.beurten} beurten`);
    out.push('');
  }
  return out;
}

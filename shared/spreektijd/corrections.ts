/**
 * The host's corrections of the turns, as pure reducers: the server applies them in order over
 * the analysis's result (and undoes one by replaying the others), so everyone sees the same.
 */
import { SPEAKER_IDS, type Speaker, type SpeakerId, type SpeakerRole, type Turn } from './types.ts';

/** The shortest turn a correction may leave behind. */
export const MIN_TURN_SECONDS = 0.05;

export type Correction =
  /** This turn was someone else. */
  | { type: 'speaker'; turnId: string; speaker: SpeakerId }
  /** Move where a turn starts or ends; a neighbour that touches it moves along. */
  | { type: 'boundary'; turnId: string; edge: 'start' | 'end'; time: number }
  /** Cut a turn in two at `at` (the second part gets a new id and can then be given to someone else). */
  | { type: 'split'; turnId: string; at: number }
  /** Join a turn with the next one (of the turns that are not overlaps), keeping this turn's speaker. */
  | { type: 'merge'; turnId: string }
  /** Mark (or unmark) a turn as spoken over someone else: it then lies on top of the others. */
  | { type: 'overlap'; turnId: string; overlap: boolean }
  /** A turn the analysis missed; as an overlap it may lie over other turns, otherwise it must fit in a silence. */
  | { type: 'add'; speaker: SpeakerId; start: number; end: number; overlap: boolean }
  | { type: 'remove'; turnId: string }
  /** Say who a voice is. */
  | { type: 'name'; speaker: SpeakerId; role: SpeakerRole | null; name: string };

export interface SpeakerTrack {
  speakers: Speaker[];
  /** Sorted by start. */
  turns: Turn[];
}

/** Why a correction was refused: a code the room translates, and an English sentence for the API. */
export const CORRECTION_REFUSALS = ['gone', 'bad_range', 'swallows', 'would_cover', 'inside', 'last', 'is_overlap', 'must_overlap'] as const;
export type CorrectionRefusal = (typeof CORRECTION_REFUSALS)[number];

export type CorrectionResult = { ok: true; track: SpeakerTrack } | { ok: false; reason: CorrectionRefusal; message: string };

const byStart = (a: Turn, b: Turn): number => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1);
const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;
const fail = (reason: CorrectionRefusal, message: string): CorrectionResult => ({ ok: false, reason, message });

/** The track with `speaker` listed (a correction may give a turn to a voice the analysis did not find). */
function withSpeaker(speakers: Speaker[], id: SpeakerId): Speaker[] {
  if (speakers.some((s) => s.id === id)) return speakers;
  return [...speakers, { id, role: null, name: '' }].sort((a, b) => SPEAKER_IDS.indexOf(a.id) - SPEAKER_IDS.indexOf(b.id));
}

/** Applies one correction; `newId` names a turn it creates (split, add). Never mutates `track`. */
export function applyCorrection(track: SpeakerTrack, correction: Correction, newId: string): CorrectionResult {
  const turns = track.turns.map((t) => ({ ...t }));
  const done = (changed: Turn[], speakers = track.speakers): CorrectionResult => ({ ok: true, track: { speakers, turns: changed.sort(byStart) } });
  if (correction.type === 'name') {
    const speakers = withSpeaker(track.speakers, correction.speaker).map((s) =>
      s.id === correction.speaker ? { ...s, role: correction.role, name: correction.name.trim() } : s,
    );
    return done(turns, speakers);
  }
  if (correction.type === 'add') {
    const start = round(correction.start);
    const end = round(correction.end);
    if (!(end - start >= MIN_TURN_SECONDS) || start < 0) return fail('bad_range', 'A turn needs an end after its start.');
    if (!correction.overlap && turns.some((t) => !t.overlap && t.start < end && t.end > start)) {
      return fail('would_cover', 'This turn would lie over another turn: mark it as an overlap, or move the other turn first.');
    }
    return done([...turns, { id: newId, speaker: correction.speaker, start, end, overlap: correction.overlap }], withSpeaker(track.speakers, correction.speaker));
  }

  const index = turns.findIndex((t) => t.id === correction.turnId);
  const turn = turns[index];
  if (!turn) return fail('gone', 'This turn no longer exists (someone changed the turns meanwhile).');
  // The neighbours that share the floor with this turn: overlaps lie on top and are not neighbours.
  const floor = turns.filter((t) => !t.overlap);
  const at = floor.indexOf(turn);
  const previous = turn.overlap ? undefined : floor[at - 1];
  const next = turn.overlap ? undefined : floor[at + 1];

  switch (correction.type) {
    case 'speaker':
      turn.speaker = correction.speaker;
      return done(turns, withSpeaker(track.speakers, correction.speaker));
    case 'boundary': {
      const time = round(correction.time);
      if (time < 0) return fail('bad_range', 'A turn cannot start before the recording.');
      if (correction.edge === 'end') {
        if (time - turn.start < MIN_TURN_SECONDS) return fail('bad_range', 'A turn cannot end before it starts.');
        if (next && time > next.start) {
          if (next.end - time < MIN_TURN_SECONDS) return fail('swallows', 'That would swallow the next turn: merge the turns instead.');
          next.start = time;
        }
        turn.end = time;
      } else {
        if (turn.end - time < MIN_TURN_SECONDS) return fail('bad_range', 'A turn cannot start after it ends.');
        if (previous && time < previous.end) {
          if (time - previous.start < MIN_TURN_SECONDS) return fail('swallows', 'That would swallow the previous turn: merge the turns instead.');
          previous.end = time;
        }
        turn.start = time;
      }
      return done(turns);
    }
    case 'split': {
      const time = round(correction.at);
      if (time - turn.start < MIN_TURN_SECONDS || turn.end - time < MIN_TURN_SECONDS) return fail('inside', 'Split a turn somewhere inside it.');
      const second: Turn = { ...turn, id: newId, start: time };
      turn.end = time;
      return done([...turns, second]);
    }
    case 'merge': {
      if (!next) return turn.overlap ? fail('is_overlap', 'An overlap cannot be merged: unmark it first.') : fail('last', 'This is the last turn: there is nothing to merge it with.');
      turn.end = Math.max(turn.end, next.end);
      return done(turns.filter((t) => t !== next));
    }
    case 'overlap':
      if (!correction.overlap && turn.overlap && turns.some((t) => t !== turn && !t.overlap && t.start < turn.end && t.end > turn.start)) {
        return fail('must_overlap', 'This turn lies over another turn: it can only be an overlap. Move or remove the other turn first.');
      }
      turn.overlap = correction.overlap;
      return done(turns);
    case 'remove':
      return done(turns.filter((t) => t !== turn));
  }
}

/** Replays corrections over the analysis's result; one that no longer applies is skipped. */
export function replay(track: SpeakerTrack, corrections: readonly { correction: Correction; newId: string }[]): SpeakerTrack {
  let current = track;
  for (const { correction, newId } of corrections) {
    const result = applyCorrection(current, correction, newId);
    if (result.ok) current = result.track;
  }
  return current;
}

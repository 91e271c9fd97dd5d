import { SPEAKER_IDS, type Turn } from '../../../../shared/spreektijd/types.ts';
import type { SpeakerSegment } from './diarise.ts';

/** Same-speaker speech closer than this is one turn (a breath, a short hesitation). */
export const TURN_MERGE_GAP = 1;

const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** Speaker segments → the turns the room sees: ids t1…tn, times in whole milliseconds. */
export function turnsFrom(segments: readonly SpeakerSegment[]): Turn[] {
  const turns: Turn[] = [];
  for (const s of [...segments].sort((a, b) => a.start - b.start)) {
    const speaker = SPEAKER_IDS[s.speaker];
    if (!speaker) continue;
    const last = turns.at(-1);
    if (last && last.speaker === speaker && s.start - last.end < TURN_MERGE_GAP) last.end = Math.max(last.end, round(s.end));
    else turns.push({ id: '', speaker, start: round(s.start), end: round(s.end), overlap: false });
  }
  return turns.filter((t) => t.end > t.start).map((t, i) => ({ ...t, id: `t${i + 1}` }));
}

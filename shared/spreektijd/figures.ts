/**
 * The spreektijd figures, pure functions over a turn list, computed the same way in the room,
 * in the werkblad report and in tests. The unit of most figures is a *beurt* (a turn at talk):
 * one speaker's consecutive turns without another speaker in between and without a pause.
 */
import type { SpeakerId, Turn } from './types.ts';

/** A silence the Kijkwijzer counts as a pause: 2 s. */
export const PAUSE_SECONDS = 2;
/**
 * Measured silences come out up to 0.25 s shorter than the silence between the voices (the room's
 * reverberation counts as speech; median 0.06 s on the test recordings), so a measured gap from
 * 1.75 s on is a pause of 2 s.
 */
export const PAUSE_MEASURED_SECONDS = 1.75;
/** A beurt this short or shorter counts towards ping-pong. */
export const PING_PONG_TURN_SECONDS = 5;
/** This many short alternating beurten in a row make a ping-pong chain. */
export const PING_PONG_MIN_TURNS = 4;
export const TOP_MONOLOGUES = 5;
/** Upper edges of the turn-length classes, seconds (the last class is open). */
export const LENGTH_CLASSES = [2, 5, 10, 20, 40, 60] as const;

export interface Beurt {
  speaker: SpeakerId;
  start: number;
  end: number;
  /** Ids of the turns it consists of. */
  turnIds: string[];
}

export interface SpeakerShare {
  speaker: SpeakerId;
  seconds: number;
  /** Of all speaking time, 0–100. */
  percent: number;
  beurten: number;
  /** Mean beurt length, seconds. */
  meanBeurt: number;
}

export interface Chain {
  start: number;
  end: number;
  beurten: number;
  speakers: SpeakerId[];
}

export interface Pause {
  start: number;
  end: number;
  /** Who spoke last before it, and who broke it (null at the very start). */
  before: SpeakerId | null;
  brokenBy: SpeakerId;
}

export interface Overlap {
  turnId: string;
  speaker: SpeakerId;
  start: number;
  end: number;
  /** Whose beurt it lies on, when it lies on one. */
  over: SpeakerId | null;
}

export interface TempoPoint {
  start: number;
  end: number;
  /** Changes of speaker per minute in this stretch of the conversation. */
  perMinute: number;
}

export interface Figures {
  /** Seconds from the first speech to the last. */
  conversationSeconds: number;
  speechSeconds: number;
  shares: SpeakerShare[];
  /** The longest beurten, longest first. */
  monologues: Beurt[];
  /** Per speaker, counts of beurten per length class (`LENGTH_CLASSES`, plus one open class). */
  lengths: { speaker: SpeakerId; counts: number[] }[];
  chains: Chain[];
  pauses: Pause[];
  overlaps: Overlap[];
  /** Changes of speaker per minute over the whole conversation. */
  changesPerMinute: number;
  tempo: TempoPoint[];
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The turns that hold the floor, sorted (overlaps lie on top of them). */
const floorTurns = (turns: readonly Turn[]): Turn[] => turns.filter((t) => !t.overlap).sort((a, b) => a.start - b.start);

/** Consecutive same-speaker turns with less than a pause between them become one beurt. */
export function beurten(turns: readonly Turn[], pause = PAUSE_MEASURED_SECONDS): Beurt[] {
  const out: Beurt[] = [];
  for (const t of floorTurns(turns)) {
    const last = out.at(-1);
    if (last && last.speaker === t.speaker && t.start - last.end < pause) {
      last.end = Math.max(last.end, t.end);
      last.turnIds.push(t.id);
    } else out.push({ speaker: t.speaker, start: t.start, end: t.end, turnIds: [t.id] });
  }
  return out;
}

/** Speaking time per speaker (overlaps count for who speaks in them), shares of the total. */
export function shares(turns: readonly Turn[], speakers: readonly SpeakerId[]): SpeakerShare[] {
  const seconds = new Map<SpeakerId, number>(speakers.map((s) => [s, 0]));
  for (const t of turns) seconds.set(t.speaker, (seconds.get(t.speaker) ?? 0) + (t.end - t.start));
  const total = [...seconds.values()].reduce((a, b) => a + b, 0);
  const all = beurten(turns);
  return [...seconds].map(([speaker, s]) => {
    const own = all.filter((b) => b.speaker === speaker);
    return {
      speaker,
      seconds: round(s),
      percent: total > 0 ? round((100 * s) / total, 1) : 0,
      beurten: own.length,
      meanBeurt: own.length > 0 ? round(own.reduce((sum, b) => sum + b.end - b.start, 0) / own.length, 1) : 0,
    };
  });
}

/** The `count` longest beurten, longest first (ties: earliest first). */
export function monologues(turns: readonly Turn[], count = TOP_MONOLOGUES): Beurt[] {
  return beurten(turns)
    .sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start)
    .slice(0, count);
}

/** Index of the length class of a beurt of `seconds`. */
export const lengthClass = (seconds: number): number => {
  const i = LENGTH_CLASSES.findIndex((edge) => seconds < edge);
  return i < 0 ? LENGTH_CLASSES.length : i;
};

export function lengths(turns: readonly Turn[], speakers: readonly SpeakerId[]): { speaker: SpeakerId; counts: number[] }[] {
  const all = beurten(turns);
  return speakers.map((speaker) => {
    const counts = new Array<number>(LENGTH_CLASSES.length + 1).fill(0);
    for (const b of all) if (b.speaker === speaker) counts[lengthClass(b.end - b.start)]!++;
    return { speaker, counts };
  });
}

/**
 * Ping-pong: at least `minTurns` short beurten in a row, each answered by another speaker within
 * a pause. A long beurt or a pause ends a chain.
 */
export function chains(turns: readonly Turn[], minTurns = PING_PONG_MIN_TURNS, maxSeconds = PING_PONG_TURN_SECONDS): Chain[] {
  const out: Chain[] = [];
  let run: Beurt[] = [];
  const close = () => {
    if (run.length >= minTurns) {
      out.push({ start: run[0]!.start, end: run.at(-1)!.end, beurten: run.length, speakers: [...new Set(run.map((b) => b.speaker))] });
    }
    run = [];
  };
  for (const b of beurten(turns)) {
    const short = b.end - b.start <= maxSeconds;
    const last = run.at(-1);
    if (!short) {
      close();
      continue;
    }
    if (last && (last.speaker === b.speaker || b.start - last.end >= PAUSE_MEASURED_SECONDS)) close();
    run.push(b);
  }
  close();
  return out;
}

/** Silences of a pause or longer between any speech, with who spoke before and who broke them. */
export function pauses(turns: readonly Turn[], min = PAUSE_MEASURED_SECONDS): Pause[] {
  const sorted = [...turns].sort((a, b) => a.start - b.start);
  const out: Pause[] = [];
  let end = -Infinity;
  let last: Turn | null = null;
  for (const t of sorted) {
    if (last && t.start - end >= min) out.push({ start: end, end: t.start, before: last.speaker, brokenBy: t.speaker });
    if (t.end >= end) {
      end = t.end;
      last = t;
    }
  }
  return out;
}

/** The overlaps the host marked, and whose beurt each lies on. */
export function overlaps(turns: readonly Turn[]): Overlap[] {
  const floor = beurten(turns);
  return turns
    .filter((t) => t.overlap)
    .sort((a, b) => a.start - b.start)
    .map((t) => {
      const under = floor.find((b) => b.speaker !== t.speaker && b.start < t.end && b.end > t.start);
      return { turnId: t.id, speaker: t.speaker, start: t.start, end: t.end, over: under?.speaker ?? null };
    });
}

/**
 * Changes of speaker per minute in consecutive stretches of the conversation: one-minute
 * stretches, or longer ones so that there are at most `points`.
 */
export function tempo(turns: readonly Turn[], points = 30): TempoPoint[] {
  const all = beurten(turns);
  if (all.length === 0) return [];
  const from = all[0]!.start;
  const to = all.at(-1)!.end;
  const width = Math.max(60, (to - from) / points);
  const out: TempoPoint[] = [];
  for (let start = from; start < to; start += width) {
    const end = Math.min(to, start + width);
    const changes = all.filter((b, i) => i > 0 && b.start >= start && b.start < end).length;
    out.push({ start: round(start), end: round(end), perMinute: round((changes * 60) / Math.max(end - start, 1), 1) });
  }
  return out;
}

export function figures(turns: readonly Turn[], speakers: readonly SpeakerId[]): Figures {
  const all = beurten(turns);
  const first = Math.min(...turns.map((t) => t.start));
  const last = Math.max(...turns.map((t) => t.end));
  const conversation = turns.length > 0 ? last - first : 0;
  return {
    conversationSeconds: round(conversation),
    speechSeconds: round(turns.reduce((s, t) => s + t.end - t.start, 0)),
    shares: shares(turns, speakers),
    monologues: monologues(turns),
    lengths: lengths(turns, speakers),
    chains: chains(turns),
    pauses: pauses(turns),
    overlaps: overlaps(turns),
    changesPerMinute: conversation > 0 ? round(((all.length - 1) * 60) / conversation, 1) : 0,
    tempo: tempo(turns),
  };
}

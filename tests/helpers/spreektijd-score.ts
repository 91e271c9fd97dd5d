/**
 * Scores a speaker analysis against the ground truth the fixture generator wrote
 * (tests/fixtures/make-spreektijd.mjs): frame-based diarisation error, talk share, turn
 * boundaries and pauses. Used by the accuracy test and by bench:spreektijd.
 */
import { readFileSync } from 'node:fs';

export interface ReferenceTurn {
  speaker: string;
  start: number;
  end: number;
}

export interface Reference {
  duration: number;
  voices: Record<string, string>;
  snr: number;
  turns: ReferenceTurn[];
}

export interface HypothesisTurn {
  speaker: string;
  start: number;
  end: number;
}

export const readReference = (path: string): Reference => JSON.parse(readFileSync(path, 'utf8')) as Reference;

const STEP = 0.01;
const PAUSE = 2;

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Merges same-speaker turns closer than `gap` (the unit of "a turn" on both sides). */
function merged<T extends { speaker: string; start: number; end: number }>(turns: readonly T[], gap: number): { speaker: string; start: number; end: number }[] {
  const out: { speaker: string; start: number; end: number }[] = [];
  for (const t of [...turns].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && last.speaker === t.speaker && t.start - last.end < gap) last.end = Math.max(last.end, t.end);
    else out.push({ speaker: t.speaker, start: t.start, end: t.end });
  }
  return out;
}

/** Silences of at least `min` seconds in the union of all speech. */
export function pausesOf(turns: readonly { start: number; end: number }[], min: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let end = -Infinity;
  for (const t of [...turns].sort((a, b) => a.start - b.start)) {
    if (end > -Infinity && t.start - end >= min) out.push({ start: end, end: t.start });
    end = Math.max(end, t.end);
  }
  return out;
}

export interface Score {
  /** 1 − diarisation error rate, no collar; overlap counts both reference speakers. */
  accuracy: number;
  missed: number;
  falseAlarm: number;
  confusion: number;
  /** Reference speaker → hypothesis speaker (best mapping). */
  mapping: Record<string, string | null>;
  /** Talk share per reference speaker, percentage points: reference and measured. */
  share: Record<string, { reference: number; measured: number }>;
  /** Largest |measured − reference| share, percentage points. */
  shareError: number;
  boundaryMedianMs: number;
  boundaryP90Ms: number;
  /**
   * Reference pauses ≥ 2 s and how many the measured turns have as pauses (gap ≥ `pauseThreshold`);
   * measured pauses where the reference has a silence of 1.6–2 s (`borderline`) or none (`extra`).
   */
  pauses: { reference: number; found: number; borderline: number; extra: number };
  speakersFound: number;
}

/**
 * `pauseThreshold`: the shortest measured gap the product calls a pause of 2 s (reverb tails and
 * padding make measured gaps ~0.15 s shorter than the dry reference).
 */
export function score(reference: Reference, hypothesis: readonly HypothesisTurn[], pauseThreshold: number): Score {
  const n = Math.ceil(reference.duration / STEP) + 1;
  const refSpeakers = [...new Set(reference.turns.map((t) => t.speaker))];
  const hypSpeakers = [...new Set(hypothesis.map((t) => t.speaker))];
  const active = refSpeakers.map(() => new Uint8Array(n));
  for (const t of reference.turns) active[refSpeakers.indexOf(t.speaker)]!.fill(1, Math.round(t.start / STEP), Math.round(t.end / STEP));
  const label = new Int8Array(n).fill(-1);
  for (const t of hypothesis) label.fill(hypSpeakers.indexOf(t.speaker), Math.round(t.start / STEP), Math.round(t.end / STEP));

  const size = Math.max(refSpeakers.length, hypSpeakers.length);
  let best: { error: number; missed: number; falseAlarm: number; confusion: number; perm: number[] } | null = null;
  for (const perm of permutations([...Array(size).keys()])) {
    let missed = 0;
    let falseAlarm = 0;
    let confusion = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      let speaking = 0;
      for (const a of active) speaking += a[i]!;
      total += speaking;
      const h = label[i]!;
      if (h < 0) {
        missed += speaking;
        continue;
      }
      if (speaking === 0) {
        falseAlarm++;
        continue;
      }
      // One hypothesis label covers at most one of the speakers talking at once.
      missed += speaking - 1;
      const r = perm[h]!;
      if (!(r < refSpeakers.length && active[r]![i] === 1)) confusion++;
    }
    const error = (missed + falseAlarm + confusion) / total;
    if (!best || error < best.error) best = { error, missed: missed / total, falseAlarm: falseAlarm / total, confusion: confusion / total, perm };
  }
  const mapping: Record<string, string | null> = Object.fromEntries(refSpeakers.map((r) => [r, null]));
  hypSpeakers.forEach((h, i) => {
    const r = best!.perm[i]!;
    if (r < refSpeakers.length) mapping[refSpeakers[r]!] = h;
  });

  const sum = (turns: readonly { start: number; end: number }[]) => turns.reduce((s, t) => s + t.end - t.start, 0);
  const refTotal = sum(reference.turns);
  const hypTotal = sum(hypothesis);
  const share: Score['share'] = {};
  let shareError = 0;
  for (const r of refSpeakers) {
    const ref = (100 * sum(reference.turns.filter((t) => t.speaker === r))) / refTotal;
    const h = mapping[r];
    const measured = h === null || hypTotal === 0 ? 0 : (100 * sum(hypothesis.filter((t) => t.speaker === h))) / hypTotal;
    share[r] = { reference: ref, measured };
    shareError = Math.max(shareError, Math.abs(measured - ref));
  }

  // Boundaries: every reference turn edge against the nearest same-speaker hypothesis edge.
  const inverse = new Map(Object.entries(mapping).map(([r, h]) => [h, r]));
  const hypTurns = merged(hypothesis.map((t) => ({ ...t, speaker: inverse.get(t.speaker) ?? `?${t.speaker}` })), 1);
  const errors: number[] = [];
  for (const r of merged(reference.turns, 1)) {
    const same = hypTurns.filter((h) => h.speaker === r.speaker);
    errors.push(Math.min(Infinity, ...same.map((h) => Math.abs(h.start - r.start))), Math.min(Infinity, ...same.map((h) => Math.abs(h.end - r.end))));
  }
  errors.sort((a, b) => a - b);
  const quantile = (q: number) => Math.round(errors[Math.min(errors.length - 1, Math.floor(q * errors.length))]! * 1000);

  const refPauses = pausesOf(reference.turns, PAUSE);
  const refNear = pausesOf(reference.turns, 1.6).filter((p) => p.end - p.start < PAUSE);
  const hypPauses = pausesOf(hypothesis, pauseThreshold);
  const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && a.end > b.start;
  return {
    accuracy: 1 - best!.error,
    missed: best!.missed,
    falseAlarm: best!.falseAlarm,
    confusion: best!.confusion,
    mapping,
    share,
    shareError,
    boundaryMedianMs: quantile(0.5),
    boundaryP90Ms: quantile(0.9),
    pauses: {
      reference: refPauses.length,
      found: refPauses.filter((r) => hypPauses.some((h) => overlaps(r, h))).length,
      borderline: hypPauses.filter((h) => !refPauses.some((r) => overlaps(r, h)) && refNear.some((r) => overlaps(r, h))).length,
      extra: hypPauses.filter((h) => !refPauses.some((r) => overlaps(r, h)) && !refNear.some((r) => overlaps(r, h))).length,
    },
    speakersFound: hypSpeakers.length,
  };
}

/**
 * Who speaks when, from speech segments and frame features, without a speaker-embedding model
 * (none ships inside an npm package): the classic pipeline of change detection, clustering and
 * resegmentation.
 *
 * 1. BIC change points inside each speech segment, so turn changes without a silence are found.
 * 2. 1.5 s windows inside the resulting pieces, each described by the mean and spread of its
 *    MFCCs and its median pitch; k-means (k-means++, 8 restarts) for each candidate k.
 * 3. Resegmentation: a Gaussian per speaker on MFCC frames plus a pitch Gaussian, decoded frame
 *    by frame with a Viterbi pass that charges a penalty for every change of speaker. This gives
 *    10 ms boundaries and repairs most of the clustering's mistakes.
 * 4. The number of speakers, unless the host gave it: a real speaker owns whole pieces of speech
 *    ("turn purity" ≥ 0.75), while a spurious extra cluster splits one voice by its sounds and
 *    alternates inside them. The largest k whose clusters are all pure wins; none pure: one voice.
 *
 * Tuned on synthetic espeak-ng voices (docs/api-spreektijd.md says how well it does and where not).
 */
import { kmeans } from 'ml-kmeans';
import { frameAt, frameTime, MFCC_DIMS, type Features } from './features.ts';
import { fitGaussian, logDensity, logDetFromStats, type Gaussian } from './gaussian.ts';
import type { SpeechSegment } from './vad.ts';

export const DIARISATION = {
  bic: { halfWindow: 150, minSide: 50, step: 5, lambda: 1, minSpacing: 100, block: 3000 },
  window: { length: 150, hop: 75, minLength: 30 },
  pitchWeight: 3,
  restarts: 8,
  minPurity: 0.75,
  /** A cluster holding at least this share of a piece's frames owns that piece. */
  ownShare: 0.8,
  reseg: { iterations: 2, switchPenalty: 40, pitchWeight: 1 },
} as const;

export interface SpeakerSegment {
  /** 0-based, in order of first appearance. */
  speaker: number;
  start: number;
  end: number;
}

export interface Diarisation {
  speakers: number;
  segments: SpeakerSegment[];
  /** Minimum turn purity per k tried (for the log and the benchmark). */
  purity: Record<number, number>;
}

interface Range {
  a: number;
  b: number;
  segment: SpeechSegment;
}

interface Window {
  a: number;
  b: number;
  vector: number[];
}

const D = MFCC_DIMS;

/** Change points (frame indexes) inside [a, b) by ΔBIC between the two sides of each candidate. */
function changePoints(x: Float32Array, a: number, b: number): number[] {
  const o = DIARISATION.bic;
  if (b - a < 2 * o.minSide) return [];
  const penalty = o.lambda * 0.5 * (D + (D * (D + 1)) / 2);
  const sum = new Float64Array(D);
  const outer = new Float64Array(D * D);
  const candidates: { t: number; score: number }[] = [];
  for (let blockStart = a; blockStart < b; blockStart += o.block) {
    const from = Math.max(a, blockStart - o.halfWindow);
    const to = Math.min(b, blockStart + o.block + o.halfWindow);
    const n = to - from;
    // Prefix sums of rows and outer products over the block: any window's statistics in O(d²).
    const p1 = new Float64Array((n + 1) * D);
    const p2 = new Float64Array((n + 1) * D * D);
    for (let t = 0; t < n; t++) {
      const row = (from + t) * D;
      for (let i = 0; i < D; i++) {
        const xi = x[row + i]!;
        p1[(t + 1) * D + i] = p1[t * D + i]! + xi;
        const base = i * D;
        for (let j = 0; j < D; j++) p2[(t + 1) * D * D + base + j] = p2[t * D * D + base + j]! + xi * x[row + j]!;
      }
    }
    const logDet = (s: number, e: number): number => {
      for (let i = 0; i < D; i++) sum[i] = p1[e * D + i]! - p1[s * D + i]!;
      for (let k = 0; k < D * D; k++) outer[k] = p2[e * D * D + k]! - p2[s * D * D + k]!;
      return logDetFromStats(e - s, sum, outer, D);
    };
    const last = Math.min(blockStart + o.block, b - o.minSide + 1);
    const low = Math.max(blockStart, a + o.minSide);
    // Candidates stay on one grid across blocks: a + minSide + n·step.
    for (let t = a + o.minSide + Math.ceil((low - a - o.minSide) / o.step) * o.step; t < last; t += o.step) {
      const s = Math.max(a, t - o.halfWindow);
      const e = Math.min(b, t + o.halfWindow);
      const score = 0.5 * ((e - s) * logDet(s - from, e - from) - (t - s) * logDet(s - from, t - from) - (e - t) * logDet(t - from, e - from)) - penalty * Math.log(e - s);
      if (score > 0) candidates.push({ t, score });
    }
  }
  candidates.sort((p, q) => q.score - p.score);
  const chosen: number[] = [];
  for (const c of candidates) if (chosen.every((t) => Math.abs(t - c.t) >= o.minSpacing)) chosen.push(c.t);
  return chosen.sort((p, q) => p - q);
}

/** Windows over the pieces, each a vector of MFCC means, MFCC spreads and median log pitch. */
function windows(features: Features, pieces: { a: number; b: number }[]): Window[] {
  const { mfcc, logPitch } = features;
  const o = DIARISATION.window;
  const voiced: number[] = [];
  for (const p of pieces) for (let f = p.a; f < p.b; f += 4) if (!Number.isNaN(logPitch[f]!)) voiced.push(logPitch[f]!);
  voiced.sort((p, q) => p - q);
  const medianPitch = voiced.length > 0 ? voiced[voiced.length >> 1]! : 0;
  const result: Window[] = [];
  for (const piece of pieces) {
    const n = piece.b - piece.a;
    if (n < o.minLength) continue;
    const count = n <= o.length ? 1 : Math.ceil((n - o.length) / o.hop) + 1;
    for (let w = 0; w < count; w++) {
      const a = count === 1 ? piece.a : Math.min(piece.a + w * o.hop, piece.b - o.length);
      const b = count === 1 ? piece.b : a + o.length;
      const mean = new Float64Array(D);
      const square = new Float64Array(D);
      const pitches: number[] = [];
      for (let f = a; f < b; f++) {
        for (let i = 0; i < D; i++) {
          const v = mfcc[f * D + i]!;
          mean[i]! += v;
          square[i]! += v * v;
        }
        if (!Number.isNaN(logPitch[f]!)) pitches.push(logPitch[f]!);
      }
      const m = b - a;
      const vector: number[] = [];
      for (let i = 0; i < D; i++) vector.push(mean[i]! / m);
      for (let i = 0; i < D; i++) vector.push(Math.sqrt(Math.max(0, square[i]! / m - (mean[i]! / m) ** 2)));
      pitches.sort((p, q) => p - q);
      vector.push(pitches.length >= 5 ? pitches[pitches.length >> 1]! : medianPitch);
      result.push({ a, b, vector });
    }
  }
  // Every dimension on the same scale; pitch counts three times (it separates voices best).
  const dims = result[0]?.vector.length ?? 0;
  for (let j = 0; j < dims; j++) {
    let mean = 0;
    for (const w of result) mean += w.vector[j]!;
    mean /= result.length;
    let variance = 0;
    for (const w of result) variance += (w.vector[j]! - mean) ** 2;
    const sd = Math.sqrt(variance / result.length) || 1;
    const weight = j === dims - 1 ? DIARISATION.pitchWeight : 1;
    for (const w of result) w.vector[j] = ((w.vector[j]! - mean) / sd) * weight;
  }
  return result;
}

/** k-means++ with a few seeded restarts; the labels of the run with the smallest spread. */
function cluster(data: number[][], k: number): number[] {
  let best: { labels: number[]; spread: number } | null = null;
  for (let restart = 0; restart < DIARISATION.restarts; restart++) {
    const run = kmeans(data, k, { initialization: 'kmeans++', seed: 1234 + restart, maxIterations: 100 });
    let spread = 0;
    data.forEach((p, i) => {
      const c = run.centroids[run.clusters[i]!]!;
      for (let j = 0; j < p.length; j++) spread += (p[j]! - c[j]!) ** 2;
    });
    if (!best || spread < best.spread) best = { labels: run.clusters, spread };
  }
  return best!.labels;
}

interface PitchModel {
  mean: number;
  sd: number;
}

/** Gaussian per speaker + Viterbi with a switch penalty over the frames of each speech range. */
function resegment(features: Features, ranges: Range[], wins: Window[], labels: number[], k: number): Int8Array {
  const { frames, mfcc, logPitch } = features;
  const label = new Int8Array(frames).fill(-1);
  const distance = new Float32Array(frames).fill(Infinity);
  wins.forEach((w, i) => {
    const centre = (w.a + w.b) / 2;
    for (let f = w.a; f < w.b; f++) {
      const dist = Math.abs(f - centre);
      if (dist < distance[f]!) {
        distance[f] = dist;
        label[f] = labels[i]!;
      }
    }
  });
  const { iterations, switchPenalty, pitchWeight } = DIARISATION.reseg;
  const scratch = new Float64Array(D);
  const likelihood = new Float64Array(k);
  const previous = new Float64Array(k);
  const score = new Float64Array(k);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const members: number[][] = Array.from({ length: k }, () => []);
    for (const r of ranges) for (let f = r.a; f < r.b; f++) if (label[f]! >= 0) members[label[f]!]!.push(f);
    const models: (Gaussian | null)[] = members.map((rows) => fitGaussian(mfcc, D, rows));
    const pitchModels: (PitchModel | null)[] = members.map((rows) => {
      let n = 0;
      let s1 = 0;
      let s2 = 0;
      for (const f of rows) {
        const v = logPitch[f]!;
        if (Number.isNaN(v)) continue;
        n++;
        s1 += v;
        s2 += v * v;
      }
      if (n < 20) return null;
      const mean = s1 / n;
      return { mean, sd: Math.sqrt(Math.max(1e-4, s2 / n - mean * mean)) + 0.02 };
    });
    for (const r of ranges) {
      const n = r.b - r.a;
      const back = new Int8Array(n * k);
      for (let t = 0; t < n; t++) {
        const f = r.a + t;
        const pitch = logPitch[f]!;
        for (let c = 0; c < k; c++) {
          const model = models[c];
          let ll = model ? logDensity(model, mfcc, f, scratch) : -1e9;
          const pm = pitchModels[c];
          if (pm && !Number.isNaN(pitch)) {
            const z = (pitch - pm.mean) / pm.sd;
            ll += pitchWeight * (-0.5 * Math.min(z * z, 25) - Math.log(pm.sd));
          }
          likelihood[c] = ll;
        }
        previous.set(score);
        for (let c = 0; c < k; c++) {
          let best = -Infinity;
          let from = 0;
          for (let j = 0; j < k; j++) {
            const v = previous[j]! - (j === c ? 0 : switchPenalty);
            if (v > best) {
              best = v;
              from = j;
            }
          }
          score[c] = (t === 0 ? 0 : best) + likelihood[c]!;
          back[t * k + c] = from;
        }
      }
      let c = 0;
      for (let j = 1; j < k; j++) if (score[j]! > score[c]!) c = j;
      for (let t = n - 1; t >= 0; t--) {
        label[r.a + t] = c;
        c = back[t * k + c]!;
      }
    }
  }
  return label;
}

/** Per cluster: the share of its frames lying in pieces where it holds ≥ 80 % of the frames. */
function purity(label: Int8Array, pieces: { a: number; b: number }[], k: number): number[] {
  const total = new Float64Array(k);
  const owned = new Float64Array(k);
  const counts = new Float64Array(k);
  for (const p of pieces) {
    counts.fill(0);
    for (let f = p.a; f < p.b; f++) if (label[f]! >= 0) counts[label[f]!]!++;
    for (let c = 0; c < k; c++) {
      total[c]! += counts[c]!;
      if (counts[c]! >= DIARISATION.ownShare * (p.b - p.a)) owned[c]! += counts[c]!;
    }
  }
  return Array.from(total, (t, c) => (t > 0 ? owned[c]! / t : 0));
}

/** Frame labels → segments clamped to the speech segments, speakers numbered by first appearance. */
function segmentsOf(label: Int8Array | null, ranges: Range[]): SpeakerSegment[] {
  const out: SpeakerSegment[] = [];
  for (const r of ranges) {
    if (!label) {
      out.push({ speaker: 0, start: r.segment.start, end: r.segment.end });
      continue;
    }
    let s = r.a;
    for (let f = r.a + 1; f <= r.b; f++) {
      if (f < r.b && label[f] === label[s]) continue;
      const start = s === r.a ? r.segment.start : frameTime(s) - 0.005;
      const end = f === r.b ? r.segment.end : frameTime(f) - 0.005;
      out.push({ speaker: label[s]!, start, end });
      s = f;
    }
  }
  const order = new Map<number, number>();
  for (const s of out) if (!order.has(s.speaker)) order.set(s.speaker, order.size);
  return out.map((s) => ({ ...s, speaker: order.get(s.speaker)! }));
}

/**
 * Splits the speech into speakers. `speakers`: the number the host gave, or 'auto' (1–3).
 * `onProgress` hears fractions of the work done.
 */
export function diarise(features: Features, speech: SpeechSegment[], speakers: 'auto' | 1 | 2 | 3, onProgress?: (fraction: number) => void): Diarisation {
  const ranges: Range[] = [];
  for (const segment of speech) {
    const a = Math.max(0, frameAt(segment.start));
    const b = Math.min(features.frames, frameAt(segment.end));
    if (b > a) ranges.push({ a, b, segment });
  }
  const pieces: { a: number; b: number }[] = [];
  ranges.forEach((r, i) => {
    const cuts = [r.a, ...changePoints(features.mfcc, r.a, r.b), r.b];
    for (let j = 0; j + 1 < cuts.length; j++) pieces.push({ a: cuts[j]!, b: cuts[j + 1]! });
    if (i % 50 === 0) onProgress?.((0.3 * i) / ranges.length);
  });
  const wins = windows(features, pieces);
  const data = wins.map((w) => w.vector);
  const choices = speakers === 'auto' ? [2, 3] : speakers === 1 ? [] : [speakers];
  const purityByK: Record<number, number> = {};
  let chosen: { k: number; label: Int8Array | null } = { k: 1, label: null };
  choices.forEach((k, i) => {
    if (data.length < k * 3) return;
    const label = resegment(features, ranges, wins, cluster(data, k), k);
    const pure = purity(label, pieces, k);
    purityByK[k] = Math.min(...pure);
    if (speakers !== 'auto' || purityByK[k]! >= DIARISATION.minPurity) chosen = { k, label };
    onProgress?.(0.3 + (0.7 * (i + 1)) / choices.length);
  });
  const segments = segmentsOf(chosen.label, ranges);
  return { speakers: segments.length === 0 ? 0 : new Set(segments.map((s) => s.speaker)).size, segments, purity: purityByK };
}

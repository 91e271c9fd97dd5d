import { describe, expect, it } from 'vitest';
import { FeatureExtractor, frameCount, frameTime, MFCC_DIMS, normalise, SAMPLE_RATE } from '../../server/src/spreektijd/analysis/features.ts';
import { turnsFrom } from '../../server/src/spreektijd/analysis/turns.ts';
import { speechSegments, VAD_CHUNK } from '../../server/src/spreektijd/analysis/vad.ts';

const STEP = VAD_CHUNK / SAMPLE_RATE;

/** Chunk probabilities from a pattern: '#' speech (0.9), '-' in between (0.4), '.' silence (0.05). */
const probabilities = (pattern: string): number[] => [...pattern].map((c) => (c === '#' ? 0.9 : c === '-' ? 0.4 : 0.05));

describe('speech segments from voice probabilities', () => {
  it('enters at 0.5, leaves only under 0.35 after 100 ms, and drops speech under 250 ms', () => {
    const segments = speechSegments(probabilities('..########--####....#########.....######......'));
    expect(segments.map((s) => [Math.round(s.start / STEP), Math.round(s.end / STEP)])).toEqual([
      [2, 16],
      [20, 29],
    ]);
  });

  it('a silence shorter than 100 ms does not end the speech', () => {
    expect(speechSegments(probabilities('########..########'))).toHaveLength(1);
    expect(speechSegments(probabilities('########....########'))).toHaveLength(2);
  });

  it('speech that lasts until the end ends there', () => {
    expect(speechSegments(probabilities('....##########')).at(-1)!.end).toBeCloseTo(14 * STEP, 6);
  });
});

describe('turns from speaker segments', () => {
  it('joins one speaker across gaps under a second, numbers them and rounds to milliseconds', () => {
    const turns = turnsFrom([
      { speaker: 0, start: 0.1234, end: 2 },
      { speaker: 0, start: 2.5, end: 3 },
      { speaker: 1, start: 3.2, end: 4 },
      { speaker: 1, start: 5.5, end: 6 },
      { speaker: 0, start: 6.1, end: 6.1 },
    ]);
    expect(turns).toEqual([
      { id: 't1', speaker: 's1', start: 0.123, end: 3, overlap: false },
      { id: 't2', speaker: 's2', start: 3.2, end: 4, overlap: false },
      { id: 't3', speaker: 's2', start: 5.5, end: 6, overlap: false },
    ]);
  });
});

describe('frame features', () => {
  /** A voiced-sounding tone: f0 and four harmonics, int16 scale. */
  function tone(hz: number, seconds: number): Int16Array {
    const out = new Int16Array(Math.round(seconds * SAMPLE_RATE));
    for (let i = 0; i < out.length; i++) {
      let v = 0;
      for (let h = 1; h <= 5; h++) v += Math.sin((2 * Math.PI * hz * h * i) / SAMPLE_RATE) / h;
      out[i] = Math.round(v * 6000);
    }
    return out;
  }

  it('finds the pitch of a tone every 20 ms, and none in silence', () => {
    for (const hz of [95, 150, 230, 380]) {
      const audio = tone(hz, 1);
      const extractor = new FeatureExtractor(() => audio);
      extractor.advance(audio.length);
      const { logPitch, frames } = extractor.finish();
      expect(frames).toBe(frameCount(audio.length));
      const voiced = [...logPitch].filter((v) => !Number.isNaN(v)).map(Math.exp);
      expect(voiced.length).toBeGreaterThan(frames * 0.8);
      for (const f0 of voiced) expect(Math.abs(f0 - hz) / hz).toBeLessThan(0.03);
    }
    const silence = new Int16Array(SAMPLE_RATE);
    const quiet = new FeatureExtractor(() => silence);
    quiet.advance(silence.length);
    expect([...quiet.finish().logPitch].every(Number.isNaN)).toBe(true);
  });

  it('gives the same features whether the audio arrives at once or in pieces', () => {
    const audio = tone(150, 2);
    const whole = new FeatureExtractor(() => audio);
    whole.advance(audio.length);
    const pieces = new FeatureExtractor(() => audio);
    for (let at = 1000; at < audio.length; at += 7777) pieces.advance(at, 13, false);
    while (pieces.advance(audio.length, 13, false) > 0);
    pieces.advance(audio.length);
    expect(pieces.finish()).toEqual(whole.finish());
  });

  it('MFCCs tell two different tones apart, and normalisation centres them', () => {
    const audio = new Int16Array([...tone(120, 1), ...tone(300, 1)]);
    const extractor = new FeatureExtractor(() => audio);
    extractor.advance(audio.length);
    const features = extractor.finish();
    normalise(features, () => true);
    const mean = (from: number, to: number, dim: number) => {
      let s = 0;
      for (let f = from; f < to; f++) s += features.mfcc[f * MFCC_DIMS + dim]!;
      return s / (to - from);
    };
    const half = Math.floor(features.frames / 2);
    const distance = Math.hypot(...Array.from({ length: MFCC_DIMS }, (_, d) => mean(10, half - 10, d) - mean(half + 10, features.frames - 10, d)));
    expect(distance).toBeGreaterThan(2);
    expect(Math.abs(mean(0, features.frames, 0))).toBeLessThan(1e-3);
    expect(frameTime(0)).toBeCloseTo(0.016, 6);
  });
});

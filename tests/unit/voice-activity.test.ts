import { describe, expect, it } from 'vitest';
import { ActivityDetector, DEFAULT_ACTIVITY, toDb } from '../../shared/voice/activity.ts';
import { DEFAULT_DUCKING, duckedVolume, nextGain } from '../../shared/voice/ducking.ts';

const fromDb = (db: number) => 10 ** (db / 20);

/** Feeds `ms` of a constant level at 20 ms steps; returns the state after each step. */
function feed(detector: ActivityDetector, db: number, ms: number, start: number): { at: number; states: boolean[] } {
  const states: boolean[] = [];
  let at = start;
  for (let t = 0; t < ms; t += 20) {
    at += 20;
    states.push(detector.update(fromDb(db), at));
  }
  return { at, states };
}

describe('voice activity', () => {
  it('converts levels to dBFS with a floor for silence', () => {
    expect(toDb(1)).toBe(0);
    expect(toDb(0.1)).toBeCloseTo(-20, 9);
    expect(toDb(0)).toBe(-100);
    expect(toDb(1e-9)).toBe(-100);
  });

  it('starts after the attack time above the threshold, not on a single loud sample', () => {
    const d = new ActivityDetector();
    let { at } = feed(d, -80, 500, 0);
    expect(d.speaking).toBe(false);
    // One click: a sample at −10 dBFS, then silence again.
    at += 20;
    d.update(fromDb(-10), at);
    ({ at } = feed(d, -80, 400, at));
    expect(d.speaking).toBe(false);
    const speech = feed(d, -25, 300, at);
    const first = speech.states.indexOf(true);
    expect(first).toBeGreaterThan(0);
    // The attack is 80 ms: the fifth 20 ms sample of speech is the first to count.
    expect((first + 1) * 20).toBe(DEFAULT_ACTIVITY.attackMs + 20);
  });

  it('bridges the gaps between words and stops after the release time of silence', () => {
    const d = new ActivityDetector();
    let { at } = feed(d, -25, 300, 0);
    expect(d.speaking).toBe(true);
    // A 200 ms gap between words: still speaking.
    ({ at } = feed(d, -90, 200, at));
    expect(d.speaking).toBe(true);
    ({ at } = feed(d, -25, 200, at));
    const silence = feed(d, -90, 1200, at);
    const last = silence.states.lastIndexOf(true);
    // Smoothing takes the level under offDb within a few samples; then the release time must pass.
    expect((last + 1) * 20).toBeGreaterThanOrEqual(DEFAULT_ACTIVITY.releaseMs);
    expect((last + 1) * 20).toBeLessThan(DEFAULT_ACTIVITY.releaseMs + 300);
    expect(d.speaking).toBe(false);
  });

  it('has hysteresis: a level between the thresholds keeps the current state', () => {
    const middle = (DEFAULT_ACTIVITY.onDb + DEFAULT_ACTIVITY.offDb) / 2;
    const quiet = new ActivityDetector();
    feed(quiet, middle, 2000, 0);
    expect(quiet.speaking).toBe(false);
    const talking = new ActivityDetector();
    const { at } = feed(talking, -20, 300, 0);
    feed(talking, middle, 2000, at);
    expect(talking.speaking).toBe(true);
  });

  it('forgets everything on reset and refuses thresholds the wrong way round', () => {
    const d = new ActivityDetector();
    const { at } = feed(d, -20, 300, 0);
    d.reset();
    expect(d.speaking).toBe(false);
    // Starting over from silence: one loud sample is not yet speech.
    expect(d.update(fromDb(-20), at + 20)).toBe(false);
    expect(() => new ActivityDetector({ onDb: -50, offDb: -40 })).toThrow(RangeError);
  });

  it('treats a non-finite level as silence', () => {
    const d = new ActivityDetector();
    feed(d, -20, 300, 0);
    for (let t = 0; t < 1000; t += 20) d.update(Number.NaN, 300 + t);
    expect(d.speaking).toBe(false);
  });
});

describe('ducking curve', () => {
  /** Steps of 20 ms from `gain` for `ms`. */
  const run = (gain: number, speaking: boolean, ms: number) => {
    for (let t = 0; t < ms; t += 20) gain = nextGain(gain, speaking, 20);
    return gain;
  };

  it('goes down fast and comes back slowly', () => {
    // Three attack time constants: within 5 % of the way down.
    expect(run(1, true, 3 * DEFAULT_DUCKING.attackMs)).toBeLessThan(DEFAULT_DUCKING.duckedGain + 0.05 * (1 - DEFAULT_DUCKING.duckedGain));
    const afterSameTime = run(DEFAULT_DUCKING.duckedGain, false, 3 * DEFAULT_DUCKING.attackMs);
    expect(afterSameTime).toBeLessThan(0.6);
    expect(run(DEFAULT_DUCKING.duckedGain, false, 10 * DEFAULT_DUCKING.releaseMs)).toBe(1);
  });

  it('settles exactly on its target and never overshoots', () => {
    let gain = 1;
    const seen: number[] = [];
    for (let t = 0; t < 2000; t += 20) seen.push((gain = nextGain(gain, true, 20)));
    expect(seen.at(-1)).toBe(DEFAULT_DUCKING.duckedGain);
    expect(Math.min(...seen)).toBe(DEFAULT_DUCKING.duckedGain);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeLessThanOrEqual(seen[i - 1]!);
    expect(nextGain(1, false, 20)).toBe(1);
    expect(nextGain(0.5, true, -5)).toBe(0.5);
  });

  it('multiplies the person’s own volume and stays within 0–1', () => {
    expect(duckedVolume(0.8, 0.25)).toBeCloseTo(0.2, 9);
    expect(duckedVolume(1, 1)).toBe(1);
    expect(duckedVolume(1.5, 1)).toBe(1);
    expect(duckedVolume(0.5, -1)).toBe(0);
  });
});

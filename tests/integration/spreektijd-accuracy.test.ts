import { describe, expect, it } from 'vitest';
import { PAUSE_MEASURED_SECONDS } from '../../shared/spreektijd/figures.ts';
import { runAnalysis } from '../../server/src/spreektijd/runner.ts';
import { spreektijdFixture, type SpreektijdFixture } from '../helpers/spreektijd.ts';
import { readReference, score } from '../helpers/spreektijd-score.ts';

/**
 * The accuracy goals, checked on the committed espeak-ng recordings through the same
 * child process the server uses: speaker-attributed time ≥ 90 % correct (1 − DER, no collar),
 * talk share within 5 percentage points, turn boundaries within 300 ms (median), every pause
 * of 2 s found, and the right number of voices.
 */
const CASES: { name: SpreektijdFixture; voices: number }[] = [
  { name: 'same-gender', voices: 2 },
  { name: 'male-female', voices: 2 },
  { name: 'three-voices', voices: 3 },
];

describe('spreektijd accuracy on synthetic conversations', () => {
  for (const { name, voices } of CASES) {
    it(`${name}: ${voices} voices, who spoke when`, async () => {
      const fixture = spreektijdFixture(name);
      const run = runAnalysis({ input: fixture.video, ffmpegPath: 'ffmpeg', speakers: 'auto', maxSeconds: 3600 }, { durationSeconds: null, onProgress: () => undefined });
      const outcome = await run.outcome;
      if (outcome.kind !== 'done') throw new Error(`analysis ${outcome.kind}: ${JSON.stringify(outcome)}`);
      const result = score(readReference(fixture.reference), outcome.turns, PAUSE_MEASURED_SECONDS);
      expect(outcome.speakers).toBe(voices);
      expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(result.shareError).toBeLessThanOrEqual(5);
      expect(result.boundaryMedianMs).toBeLessThanOrEqual(300);
      expect(result.pauses.found).toBe(result.pauses.reference);
      expect(result.pauses.extra).toBe(0);
    }, 120_000);
  }

  it('stops decoding past the length limit with too_long', async () => {
    const run = runAnalysis({ input: spreektijdFixture('one-voice').video, ffmpegPath: 'ffmpeg', speakers: 'auto', maxSeconds: 10 }, { durationSeconds: null, onProgress: () => undefined });
    expect(await run.outcome).toMatchObject({ kind: 'failed', reason: 'too_long' });
  }, 60_000);

  it('reports an unreadable file as such, and a cancel kills the process', async () => {
    const unreadable = runAnalysis({ input: '/nonexistent/file.mp4', ffmpegPath: 'ffmpeg', speakers: 'auto', maxSeconds: 60 }, { durationSeconds: null, onProgress: () => undefined });
    expect(await unreadable.outcome).toMatchObject({ kind: 'failed', reason: 'unreadable' });
    const cancelled = runAnalysis({ input: spreektijdFixture('same-gender').video, ffmpegPath: 'ffmpeg', speakers: 'auto', maxSeconds: 3600 }, { durationSeconds: null, onProgress: () => undefined });
    cancelled.cancel();
    expect(await cancelled.outcome).toEqual({ kind: 'cancelled' });
  }, 60_000);
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyEstimator } from '../../shared/playhead/latency.ts';

describe('LatencyEstimator', () => {
  it('starts from its seed and moves a third of the way to each sample', () => {
    const estimator = new LatencyEstimator({ seedMs: 70 });
    expect(estimator.estimate).toBe(70);
    expect(estimator.p90).toBe(70);
    estimator.add(40);
    expect(estimator.estimate).toBeCloseTo(61, 9);
    expect(estimator.samples).toBe(1);
  });

  it('gives the 90th percentile of the last samples', () => {
    const estimator = new LatencyEstimator({ seedMs: 250, window: 10 });
    for (const sample of [500, 130, 140, 150, 160, 170, 180, 190, 200, 210, 220, 310]) estimator.add(sample);
    // The first two fell out of the window of 10: 140 … 220, 310.
    expect(estimator.p90).toBe(220);
    estimator.add(305);
    expect(estimator.p90).toBe(305);
  });

  it('keeps samples within its bounds and ignores what is not a number', () => {
    const estimator = new LatencyEstimator({ seedMs: 70, minMs: 0, maxMs: 300 });
    expect(estimator.add(Number.NaN)).toBe(false);
    expect(estimator.add(Infinity)).toBe(false);
    estimator.add(5000);
    expect(estimator.p90).toBe(300);
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 50 }), (samples) => {
        const e = new LatencyEstimator({ seedMs: 70, minMs: 0, maxMs: 300 });
        for (const sample of samples) e.add(sample);
        expect(e.estimate).toBeGreaterThanOrEqual(0);
        expect(e.estimate).toBeLessThanOrEqual(300);
        expect(e.p90).toBeLessThanOrEqual(300);
      }),
    );
  });

  it('takes over what an earlier page learned, and only numbers within bounds from storage', () => {
    const learned = new LatencyEstimator({ seedMs: 70 });
    for (const sample of [20, 22, 25]) learned.add(sample);
    const next = new LatencyEstimator({ seedMs: 70, maxMs: 300 });
    expect(next.restore(JSON.parse(JSON.stringify(learned.memory())))).toBe(true);
    expect(next.estimate).toBe(learned.estimate);
    expect(next.p90).toBe(25);

    const fresh = () => new LatencyEstimator({ seedMs: 70, maxMs: 300 });
    for (const junk of [null, 'x', 7, {}, { estimate: 'x' }, { estimate: Number.NaN }]) {
      const e = fresh();
      expect(e.restore(junk)).toBe(false);
      expect(e.estimate).toBe(70);
    }
    const clamped = fresh();
    expect(clamped.restore({ estimate: 9e9, recent: [1, 'two', null, 9e9] })).toBe(true);
    expect(clamped.estimate).toBe(300);
    expect(clamped.p90).toBe(300);
    expect(clamped.samples).toBe(2);
  });

  it('refuses options that make no sense', () => {
    expect(() => new LatencyEstimator({ seedMs: Number.NaN })).toThrow(RangeError);
    expect(() => new LatencyEstimator({ seedMs: 1, minMs: 5, maxMs: 2 })).toThrow(RangeError);
    expect(() => new LatencyEstimator({ seedMs: 1, smoothing: 0 })).toThrow(RangeError);
  });
});

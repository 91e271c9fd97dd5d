import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockEstimator, sampleOffset, sampleRtt, type ClockSample } from '../../shared/playhead/index.ts';

/** A client on performance.now (starts near 0) against a server on Date.now. */
const TRUE_OFFSET = 1_750_000_000_000;

/** One exchange sent at client time t0: `up` and `down` ms on the wire, `handling` ms in the server. */
function exchange(t0: number, up: number, down: number, handling = 1, offset = TRUE_OFFSET): ClockSample {
  const t1 = t0 + offset + up;
  const t2 = t1 + handling;
  return { t0, t1, t2, t3: t0 + up + handling + down };
}

describe('sampleOffset and sampleRtt', () => {
  it('are exact on a symmetric path', () => {
    const sample = exchange(100, 20, 20, 5);
    expect(sampleOffset(sample)).toBe(TRUE_OFFSET);
    expect(sampleRtt(sample)).toBe(40);
  });

  it('are off by half the asymmetry, never more than RTT / 2', () => {
    const sample = exchange(100, 70, 10);
    expect(sampleOffset(sample) - TRUE_OFFSET).toBe(30);
    expect(sampleRtt(sample)).toBe(80);
  });
});

describe('ClockEstimator', () => {
  it('reports nothing before the first sample', () => {
    const clock = new ClockEstimator();
    expect({ offset: clock.offset, rtt: clock.rtt, samples: clock.samples }).toEqual({ offset: 0, rtt: 0, samples: 0 });
  });

  it('converts between the clocks both ways', () => {
    const clock = new ClockEstimator();
    clock.add(exchange(1000, 15, 15));
    expect(clock.toServerTime(5000)).toBe(5000 + TRUE_OFFSET);
    expect(clock.toLocalTime(clock.toServerTime(1234.5))).toBeCloseTo(1234.5, 6);
  });

  it('ignores timestamps that cannot be real', () => {
    const clock = new ClockEstimator();
    expect(clock.add({ t0: 0, t1: Number.NaN, t2: 1, t3: 2 })).toBe(false);
    expect(clock.add({ t0: 10, t1: 100, t2: 101, t3: 5 })).toBe(false);
    expect(clock.add({ t0: 0, t1: 100, t2: 99, t3: 5 })).toBe(false);
    // The server claims to have held the request longer than the whole round trip took.
    expect(clock.add({ t0: 0, t1: 100, t2: 200, t3: 50 })).toBe(false);
    expect(clock.samples).toBe(0);
  });

  it('trusts the lowest-RTT exchanges over asymmetric slow ones', () => {
    const clock = new ClockEstimator();
    clock.add(exchange(0, 200, 20));
    clock.add(exchange(1000, 8, 10));
    clock.add(exchange(2000, 150, 40));
    clock.add(exchange(3000, 10, 9));
    clock.add(exchange(4000, 9, 9));
    expect(Math.abs(clock.offset - TRUE_OFFSET)).toBeLessThanOrEqual(1);
  });

  it('gets within a few ms on a path with ± 25 ms of jitter per leg, given 64 exchanges', () => {
    // Deterministic: 200 fixed pseudo-random paths, so the statistics cannot flake.
    const errors: number[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      let state = seed;
      const random = () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 4294967296;
      };
      const clock = new ClockEstimator({ windowSize: 64 });
      for (let i = 0; i < 64; i++) clock.add(exchange(i * 500, 50 + (random() * 2 - 1) * 25, 50 + (random() * 2 - 1) * 25));
      errors.push(Math.abs(clock.offset - TRUE_OFFSET));
    }
    errors.sort((a, b) => a - b);
    expect(errors[100]).toBeLessThan(2.5);
    expect(errors[189]).toBeLessThan(6);
  });

  it('ignores an outlier even when only three exchanges are known', () => {
    const clock = new ClockEstimator();
    clock.add(exchange(0, 10, 10));
    clock.add(exchange(1000, 12, 10));
    clock.add(exchange(2000, 2000, 5));
    expect(clock.samples).toBe(2);
    expect(Math.abs(clock.offset - TRUE_OFFSET)).toBeLessThanOrEqual(1);
    expect(clock.rtt).toBe(21);
  });

  it('says how much slower than typical its round trips get', () => {
    const clock = new ClockEstimator({ windowSize: 10 });
    for (const [i, rtt] of [10, 12, 10, 14, 11, 10, 13, 30, 10, 12].entries()) clock.add(exchange(i * 1000, rtt / 2, rtt / 2));
    // 30 is an outlier (above 2 × the median, 11.5); of the other nine the median is 11, the 90th percentile 14.
    expect(clock.rtt).toBe(11);
    expect(clock.rttSpread).toBe(3);
  });

  it('follows a clock that moves, as old exchanges leave the window', () => {
    const clock = new ClockEstimator({ windowSize: 8 });
    for (let i = 0; i < 8; i++) clock.add(exchange(i * 1000, 10, 10));
    for (let i = 8; i < 16; i++) clock.add(exchange(i * 1000, 10, 10, 1, TRUE_OFFSET + 50));
    expect(clock.offset).toBe(TRUE_OFFSET + 50);
  });

  it('refuses options that could reject every exchange', () => {
    expect(() => new ClockEstimator({ outlierFactor: 0.5 })).toThrow(RangeError);
    expect(() => new ClockEstimator({ windowSize: 0 })).toThrow(RangeError);
    expect(() => new ClockEstimator({ best: 1.5 })).toThrow(RangeError);
  });

  it('keeps its error within half the RTT of the exchanges it trusts, on jittery asymmetric paths', () => {
    const legArb = fc.record({
      up: fc.double({ min: 1, max: 400, noNaN: true }),
      down: fc.double({ min: 1, max: 400, noNaN: true }),
      handling: fc.double({ min: 0, max: 20, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(legArb, { minLength: 1, maxLength: 30 }), fc.double({ min: -1e12, max: 1e12, noNaN: true }), (legs, offset) => {
        const clock = new ClockEstimator();
        const samples = legs.map(({ up, down, handling }, i) => exchange(i * 1000, up, down, handling, offset));
        for (const sample of samples) expect(clock.add(sample)).toBe(true);
        // The three lowest RTTs of the window are always trusted (they lie below the median), so the
        // third lowest bounds how wrong the average of their offsets can be.
        const rtts = samples.slice(-8).map(sampleRtt).sort((a, b) => a - b);
        const bound = rtts[Math.min(2, rtts.length - 1)]! / 2;
        expect(Math.abs(clock.offset - offset)).toBeLessThanOrEqual(bound + 1e-3);
        expect(clock.samples).toBeGreaterThanOrEqual(1);
        expect(clock.samples).toBeLessThanOrEqual(8);
      }),
    );
  });

  it('is not moved by bursts of congested exchanges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 8, max: 12, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.double({ min: 500, max: 3000, noNaN: true }), { minLength: 2, maxLength: 2 }),
        (quick, congested) => {
          const clock = new ClockEstimator();
          quick.forEach((leg, i) => clock.add(exchange(i * 1000, leg, 10)));
          congested.forEach((up, i) => clock.add(exchange(10_000 + i * 1000, up, 2)));
          expect(clock.samples).toBe(6);
          expect(Math.abs(clock.offset - TRUE_OFFSET)).toBeLessThanOrEqual(6);
          expect(clock.rtt).toBeLessThan(25);
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DRIFT_DEFAULTS, DriftController, type DriftDecision } from '../../shared/playhead/index.ts';

const FRAME_MS = 1000 / 60;
const CHROME_DEAD_ZONE = 1 / 881;
/** Chromium's media clock: ±0.4 ms at exactly rate 1, ±5 ms at any other (time-stretched) rate. */
const CLOCK_NOISE = { atOne: 0.0004, stretched: 0.005 };

/** Feeds one error (timeline minus video, s) per displayed frame from `startMs` on. */
function feed(controller: DriftController, errors: readonly number[], startMs = 0, targetRate = 1): DriftDecision[] {
  return errors.map((error, i) =>
    controller.sample({ mediaTime: 10, expected: 10 + error, targetRate, nowMs: startMs + i * FRAME_MS }),
  );
}

const changes = (decisions: readonly DriftDecision[]) => decisions.filter((d) => d.kind !== 'none');
/** A rate decision's rate (NaN for any other decision), for comparing with floating-point slack. */
const rateOf = (decision: DriftDecision | undefined): number => (decision?.kind === 'rate' ? decision.rate : Number.NaN);

/** A small deterministic generator, so simulated jitter is reproducible from a fast-check seed. */
function jitter(seed: number, amplitude: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * amplitude;
  };
}

describe('DriftController: small errors', () => {
  it('does nothing within the 10 ms dead band', () => {
    const controller = new DriftController();
    expect(changes(feed(controller, [0.0099, -0.0099, 0.008, 0, -0.0095, 0.0098, 0.002]))).toEqual([]);
    expect(controller.playbackRate).toBe(1);
  });

  it('never changes the rate for ±9.9 ms of jitter around 0', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.0099, max: 0.0099, noNaN: true }), { maxLength: 300 }), (errors) => {
        expect(changes(feed(new DriftController(), errors))).toEqual([]);
      }),
    );
  });

  it('ignores a single late frame among good ones', () => {
    expect(changes(feed(new DriftController(), [0, 0.001, 0.3, -0.002, 0, 0.001, 0]))).toEqual([]);
  });

  it('ignores samples that are not numbers', () => {
    const controller = new DriftController();
    expect(controller.sample({ mediaTime: Number.NaN, expected: 3, targetRate: 1, nowMs: 0 })).toEqual({ kind: 'none' });
  });
});

describe('DriftController: nudging the rate', () => {
  it('speeds up within 5 % for a persistent 50 ms lag, and slows down for a lead', () => {
    const behind = changes(feed(new DriftController(), Array(10).fill(0.05)));
    expect(behind).toHaveLength(1);
    const rate = (behind[0] as { rate: number }).rate;
    expect(rate).toBeGreaterThan(1);
    expect(rate).toBeLessThanOrEqual(1.05);

    const ahead = changes(feed(new DriftController(), Array(10).fill(-0.05)));
    expect((ahead[0] as { rate: number }).rate).toBeLessThan(1);
    expect((ahead[0] as { rate: number }).rate).toBeGreaterThanOrEqual(0.95);
  });

  it('waits for three samples before it corrects', () => {
    const decisions = feed(new DriftController(), [0.05, 0.05, 0.05]);
    expect(decisions.map((d) => d.kind)).toEqual(['none', 'none', 'rate']);
  });

  it('returns to exactly the room rate once the error is back, through a fine nudge, not before the hold times, and then leaves it alone', () => {
    const controller = new DriftController({ window: 1, minSamples: 1 });
    const at = (error: number, nowMs: number) => controller.sample({ mediaTime: 10, expected: 10 + error, targetRate: 1, nowMs });
    expect(rateOf(at(0.03, 0))).toBeCloseTo(1.03, 12);
    expect(controller.correcting).toBe(true);
    expect(at(-0.001, 100)).toEqual({ kind: 'none' });
    expect(at(0.01, 300)).toEqual({ kind: 'none' });
    // The last 5 ms at 1 %.
    expect(rateOf(at(0.0049, 500))).toBeCloseTo(1.01, 12);
    expect(at(-0.0005, 700)).toEqual({ kind: 'none' });
    expect(at(-0.0005, 800)).toEqual({ kind: 'rate', rate: 1 });
    expect(controller.correcting).toBe(false);
    expect(at(0.009, 1000)).toEqual({ kind: 'none' });
    expect(at(-0.0095, 1100)).toEqual({ kind: 'none' });
  });

  it('does not count errors from before a change of rate has shown, ends at a fine nudge, where its buffered rest lands on 0', () => {
    const controller = new DriftController({ window: 1, minSamples: 1, nudgeEntryCostMs: 20, bufferMs: 150 });
    const at = (error: number, nowMs: number) => controller.sample({ mediaTime: 10, expected: 10 + error, targetRate: 1, nowMs });
    // 12 ms behind, 20 more to lose entering the nudge: 3.2 % for a second.
    expect(rateOf(at(0.012, 0))).toBeCloseTo(1.032, 12);
    // For 150 ms the player still plays at 1: nothing it shows then counts.
    expect(at(-0.05, 100)).toEqual({ kind: 'none' });
    expect(at(0.012, 200)).toEqual({ kind: 'none' });
    // Hand over to 1 % where the rest of 3.2 % (4.8 ms), the rest of 1 % (1.5 ms) and 5 ms at 1 % lie ahead.
    expect(at(0.0115, 300)).toEqual({ kind: 'none' });
    expect(rateOf(at(0.011, 340))).toBeCloseTo(1.01, 12);
    expect(at(0.0001, 400)).toEqual({ kind: 'none' });
    // End where the 1.5 ms rest of the fine nudge lands it on 0.
    expect(at(0.0016, 650)).toEqual({ kind: 'none' });
    expect(at(0.0014, 700)).toEqual({ kind: 'rate', rate: 1 });
    expect(controller.correcting).toBe(false);
    expect(at(0.009, 1000)).toEqual({ kind: 'none' });
  });

  it('nudges around the room rate, not around 1', () => {
    const rate = (changes(feed(new DriftController({ playbackRate: 1.5 }), Array(5).fill(0.02), 0, 1.5))[0] as { rate: number }).rate;
    expect(rate).toBeCloseTo(1.5 * 1.02, 12);
  });

  it('follows a change of the room rate even without error', () => {
    const controller = new DriftController();
    feed(controller, [0, 0, 0]);
    feed(controller, [0, 0], 50);
    expect(controller.sample({ mediaTime: 1, expected: 1, targetRate: 0.5, nowMs: 100 })).toEqual({ kind: 'rate', rate: 0.5 });
  });

  it('corrects in the right direction, within 5 %, and never where Chrome would ignore it', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.25, max: 2, noNaN: true }),
        fc.double({ min: 0.0101, max: 0.999, noNaN: true }),
        fc.boolean(),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (target, size, behind, timeConstant) => {
          const error = behind ? size : -size;
          const controller = new DriftController({ playbackRate: target, timeConstant });
          const [decision] = changes(feed(controller, Array(5).fill(error), 0, target));
          expect(decision?.kind).toBe('rate');
          const rate = (decision as { rate: number }).rate;
          expect(behind ? rate > target : rate < target).toBe(true);
          // Stepping over Chrome's dead zone around 1 may add up to its width to the 5 % cap.
          expect(Math.abs(rate / target - 1)).toBeLessThanOrEqual(DRIFT_DEFAULTS.maxNudge + 2 * DRIFT_DEFAULTS.minNudge + 1e-12);
          expect(Math.abs(rate - target)).toBeGreaterThanOrEqual(DRIFT_DEFAULTS.minNudge * target - 1e-12);
          expect(Math.abs(rate - 1)).toBeGreaterThan(CHROME_DEAD_ZONE);
        },
      ),
    );
  });
});

describe('DriftController: seeking', () => {
  it('seeks once for a huge error, aiming ahead by the seek latency', () => {
    const controller = new DriftController({ seekLatencyMs: 200 });
    const decisions = feed(controller, Array(60).fill(5));
    expect(changes(decisions)).toEqual([{ kind: 'seek', position: 15 + 0.2 }]);
    expect(decisions[2]).toEqual({ kind: 'seek', position: 15.2 });
  });

  it('scales the aim with the room rate', () => {
    const [seek] = changes(feed(new DriftController({ seekLatencyMs: 200, playbackRate: 2 }), Array(3).fill(-3), 0, 2));
    expect(seek).toEqual({ kind: 'seek', position: 7 + 0.4 });
  });

  it('stays quiet until seeked plus the settle time, then corrects again', () => {
    const controller = new DriftController();
    feed(controller, Array(3).fill(5), 0);
    expect(changes(feed(controller, Array(30).fill(4), 100))).toEqual([]);
    controller.notifySeeked(700);
    expect(changes(feed(controller, Array(17).fill(2), 700))).toEqual([]);
    const after = changes(feed(controller, Array(5).fill(2), 1000));
    expect(after).toHaveLength(1);
    expect(after[0]?.kind).toBe('seek');
  });

  it('learns the seek latency as an exponential average, capped', () => {
    const controller = new DriftController({ seekLatencyMs: 150 });
    feed(controller, Array(3).fill(5), 0);
    controller.notifySeeked(2 * FRAME_MS + 400);
    expect(controller.seekLatencyMs).toBeCloseTo(0.7 * 150 + 0.3 * 400, 9);

    feed(controller, Array(3).fill(5), 10_000);
    controller.notifySeeked(10_000 + 2 * FRAME_MS + 60_000);
    expect(controller.seekLatencyMs).toBeCloseTo(0.7 * 225 + 0.3 * 1000, 9);
  });

  it('settles after a seek it did not ask for, without learning from it', () => {
    const controller = new DriftController();
    controller.notifySeeked(0);
    expect(controller.seekLatencyMs).toBe(DRIFT_DEFAULTS.seekLatencyMs);
    expect(changes(feed(controller, Array(10).fill(3), 100))).toEqual([]);
  });

  it('gives up waiting for a seeked event that never comes', () => {
    const controller = new DriftController();
    feed(controller, Array(3).fill(5), 0);
    expect(changes(feed(controller, Array(3).fill(5), 4000))).toEqual([]);
    expect(changes(feed(controller, Array(3).fill(5), 6000)).map((d) => d.kind)).toEqual(['seek']);
  });

  it('forgets old errors and the nudge on reset', () => {
    const controller = new DriftController();
    feed(controller, [0.5, 0.5]);
    controller.reset();
    expect(changes(feed(controller, [0, 0, 0]))).toEqual([]);
  });
});

/**
 * A player like Chromium's at 25 fps: a new rate takes effect 150 ms after it is set (what is
 * buffered plays at the old one), and leaving exactly rate 1 then loses `entryMs` of media time at
 * once; its media clock reads ±0.4 ms off at rate 1 and ±5 ms off at any other rate; a seek freezes
 * it on the target for `seekLatencyMs` before `seeked` (frames keep being reported meanwhile, the
 * worst case).
 */
function simulate(options: { initialError: number; seconds: number; seed: number; entryMs?: number; bufferMs?: number; seekLatencyMs?: number }) {
  const { entryMs = 20, bufferMs = 150, seekLatencyMs = 200 } = options;
  const controller = new DriftController({ nudgeEntryCostMs: 20, bufferMs: 150 });
  const noise = jitter(options.seed, 1);
  const FRAME_MS_25 = 40;
  let error = options.initialError;
  let rate = 1;
  const pending: { at: number; rate: number }[] = [];
  let seekDoneAt: number | null = null;
  let entries = 0;
  const decisions: DriftDecision[] = [];
  const late: number[] = [];
  for (let now = 0; now < options.seconds * 1000; now += FRAME_MS_25) {
    while (pending.length > 0 && pending[0]!.at <= now) {
      const next = pending.shift()!.rate;
      if (rate === 1 && next !== 1) {
        error += entryMs / 1000;
        entries++;
      }
      rate = next;
    }
    if (seekDoneAt !== null && now >= seekDoneAt) {
      seekDoneAt = null;
      controller.notifySeeked(now);
    }
    error -= seekDoneAt === null ? (rate - 1) * (FRAME_MS_25 / 1000) : -(FRAME_MS_25 / 1000);
    const reading = error + noise() * (rate === 1 ? CLOCK_NOISE.atOne : CLOCK_NOISE.stretched);
    const decision = controller.sample({ mediaTime: 10, expected: 10 + reading, targetRate: 1, nowMs: now });
    decisions.push(decision);
    if (decision.kind === 'rate') pending.push({ at: now + bufferMs, rate: decision.rate });
    if (decision.kind === 'seek') {
      error -= decision.position - 10 - reading + error;
      seekDoneAt = now + seekLatencyMs;
    }
    if (now > options.seconds * 1000 - 3000) late.push(error);
  }
  return { decisions, error, rate, entries, late, controller };
}

describe('DriftController against a simulated Chromium player', () => {
  it('brings any error up to 0.9 s back within a few ms at exactly rate 1, entering a nudge at most twice', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        fc.integer(),
        fc.constantFrom(15, 20, 30),
        fc.constantFrom(100, 150, 200),
        (start, seed, entryMs, bufferMs) => {
          const { late, rate, entries, decisions } = simulate({ initialError: start, seconds: 25, seed, entryMs, bufferMs });
          expect(decisions.filter((d) => d.kind === 'seek')).toHaveLength(0);
          expect(entries).toBeLessThanOrEqual(2);
          expect(rate).toBe(1);
          for (const e of late) expect(Math.abs(e)).toBeLessThan(0.007);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('seeks exactly once for errors from 1 s, never loops, and ends at rate 1 on the timeline', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1.05, max: 50, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 20, max: 900 }),
        fc.integer(),
        (size, behind, seekLatencyMs, seed) => {
          const { decisions, error, rate } = simulate({ initialError: behind ? size : -size, seconds: 30, seed, seekLatencyMs });
          expect(decisions.filter((d) => d.kind === 'seek')).toHaveLength(1);
          expect(rate).toBe(1);
          expect(Math.abs(error)).toBeLessThan(0.007);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('aims better on the next seek once it has learned the latency', () => {
    const { controller } = simulate({ initialError: 10, seconds: 5, seed: 1, seekLatencyMs: 600 });
    expect(controller.seekLatencyMs).toBeGreaterThan(DRIFT_DEFAULTS.seekLatencyMs);
  });
});

describe('DriftController: the loss of leaving rate 1', () => {
  const at = (controller: DriftController, error: number) => controller.sample({ mediaTime: 10, expected: 10 + error, targetRate: 1, nowMs: 0 });
  const make = () => new DriftController({ window: 1, minSamples: 1, nudgeEntryCostMs: 20 });

  it('sizes a nudge out of rate 1 for the loss of entering it', () => {
    // Behind by 30: 30 + 20 = 50 ms in 1 s.
    expect(rateOf(at(make(), 0.03))).toBeCloseTo(1.05, 12);
    // Ahead by less than entering loses anyway: a small speed-up for the difference.
    expect(rateOf(at(make(), -0.015))).toBeCloseTo(1.005, 12);
    // Ahead by more: slow down by the rest.
    expect(rateOf(at(make(), -0.06))).toBeCloseTo(0.96, 12);
  });

  it('costs nothing around a room rate other than 1', () => {
    const controller = make();
    controller.retarget(1.5);
    expect(rateOf(controller.sample({ mediaTime: 10, expected: 10.03, targetRate: 1.5, nowMs: 0 }))).toBeCloseTo(1.5 * 1.03, 12);
  });
});

describe('DriftController: retarget', () => {
  it('applies a new room rate at once, forgets errors and drops the nudge', () => {
    const controller = new DriftController({ window: 1, minSamples: 1, nudgeEntryCostMs: 20 });
    controller.sample({ mediaTime: 10, expected: 10.03, targetRate: 1, nowMs: 0 });
    expect(controller.playbackRate).toBeCloseTo(1.05, 12);
    expect(controller.retarget(2)).toEqual({ kind: 'rate', rate: 2 });
    expect(controller.correcting).toBe(false);
    expect(controller.retarget(2)).toEqual({ kind: 'none' });
    expect(controller.retarget(Number.NaN)).toEqual({ kind: 'none' });
    expect(controller.sample({ mediaTime: 10, expected: 10.002, targetRate: 2, nowMs: 1 })).toEqual({ kind: 'none' });
  });
});

describe('DriftController: the nudge after a start', () => {
  const options = { nudgeEntryCostMs: 20 };

  it('removes a start’s miss in about 0.4 s, the entry loss included, at most 8 % off', () => {
    // 30 ms late at rate 1: (30 + 20) ms in 0.4 s is 12.5 %, capped at 8 %.
    expect(new DriftController(options).kick(0.03, 1, 0)).toEqual({ kind: 'rate', rate: 1.08 });
    // 40 ms early: −40 + 20 = −20 ms in 0.4 s is 5 % slower.
    expect(rateOf(new DriftController(options).kick(-0.04, 1, 0))).toBeCloseTo(0.95, 12);
    // From 3 ms on, tighter than the dead band of a playing video.
    expect(rateOf(new DriftController(options).kick(0.004, 1, 0))).toBeCloseTo(1.06, 12);
  });

  it('does nothing for a miss under 3 ms, or for nonsense', () => {
    expect(new DriftController(options).kick(0.0029, 1, 0)).toEqual({ kind: 'none' });
    expect(new DriftController(options).kick(Number.NaN, 1, 0)).toEqual({ kind: 'none' });
  });

  it('returns to exactly the room rate once the miss is made up', () => {
    const controller = new DriftController({ ...options, window: 1, minSamples: 1 });
    controller.kick(0.01, 1, 0);
    expect(controller.playbackRate).toBeGreaterThan(1);
    const at = (error: number, nowMs: number) => controller.sample({ mediaTime: 10, expected: 10 + error, targetRate: 1, nowMs });
    expect(at(0.02, 250)).toEqual({ kind: 'none' });
    expect(rateOf(at(-0.0001, 450))).toBeCloseTo(1.01, 12);
    expect(at(-0.0001, 800)).toEqual({ kind: 'rate', rate: 1 });
  });
});

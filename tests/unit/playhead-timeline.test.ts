import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RATE,
  MIN_RATE,
  SCHEDULE_MARGIN_MS,
  SCHEDULE_MAX_MS,
  SCHEDULE_MIN_MS,
  applyCommand,
  createPlayhead,
  expectedPosition,
  frameCentre,
  frameIndex,
  governingState,
  reopenTimeline,
  scheduleDelay,
  validateCommand,
  type PlayheadCommand,
  type PlayheadState,
} from '../../shared/playhead/index.ts';

const FPS = 25;
const start = createPlayhead({ duration: 100, frameRate: FPS, serverTime: 0 });
const playing = applyCommand(start, { type: 'play' }, 1000);

/** Applies commands one after another, each taking effect at its own time. */
const run = (state: PlayheadState, steps: readonly [PlayheadCommand, number][]): PlayheadState =>
  steps.reduce((s, [command, at]) => applyCommand(s, command, at), state);

/** True when a paused position shows one unambiguous frame: a centre, the very start or a cut-short end. */
const onFrameCentre = (state: PlayheadState): boolean =>
  Math.abs(state.position * state.frameRate - (frameIndex(state.position, state.frameRate) + 0.5)) < 1e-6 ||
  state.position === 0 ||
  state.position === state.duration;

describe('createPlayhead', () => {
  it('starts paused at 0 at rate 1, version 0', () => {
    expect(start).toEqual({ version: 0, paused: true, rate: 1, position: 0, atServerTime: 0, duration: 100, frameRate: 25 });
  });

  it('refuses a frame rate, duration or time that cannot be real', () => {
    expect(() => createPlayhead({ duration: 100, frameRate: 0, serverTime: 0 })).toThrow(RangeError);
    expect(() => createPlayhead({ duration: 100, frameRate: Number.NaN, serverTime: 0 })).toThrow(RangeError);
    expect(() => createPlayhead({ duration: 0, frameRate: 25, serverTime: 0 })).toThrow(RangeError);
    expect(() => createPlayhead({ duration: Infinity, frameRate: 25, serverTime: 0 })).toThrow(RangeError);
    expect(() => createPlayhead({ duration: null, frameRate: 25, serverTime: Number.NaN })).toThrow(RangeError);
  });
});

describe('expectedPosition', () => {
  it('stays put while paused', () => {
    expect(expectedPosition(start, 0)).toBe(0);
    expect(expectedPosition(start, 1_000_000)).toBe(0);
  });

  it('advances at the rate while playing', () => {
    expect(expectedPosition(playing, 1000)).toBe(0);
    expect(expectedPosition(playing, 3500)).toBeCloseTo(2.5, 12);
    const double = applyCommand(playing, { type: 'rate', rate: 2 }, 3500);
    expect(expectedPosition(double, 4500)).toBeCloseTo(4.5, 12);
  });

  it('stops at the duration and never goes below 0', () => {
    expect(expectedPosition(playing, 1000 + 200_000)).toBe(100);
    expect(expectedPosition(playing, 0)).toBe(0);
  });

  it('has no upper bound while the duration is unknown', () => {
    const open = applyCommand(createPlayhead({ duration: null, frameRate: FPS, serverTime: 0 }), { type: 'play' }, 0);
    expect(expectedPosition(open, 500_000)).toBe(500);
  });
});

describe('applyCommand', () => {
  it('plays from the paused position from effectiveAt on', () => {
    expect(playing).toMatchObject({ version: 1, paused: false, position: 0, atServerTime: 1000 });
  });

  it('pauses on the centre of the frame on screen at effectiveAt', () => {
    // 10.01 s in is inside frame 250 (10.00–10.04), so everyone stops at its centre, 10.02.
    const paused = applyCommand(playing, { type: 'pause' }, 11_010);
    expect(paused).toMatchObject({ version: 2, paused: true, atServerTime: 11_010 });
    expect(paused.position).toBeCloseTo(10.02, 12);
    expect(expectedPosition(paused, 99_999)).toBe(paused.position);
  });

  it('pauses on the last frame, clamped to a duration that cuts it short', () => {
    const short = applyCommand(createPlayhead({ duration: 10.01, frameRate: FPS, serverTime: 0 }), { type: 'play' }, 0);
    expect(applyCommand(short, { type: 'pause' }, 60_000).position).toBe(10.01);
    const whole = applyCommand(createPlayhead({ duration: 10, frameRate: FPS, serverTime: 0 }), { type: 'play' }, 0);
    expect(applyCommand(whole, { type: 'pause' }, 60_000).position).toBeCloseTo(9.98, 12);
  });

  it('keeps playing from the new position after a seek while playing', () => {
    const seeked = applyCommand(playing, { type: 'seek', position: 42.123 }, 5000);
    expect(seeked).toMatchObject({ paused: false, position: 42.123, atServerTime: 5000 });
    expect(expectedPosition(seeked, 6000)).toBeCloseTo(43.123, 12);
  });

  it('snaps a seek while paused to a frame centre', () => {
    const seeked = applyCommand(start, { type: 'seek', position: 42.123 }, 5000);
    expect(seeked.paused).toBe(true);
    expect(seeked.position).toBeCloseTo(frameCentre(1053, FPS), 12);
  });

  it('clamps seeks to the recording', () => {
    expect(applyCommand(playing, { type: 'seek', position: -3 }, 2000).position).toBe(0);
    expect(applyCommand(playing, { type: 'seek', position: 1e9 }, 2000).position).toBe(100);
  });

  it('jumps relative to where the timeline is at effectiveAt', () => {
    expect(applyCommand(playing, { type: 'jump', seconds: 5 }, 11_000).position).toBeCloseTo(15, 12);
    expect(applyCommand(playing, { type: 'jump', seconds: -1 }, 11_000).position).toBeCloseTo(9, 12);
    expect(applyCommand(playing, { type: 'jump', seconds: -5 }, 2000).position).toBe(0);
    const paused = applyCommand(start, { type: 'jump', seconds: 1 }, 0);
    expect(paused.paused).toBe(true);
    expect(paused.position).toBeCloseTo(1.02, 12);
  });

  it('steps whole frames and pauses', () => {
    const stepped = applyCommand(playing, { type: 'step', frames: 1 }, 11_010);
    expect(stepped.paused).toBe(true);
    expect(stepped.position).toBeCloseTo(frameCentre(251, FPS), 12);
    const back = run(stepped, [
      [{ type: 'step', frames: -1 }, 12_000],
      [{ type: 'step', frames: -1 }, 13_000],
    ]);
    expect(back.position).toBeCloseTo(frameCentre(249, FPS), 12);
  });

  it('does not step before the first or past the last frame', () => {
    expect(applyCommand(start, { type: 'step', frames: -1 }, 0).position).toBeCloseTo(0.02, 12);
    const end = applyCommand(start, { type: 'seek', position: 100 }, 0);
    expect(end.position).toBeCloseTo(99.98, 12);
    expect(applyCommand(end, { type: 'step', frames: 1 }, 0).position).toBeCloseTo(99.98, 12);
  });

  it('changes rate without a jump and clamps it', () => {
    const faster = applyCommand(playing, { type: 'rate', rate: 1.5 }, 5000);
    expect(faster).toMatchObject({ rate: 1.5, paused: false, atServerTime: 5000 });
    expect(faster.position).toBeCloseTo(4, 12);
    expect(applyCommand(playing, { type: 'rate', rate: 7 }, 5000).rate).toBe(MAX_RATE);
    expect(applyCommand(playing, { type: 'rate', rate: 0.01 }, 5000).rate).toBe(MIN_RATE);
    expect(applyCommand(start, { type: 'rate', rate: 0.5 }, 5000)).toMatchObject({ rate: 0.5, paused: true, position: 0 });
  });

  it('starts again from the beginning when play is pressed at the end', () => {
    const ended = applyCommand(playing, { type: 'play' }, 1000 + 150_000);
    expect(ended).toMatchObject({ paused: false, position: 0, atServerTime: 151_000 });
  });

  it('counts every command, even one that changes nothing visible', () => {
    const again = applyCommand(playing, { type: 'play' }, 3000);
    expect(again.version).toBe(2);
    expect(expectedPosition(again, 4000)).toBeCloseTo(expectedPosition(playing, 4000), 12);
  });

  it('never lets server time run backwards on the timeline', () => {
    const late = applyCommand(playing, { type: 'pause' }, 500);
    expect(late.atServerTime).toBe(1000);
    expect(late.position).toBeCloseTo(0.02, 12);
  });

  it('refuses a non-finite effectiveAt', () => {
    expect(() => applyCommand(start, { type: 'play' }, Number.NaN)).toThrow(RangeError);
  });
});

describe('governingState', () => {
  const scheduledPause = applyCommand(playing, { type: 'pause' }, 10_200);

  it('follows the old state until a scheduled one takes effect', () => {
    expect(governingState([playing, scheduledPause], 10_100)).toBe(playing);
    expect(governingState([scheduledPause, playing], 10_200)).toBe(scheduledPause);
  });

  it('falls back to the oldest state when none is in effect yet, and to undefined for none', () => {
    expect(governingState([scheduledPause, playing], 500)).toBe(playing);
    expect(governingState([], 0)).toBeUndefined();
  });
});

describe('reopenTimeline', () => {
  const stored = { version: 7, paused: false, rate: 2, position: 10.02, at: 1_000_000, aliveAt: 1_003_000, duration: 100, frameRate: FPS };

  it('reopens a paused timeline exactly where it was, with versions going on', () => {
    const paused = { ...stored, paused: true, aliveAt: stored.at };
    expect(reopenTimeline(paused, 55)).toEqual({ version: 8, paused: true, rate: 2, position: 10.02, atServerTime: 55, duration: 100, frameRate: FPS });
  });

  it('stops a timeline that was playing where it was last known to play, on a frame centre, within the recording', () => {
    // 3 s at rate 2 from 10.02: 16.02, frame 400's centre.
    expect(reopenTimeline(stored, 0)).toMatchObject({ paused: true, position: 16.02 });
    // Never before the state itself took effect; past the end, on the last frame.
    expect(reopenTimeline({ ...stored, aliveAt: 0 }, 0).position).toBe(10.02);
    expect(reopenTimeline({ ...stored, aliveAt: stored.at + 60_000 }, 0).position).toBe(frameCentre(2499, FPS));
  });
});

describe('scheduleDelay', () => {
  const client = (rttMs: number | null, rttSpreadMs = 0, startLatencyMs = 70) => ({ rttMs, rttSpreadMs, startLatencyMs });

  it('gives the slowest client its one-way delay and the jitter of its path, plus a margin', () => {
    expect(scheduleDelay([client(40), client(300, 30), client(120, 50)], false)).toBe(150 + 30 + SCHEDULE_MARGIN_MS);
  });

  it('adds each client’s own start latency to anything that starts playback', () => {
    // 10 + 5 + 40 against 2 + 0 + 90: the quick start of the far one does not decide.
    expect(scheduleDelay([client(20, 5, 40), client(4, 0, 90)], true)).toBe(92 + SCHEDULE_MARGIN_MS);
    expect(scheduleDelay([client(200, 5, 40), client(4, 0, 90)], true)).toBe(145 + SCHEDULE_MARGIN_MS);
  });

  it('stays within 60–600 ms', () => {
    expect(scheduleDelay([], true)).toBe(SCHEDULE_MIN_MS);
    expect(scheduleDelay([client(2), client(4)], false)).toBe(SCHEDULE_MIN_MS);
    expect(scheduleDelay([client(5000)], false)).toBe(SCHEDULE_MAX_MS);
  });

  it('ignores measurements that cannot be real, and a client without a round trip yet', () => {
    expect(scheduleDelay([client(Number.NaN), client(Infinity, Number.NaN, -5), client(-400), client(null, 0, 60), client(300)], true)).toBe(150 + 70 + SCHEDULE_MARGIN_MS);
  });
});

describe('validateCommand', () => {
  it('accepts each kind of command and drops extra fields', () => {
    expect(validateCommand({ type: 'play', extra: 1 })).toEqual({ ok: true, command: { type: 'play' } });
    expect(validateCommand({ type: 'pause' })).toEqual({ ok: true, command: { type: 'pause' } });
    expect(validateCommand({ type: 'seek', position: 12.5 })).toEqual({ ok: true, command: { type: 'seek', position: 12.5 } });
    expect(validateCommand({ type: 'seek', position: -1 })).toEqual({ ok: true, command: { type: 'seek', position: -1 } });
    expect(validateCommand({ type: 'rate', rate: 0.25 })).toEqual({ ok: true, command: { type: 'rate', rate: 0.25 } });
    expect(validateCommand({ type: 'rate', rate: 2 })).toEqual({ ok: true, command: { type: 'rate', rate: 2 } });
    expect(validateCommand({ type: 'step', frames: -1 })).toEqual({ ok: true, command: { type: 'step', frames: -1 } });
    expect(validateCommand({ type: 'jump', seconds: 5 })).toEqual({ ok: true, command: { type: 'jump', seconds: 5 } });
  });

  it.each([
    ['null', null],
    ['a string', 'play'],
    ['an array', [{ type: 'play' }]],
    ['no type', {}],
    ['an unknown type', { type: 'rewind' }],
    ['a seek without position', { type: 'seek' }],
    ['a seek to NaN', { type: 'seek', position: Number.NaN }],
    ['a seek to Infinity', { type: 'seek', position: Infinity }],
    ['a seek given as text', { type: 'seek', position: '12' }],
    ['a rate below the minimum', { type: 'rate', rate: 0.2 }],
    ['a rate above the maximum', { type: 'rate', rate: 2.5 }],
    ['a NaN rate', { type: 'rate', rate: Number.NaN }],
    ['a fractional step', { type: 'step', frames: 0.5 }],
    ['a zero step', { type: 'step', frames: 0 }],
    ['an enormous step', { type: 'step', frames: 1e300 }],
    ['a zero jump', { type: 'jump', seconds: 0 }],
    ['an infinite jump', { type: 'jump', seconds: -Infinity }],
  ])('rejects %s', (_, input) => {
    const result = validateCommand(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/\w/);
  });
});

// ---- properties ------------------------------------------------------------------------------

const commandArb: fc.Arbitrary<PlayheadCommand> = fc.oneof(
  fc.constant({ type: 'play' as const }),
  fc.constant({ type: 'pause' as const }),
  fc.record({ type: fc.constant('seek' as const), position: fc.double({ min: -50, max: 20_000, noNaN: true }) }),
  fc.record({ type: fc.constant('rate' as const), rate: fc.double({ min: MIN_RATE, max: MAX_RATE, noNaN: true }) }),
  fc.record({ type: fc.constant('step' as const), frames: fc.constantFrom(-1, 1) }),
  fc.record({ type: fc.constant('jump' as const), seconds: fc.constantFrom(-5, -1, 1, 5) }),
);

const roomArb = fc.record({
  duration: fc.option(fc.double({ min: 0.1, max: 10_000, noNaN: true }), { nil: null }),
  frameRate: fc.constantFrom(23.976, 24, 25, 29.97, 30, 50, 59.94, 60),
});

/** A command as the server sees it: after a gap since the previous one, with the room's RTTs then. */
const arrivalArb = fc.record({
  command: commandArb,
  gapMs: fc.integer({ min: 0, max: 5000 }),
  rttsMs: fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 6 }),
});

function expectValid(state: PlayheadState): void {
  for (const value of [state.version, state.position, state.rate, state.atServerTime]) expect(Number.isFinite(value)).toBe(true);
  expect(state.position).toBeGreaterThanOrEqual(0);
  if (state.duration !== null) expect(state.position).toBeLessThanOrEqual(state.duration);
  expect(state.rate).toBeGreaterThanOrEqual(MIN_RATE);
  expect(state.rate).toBeLessThanOrEqual(MAX_RATE);
  if (state.paused) expect(onFrameCentre(state)).toBe(true);
}

describe('timeline properties', () => {
  it('two replicas applying the same server-ordered commands end identical, also over the wire', () => {
    fc.assert(
      fc.property(roomArb, fc.array(arrivalArb, { maxLength: 40 }), (room, arrivals) => {
        let serverTime = 0;
        let server = createPlayhead({ ...room, serverTime });
        let replica: PlayheadState = JSON.parse(JSON.stringify(server));
        for (const { command, gapMs, rttsMs } of arrivals) {
          serverTime += gapMs;
          const effectiveAt = serverTime + scheduleDelay(rttsMs.map((rttMs) => ({ rttMs, rttSpreadMs: 0, startLatencyMs: 70 })), command.type === 'play');
          server = applyCommand(server, command, effectiveAt);
          // The replica receives the command as JSON and must validate it like the server would.
          const received = validateCommand(JSON.parse(JSON.stringify(command)));
          if (!received.ok) throw new Error(received.message);
          replica = applyCommand(replica, received.command, effectiveAt);
          expect(JSON.parse(JSON.stringify(server))).toStrictEqual(server);
        }
        expect(replica).toStrictEqual(server);
      }),
    );
  });

  it('any interleaving of two users yields a valid state after every command', () => {
    const userArb = fc.array(fc.record({ command: commandArb, atMs: fc.integer({ min: 0, max: 60_000 }) }), { maxLength: 25 });
    fc.assert(
      fc.property(roomArb, userArb, userArb, fc.integer({ min: 0, max: 2000 }), (room, alice, bob, rttMs) => {
        // The server handles commands in order of arrival; the last to arrive wins.
        const arrivals = [...alice, ...bob].sort((a, b) => a.atMs - b.atMs);
        let state = createPlayhead({ ...room, serverTime: 0 });
        arrivals.forEach(({ command, atMs }, index) => {
          const next = applyCommand(state, command, atMs + scheduleDelay([{ rttMs, rttSpreadMs: 0, startLatencyMs: 70 }], command.type === 'play'));
          expectValid(next);
          expect(next.version).toBe(index + 1);
          expect(next.atServerTime).toBeGreaterThanOrEqual(state.atServerTime);
          const later = expectedPosition(next, next.atServerTime + 3_600_000);
          expect(later).toBeGreaterThanOrEqual(0);
          if (next.duration !== null) expect(later).toBeLessThanOrEqual(next.duration);
          state = next;
        });
        expect(state.version).toBe(arrivals.length);
      }),
    );
  });

  it('play, pause and rate never make the picture jump by more than half a frame', () => {
    const smoothArb = fc.constantFrom<PlayheadCommand>(
      { type: 'play' },
      { type: 'pause' },
      { type: 'rate', rate: 0.5 },
      { type: 'rate', rate: 1.75 },
    );
    fc.assert(
      fc.property(
        roomArb,
        fc.array(arrivalArb, { maxLength: 15 }),
        smoothArb,
        fc.integer({ min: 0, max: 100_000 }),
        (room, history, command, waitMs) => {
          const before = history.reduce(
            (s, { command: c, gapMs }) => applyCommand(s, c, s.atServerTime + gapMs),
            createPlayhead({ ...room, serverTime: 0 }),
          );
          const at = before.atServerTime + waitMs;
          const after = applyCommand(before, command, at);
          const was = expectedPosition(before, at);
          const restarted = command.type === 'play' && before.duration !== null && was >= before.duration;
          if (!restarted) expect(Math.abs(expectedPosition(after, at) - was)).toBeLessThanOrEqual(0.5 / room.frameRate + 1e-9);
        },
      ),
    );
  });
});

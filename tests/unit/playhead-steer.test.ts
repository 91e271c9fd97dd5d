import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCommand, createPlayhead, expectedPosition, frameCentre, type PlayheadState } from '../../shared/playhead/index.ts';
import {
  committedState,
  HAVE_CURRENT_DATA,
  HAVE_FUTURE_DATA,
  nextChangeAt,
  PREROLL_MAX_MS,
  PREROLL_SLACK_MS,
  PREROLL_TRIES,
  START_TOLERANCE,
  steer,
  type Preroll,
  type SteerInput,
  type VideoView,
} from '../../shared/playhead/steer.ts';

const L = 70;
const T = 10_000;
const P = frameCentre(100, 25);
/** v1 paused on P since 0; v2 plays from P at T: a resume after a seek while playing. */
const paused = applyCommand(createPlayhead({ duration: 60, frameRate: 25, serverTime: 0 }), { type: 'seek', position: 4 }, 0);
const playing = applyCommand(paused, { type: 'play' }, T);
const states = [paused, playing];

const video = (view: Partial<VideoView> = {}): VideoView => ({
  paused: true,
  seeking: false,
  currentTime: P,
  readyState: HAVE_FUTURE_DATA + 1,
  duration: 60,
  landed: P,
  seekTarget: null,
  ...view,
});

const input = (now: number, view: Partial<VideoView> = {}, more: Partial<SteerInput> = {}): SteerInput => ({
  states,
  now,
  applied: -1,
  startLatencyMs: L,
  seekLatencyMs: 300,
  lastSeekMs: null,
  video: video(view),
  preroll: null,
  ...more,
});

describe('committedState', () => {
  it('looks ahead to a play within the start latency while the governing state is paused, whatever the video does', () => {
    expect(committedState(states, T - L - 1, L, -1)).toBe(paused);
    expect(committedState(states, T - L, L, -1)).toBe(playing);
    expect(committedState(states, T - 1, L, paused.version)).toBe(playing);
  });

  it('does not look ahead past a playing state, and never goes back below the applied version', () => {
    const rate = applyCommand(playing, { type: 'rate', rate: 1.5 }, T + 5000);
    expect(committedState([playing, rate], T + 5000 - 10, L, -1)).toBe(playing);
    // Applied v2 early; the start latency learned meanwhile shrank to 0: v2 stays.
    expect(committedState(states, T - 30, 0, playing.version)).toBe(playing);
  });
});

describe('nextChangeAt', () => {
  it('wakes a play after a pause its start latency early, anything else at its instant', () => {
    expect(nextChangeAt(states, 0, L, -1)).toBe(T - L);
    const rate = applyCommand(playing, { type: 'rate', rate: 1.5 }, T + 5000);
    expect(nextChangeAt([playing, rate], T + 1000, L, playing.version)).toBe(T + 5000);
    const pause = applyCommand(playing, { type: 'pause' }, T + 5000);
    expect(nextChangeAt([playing, pause], T + 1000, L, playing.version)).toBe(T + 5000);
    expect(nextChangeAt([playing, pause], T + 6000, L, pause.version)).toBeNull();
  });
});

describe('steer: a scheduled start', () => {
  it('holds on the frame and reports ready, then starts exactly the start latency early', () => {
    expect(steer(input(T - 500))).toEqual({ kind: 'hold', state: paused, position: P, action: 'ready' });
    expect(steer(input(T - 500, { readyState: HAVE_CURRENT_DATA }))).toMatchObject({ kind: 'hold', action: 'landed' });
    expect(steer(input(T - L))).toEqual({ kind: 'start', state: playing, at: T - L });
  });

  it('is never undone: between the early play() and the instant, no event makes it hold the older paused state', () => {
    // Any interleaving of video events (playing, canplay, seeked, a timer) after T − L, each one a
    // reconcile with the video as the decisions left it, while the learned start latency changes.
    // (The first within START_TOLERANCE of T − L, so that it starts rather than prerolls.)
    const event = fc.record({ dt: fc.double({ min: 0, max: 1000 * START_TOLERANCE - 1, noNaN: true }), latency: fc.double({ min: 0, max: 2 * L, noNaN: true }), readyState: fc.integer({ min: 1, max: 4 }) });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 30 }), (events) => {
        let view = video();
        let applied = -1;
        let started = false;
        for (const { dt, latency, readyState } of [...events].sort((a, b) => a.dt - b.dt)) {
          const decision = steer(input(T - L + dt, { ...view, readyState: started ? readyState : view.readyState }, { applied, startLatencyMs: started ? latency : L }));
          if (decision.kind === 'none') throw new Error('no decision');
          if (started) expect(decision).toEqual({ kind: 'follow', state: playing });
          if (decision.kind === 'start') {
            started = true;
            view = { ...view, paused: false, landed: null };
          }
          applied = Math.max(applied, decision.state.version);
        }
        expect(started).toBe(true);
      }),
    );
  });

  it('starts at once, within the tolerance, when the state arrives late; prerolls when it arrives later still', () => {
    // 45 ms late: the video is 45 ms behind where playback would begin; the drift controller takes that.
    expect(steer(input(T - L + 45, {}, { states: [playing] }))).toEqual({ kind: 'start', state: playing, at: T - L + 45 });
    const late = steer(input(T, {}, { states: [playing] }));
    expect(late).toMatchObject({ kind: 'preroll', seek: true });
  });
});

describe('steer: holding a paused frame', () => {
  it('seeks unless a completed seek put the video exactly there', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 60, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 60, noNaN: true })),
        fc.boolean(),
        (currentTime, landed, videoPaused) => {
          fc.pre(landed !== P);
          const decision = steer(input(0, { currentTime, landed: landed ?? null, paused: videoPaused }, { states: [paused] }));
          expect(decision.kind).toBe('hold');
          expect(['seek', 'reseek']).toContain((decision as { action: string }).action);
        },
      ),
    );
  });

  it('seeks just below the paused position when the video shows exactly that time without having sought there', () => {
    // After pause() from playback the picture is the last frame presented, not necessarily this one.
    expect(steer(input(0, { currentTime: P, landed: null }, { states: [paused] }))).toMatchObject({ kind: 'hold', action: 'reseek' });
  });

  it('waits for its own seek, and seeks again for a different target', () => {
    expect(steer(input(0, { seeking: true, seekTarget: P, landed: null }, { states: [paused] }))).toMatchObject({ action: 'wait' });
    expect(steer(input(0, { seeking: true, seekTarget: 9, landed: null }, { states: [paused] }))).toMatchObject({ action: 'seek' });
  });

  it('shows the last frame once the timeline has run past the end', () => {
    const short = applyCommand(createPlayhead({ duration: 5, frameRate: 25, serverTime: 0 }), { type: 'play' }, 0);
    expect(steer(input(6000, { paused: false, landed: null }, { states: [short] }))).toMatchObject({ kind: 'hold', position: 5, action: 'seek' });
  });
});

describe('steer: a late joiner (preroll)', () => {
  const joined = applyCommand(createPlayhead({ duration: 60, frameRate: 25, serverTime: 0 }), { type: 'play' }, 0);
  const now = 12_345;
  const margin = 300 + L + PREROLL_SLACK_MS;

  it('seeks to where the timeline will be once seek and start are done, and starts when the timeline gets there', () => {
    const first = steer(input(now, { currentTime: 0, landed: null }, { states: [joined] }));
    expect(first).toEqual({
      kind: 'preroll',
      state: joined,
      seek: true,
      plan: { version: joined.version, target: expectedPosition(joined, now + margin), startAt: now + margin, tries: 1 },
    });
    const plan = (first as { plan: Preroll }).plan;
    // Seeking: wait. Landed with data, 250 ms later: start the start latency before the timeline reaches the target.
    expect(steer(input(now + 100, { seeking: true, seekTarget: plan.target, landed: null }, { states: [joined], preroll: plan }))).toMatchObject({ kind: 'preroll', seek: false });
    expect(steer(input(now + 250, { currentTime: plan.target, landed: plan.target }, { states: [joined], preroll: plan }))).toEqual({ kind: 'start', state: joined, at: plan.startAt - L });
  });

  it('aims again by what the seek really took when it landed too late, and gives up aiming after a few tries', () => {
    const plan: Preroll = { version: joined.version, target: 12.7, startAt: 12_700, tries: 1 };
    const again = steer(input(12_900, { currentTime: 12.7, landed: 12.7 }, { states: [joined], preroll: plan, lastSeekMs: 800 }));
    expect(again).toMatchObject({ kind: 'preroll', seek: true, plan: { tries: 2, startAt: 12_900 + 1000 + L + PREROLL_SLACK_MS } });
    const slowest = steer(input(12_900, { currentTime: 12.7, landed: 12.7 }, { states: [joined], preroll: plan, lastSeekMs: 60_000 }));
    expect((slowest as { plan: Preroll }).plan.startAt).toBe(12_900 + PREROLL_MAX_MS);
    expect(steer(input(12_900, { currentTime: 12.7, landed: 12.7 }, { states: [joined], preroll: { ...plan, tries: PREROLL_TRIES } }))).toEqual({ kind: 'start', state: joined, at: 12_900 });
  });

  it('follows once playing', () => {
    expect(steer(input(now, { paused: false, landed: null, currentTime: 12.3 }, { states: [joined] }))).toEqual({ kind: 'follow', state: joined });
  });
});

describe('steer: nothing to go by', () => {
  it('decides nothing without states', () => {
    expect(steer(input(0, {}, { states: [] as PlayheadState[] }))).toEqual({ kind: 'none' });
  });
});

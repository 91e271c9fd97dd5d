/**
 * What one browser does with its video to be on the shared timeline, decided without any I/O:
 * client/src/playhead/sync.svelte.ts gathers the input (the states it holds, the server time, its
 * learned latencies, the video's state) and carries out the decision.
 *
 * Two rules make a scheduled start stick:
 * - A start is begun early by the start latency, so a play that takes effect within that time is
 *   already in force: the *committed* state looks ahead to it whenever the governing state is
 *   paused, whatever the video is doing. (Looking ahead only while the video was paused let the
 *   `playing` event of an early start re-apply the paused state still in force and undo it.)
 * - The committed state never goes back to a version older than the one the video already follows.
 *
 * And a paused frame is only trusted when a seek put it there: after pause() from playback the
 * picture is the last frame presented, which need not be the frame containing currentTime, so a
 * hold seeks unless the last completed seek landed exactly on its position with nothing played
 * since.
 */
import { expectedPosition, governingState, type PlayheadState } from './timeline.ts';

/** The media element's readyState values the decisions use. */
export const HAVE_CURRENT_DATA = 2;
export const HAVE_FUTURE_DATA = 3;

/**
 * A paused video within this (s) of where the timeline will be when it starts is started directly:
 * the drift controller's kick removes 60 ms in under a second, while a preroll costs a seek plus
 * the start latency (0.3–0.5 s) before anything plays.
 */
export const START_TOLERANCE = 0.06;
/** A planned start missed by up to this (ms) still starts (the drift controller takes the rest). */
export const LATE_START_MS = 10;
/** Preroll margin bounds (ms): the seek, the start latency and a little slack must fit in it. */
export const PREROLL_MIN_MS = 150;
export const PREROLL_MAX_MS = 2000;
export const PREROLL_SLACK_MS = 30;
/** A preroll whose seek keeps landing too late gives up aiming after this many tries and starts. */
export const PREROLL_TRIES = 3;
/** A position this close (s) below a frame's centre still shows that frame: a nudge for a re-seek. */
export const RESEEK_NUDGE = 1e-6;

export interface VideoView {
  readonly paused: boolean;
  readonly seeking: boolean;
  readonly currentTime: number;
  readonly readyState: number;
  /** NaN while unknown. */
  readonly duration: number;
  /** Where the last completed seek landed, while nothing has played since; otherwise null. */
  readonly landed: number | null;
  /** Where the seek in flight goes; null without one. */
  readonly seekTarget: number | null;
}

/** A paused video seeking to where the timeline will be, to start when the timeline gets there. */
export interface Preroll {
  readonly version: number;
  /** Position (s) the video seeks to. */
  readonly target: number;
  /** Server time (ms) at which the timeline reaches `target`: playback must begin then. */
  readonly startAt: number;
  readonly tries: number;
}

export interface SteerInput {
  readonly states: readonly PlayheadState[];
  /** Server time now (ms). */
  readonly now: number;
  /** Version of the state the video follows already (-1: none). */
  readonly applied: number;
  /** From play() to the media clock moving (ms). */
  readonly startLatencyMs: number;
  /** A seek's 90th percentile (ms). */
  readonly seekLatencyMs: number;
  /** The last seek's own duration (ms), when it took longer than planned; null otherwise. */
  readonly lastSeekMs: number | null;
  readonly video: VideoView;
  readonly preroll: Preroll | null;
}

export type HoldAction =
  /** Seek to the position. */
  | 'seek'
  /** The video shows exactly that time without a seek having put it there: seek just below it first. */
  | 'reseek'
  /** A seek there is under way. */
  | 'wait'
  /** On the frame, waiting for enough data to play on. */
  | 'landed'
  /** On the frame with data to play on: report `ready`. */
  | 'ready';

export type Steer =
  | { readonly kind: 'none' }
  /** Pause (if playing) on `position`. */
  | { readonly kind: 'hold'; readonly state: PlayheadState; readonly position: number; readonly action: HoldAction }
  /** Call play() at server time `at` (at once if it is not in the future). */
  | { readonly kind: 'start'; readonly state: PlayheadState; readonly at: number }
  /** Pause (if playing) and follow `plan`; `seek`: seek to its target now. */
  | { readonly kind: 'preroll'; readonly state: PlayheadState; readonly plan: Preroll; readonly seek: boolean }
  /** Playing: the drift controller keeps it on the timeline. */
  | { readonly kind: 'follow'; readonly state: PlayheadState };

/**
 * The state a client steers by at `now`: the governing one, or, while that is paused, a play that
 * takes effect within the start latency; never one older than the version already applied.
 */
export function committedState(states: readonly PlayheadState[], now: number, startLatencyMs: number, applied: number): PlayheadState | undefined {
  const governing = governingState(states, now);
  if (!governing) return undefined;
  let state = governing;
  if (governing.paused) {
    const soon = governingState(states, now + startLatencyMs);
    if (soon && !soon.paused && soon.version > governing.version) state = soon;
  }
  if (state.version < applied) state = states.find((s) => s.version === applied) ?? state;
  return state;
}

/**
 * The next server time after `now` at which `committedState` changes by itself (a scheduled state
 * coming into force, a play its start latency early), or null.
 */
export function nextChangeAt(states: readonly PlayheadState[], now: number, startLatencyMs: number, applied: number): number | null {
  const current = committedState(states, now, startLatencyMs, applied);
  let before = current;
  let next: number | null = null;
  for (const state of [...states].sort((a, b) => a.version - b.version)) {
    if (current && state.version <= current.version) continue;
    // A play after a pause is begun its start latency early; anything else changes at its instant.
    const trigger = !state.paused && before?.paused ? state.atServerTime - startLatencyMs : state.atServerTime;
    if (trigger > now && (next === null || trigger < next)) next = trigger;
    before = state;
  }
  return next;
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** Server time at which a playing state's timeline reaches `position`. */
const reachedAt = (state: PlayheadState, position: number): number => state.atServerTime + ((position - state.position) / state.rate) * 1000;

export function steer(input: SteerInput): Steer {
  const { states, now, applied, startLatencyMs: latency, video } = input;
  const state = committedState(states, now, latency, applied);
  if (!state) return { kind: 'none' };
  const end = Number.isFinite(video.duration) ? video.duration : Infinity;
  if (state.paused) return hold(state, Math.min(state.position, end), video);

  // Where playback begins if play() is called now, or at the start latency before the state
  // takes effect when that is still ahead.
  const beginsAt = Math.max(state.atServerTime, now + latency);
  const from = expectedPosition(state, beginsAt);
  if (from >= Math.min(end, state.duration ?? Infinity)) {
    // The timeline has run to the end: show the last frame, as everyone else does.
    return hold(state, Math.min(end, state.duration ?? end), video);
  }
  if (!video.paused) return { kind: 'follow', state };

  const plan = input.preroll?.version === state.version ? input.preroll : null;
  if (plan) {
    if (video.seeking) return { kind: 'preroll', state, plan, seek: video.seekTarget !== plan.target };
    if (video.landed !== plan.target) return { kind: 'preroll', state, plan, seek: true };
    const at = plan.startAt - latency;
    if (at >= now - LATE_START_MS) {
      // On the target: start on time once there is data to play on (canplay brings us back).
      return video.readyState >= HAVE_FUTURE_DATA ? { kind: 'start', state, at } : { kind: 'preroll', state, plan, seek: false };
    }
    if (plan.tries >= PREROLL_TRIES) return { kind: 'start', state, at: now };
    // The seek took longer than planned: aim once more, by what it really took.
    const observed = Math.max(input.seekLatencyMs, 1.25 * (input.lastSeekMs ?? input.seekLatencyMs));
    return { kind: 'preroll', state, plan: planPreroll(state, now, observed + latency + PREROLL_SLACK_MS, plan.tries + 1), seek: true };
  }

  if (!video.seeking && Math.abs(video.currentTime - from) <= START_TOLERANCE && video.readyState >= HAVE_CURRENT_DATA) {
    return { kind: 'start', state, at: beginsAt - latency };
  }
  return { kind: 'preroll', state, plan: planPreroll(state, now, input.seekLatencyMs + latency + PREROLL_SLACK_MS, 1), seek: true };
}

function planPreroll(state: PlayheadState, now: number, marginMs: number, tries: number): Preroll {
  const startAt = Math.max(state.atServerTime, now + clamp(marginMs, PREROLL_MIN_MS, PREROLL_MAX_MS));
  const target = expectedPosition(state, startAt);
  return { version: state.version, target, startAt: reachedAt(state, target), tries };
}

function hold(state: PlayheadState, position: number, video: VideoView): Steer {
  const step = (action: HoldAction): Steer => ({ kind: 'hold', state, position, action });
  if (video.seeking) return step(video.seekTarget === position ? 'wait' : 'seek');
  if (video.landed === position) return step(video.readyState >= HAVE_FUTURE_DATA ? 'ready' : 'landed');
  // Chromium skips a seek to the time it already shows, frame on screen or not.
  if (video.currentTime === position) return step('reseek');
  return step('seek');
}

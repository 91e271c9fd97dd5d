/**
 * The room's shared timeline. The server owns it: it validates each command, serialises commands in
 * order of arrival ("last command wins") and applies them with `applyCommand`, then broadcasts the
 * resulting state. Clients never predict the state; they only extrapolate it with
 * `expectedPosition` on the server clock (see clock.ts) and steer their video towards it (drift.ts).
 *
 * A command takes effect at `effectiveAt`, a server time slightly in the future (`scheduleDelay`),
 * so the new state reaches every client before it governs and all of them change at the same
 * instant: the same frame when pausing, the same moment when seeking.
 */
import { firstFrameFrom, frameCentre, frameIndex } from './frames.ts';

export const MIN_RATE = 0.25;
export const MAX_RATE = 2;

export interface PlayheadState {
  /** One more per applied command, so clients can order states and drop stale ones. */
  readonly version: number;
  readonly paused: boolean;
  /** Playback rate of the timeline, MIN_RATE to MAX_RATE. */
  readonly rate: number;
  /** Seconds into the recording at `atServerTime`. */
  readonly position: number;
  /** Server clock (ms) from which this state governs; never decreases from one version to the next. */
  readonly atServerTime: number;
  /** Seconds, or null while unknown (positions are then only kept at or above 0). */
  readonly duration: number | null;
  /** Frames per second of the recording, for frame steps and the shared paused frame. */
  readonly frameRate: number;
}

export type PlayheadCommand =
  | { readonly type: 'play' }
  | { readonly type: 'pause' }
  | { readonly type: 'seek'; readonly position: number }
  | { readonly type: 'rate'; readonly rate: number }
  | { readonly type: 'step'; readonly frames: number }
  | { readonly type: 'jump'; readonly seconds: number };

export interface NewPlayhead {
  readonly duration: number | null;
  readonly frameRate: number;
  readonly serverTime: number;
}

/** A paused timeline at the start of the recording, at rate 1. */
export function createPlayhead({ duration, frameRate, serverTime }: NewPlayhead): PlayheadState {
  if (!(Number.isFinite(frameRate) && frameRate > 0)) throw new RangeError('frameRate must be a positive number');
  if (duration !== null && !(Number.isFinite(duration) && duration > 0)) {
    throw new RangeError('duration must be a positive number or null');
  }
  if (!Number.isFinite(serverTime)) throw new RangeError('serverTime must be a finite number');
  return { version: 0, paused: true, rate: 1, position: 0, atServerTime: serverTime, duration, frameRate };
}

export const clampRate = (rate: number): number => Math.min(MAX_RATE, Math.max(MIN_RATE, rate));

// `+ 0` turns -0 into 0, so a state survives a JSON round trip unchanged (JSON has no -0).
function clampPosition(state: PlayheadState, position: number): number {
  const atLeastZero = Math.max(0, position);
  return (state.duration === null ? atLeastZero : Math.min(atLeastZero, state.duration)) + 0;
}

/** Where the timeline is at `serverTimeMs`: extrapolated at `rate` while playing, frozen while paused. */
export function expectedPosition(state: PlayheadState, serverTimeMs: number): number {
  if (state.paused) return state.position;
  return clampPosition(state, state.position + ((serverTimeMs - state.atServerTime) / 1000) * state.rate);
}

function lastFrame(state: PlayheadState): number {
  return state.duration === null ? Infinity : Math.max(0, firstFrameFrom(state.duration, state.frameRate) - 1);
}

const frameWithin = (state: PlayheadState, frame: number): number => Math.min(Math.max(0, frame), lastFrame(state));

/**
 * Paused positions produced by commands rest on the centre of a frame (see frameCentre), so every
 * client shows the same still; pausing thus moves the position by at most half a frame (20 ms at
 * 25 fps). Only a last frame cut short by the duration is clamped to the duration instead. (The
 * fresh timeline's 0 is left alone: nothing comes before the first frame, so it is unambiguous.)
 */
function restOnFrame(state: PlayheadState, frame: number): number {
  return clampPosition(state, frameCentre(frameWithin(state, frame), state.frameRate));
}

const restOn = (state: PlayheadState, position: number): number =>
  restOnFrame(state, frameIndex(position, state.frameRate));

function assertNever(value: never): never {
  throw new TypeError(`unhandled playhead command ${JSON.stringify(value)}`);
}

/**
 * The server's reducer: the state after `command`, taking effect at server time `effectiveAt`.
 * Expects a command that passed `validateCommand`. Every command, even one that changes nothing
 * visible, yields a new version, so version = number of applied commands.
 */
export function applyCommand(state: PlayheadState, command: PlayheadCommand, effectiveAt: number): PlayheadState {
  if (!Number.isFinite(effectiveAt)) throw new RangeError('effectiveAt must be a finite number');
  // Server time never runs backwards on the timeline: a command scheduled with a shorter lead than
  // its predecessor takes effect together with it, so states are ordered by atServerTime as well as
  // by version and a client can always tell which one governs (see governingState).
  const at = Math.max(effectiveAt, state.atServerTime);
  const now = expectedPosition(state, at);
  const next = (change: Partial<Pick<PlayheadState, 'paused' | 'rate' | 'position'>>): PlayheadState => ({
    ...state,
    ...change,
    version: state.version + 1,
    atServerTime: at,
  });
  // Seeks and jumps keep playing or paused as they were; a paused target snaps to a frame centre.
  const moveTo = (position: number): PlayheadState =>
    next({ position: state.paused ? restOn(state, position) : clampPosition(state, position) });

  switch (command.type) {
    case 'play': {
      // Like a video element, play at the very end starts again from the beginning, so the room
      // does not sit "playing" on the last frame while every browser restarts on its own.
      const ended = state.duration !== null && now >= state.duration;
      return next({ paused: false, position: ended ? 0 : now });
    }
    case 'pause':
      return next({ paused: true, position: restOn(state, now) });
    case 'seek':
      return moveTo(command.position);
    case 'jump':
      return moveTo(now + command.seconds);
    case 'rate':
      // Re-anchor at the current position so the change of speed causes no jump.
      return next({ rate: clampRate(command.rate), position: now });
    case 'step': {
      // A frame step is for looking closely, so it pauses; it moves from the frame on screen now
      // (after the end that is the last frame, so one step back shows the one before it).
      const onScreen = frameWithin(state, frameIndex(now, state.frameRate));
      return next({ paused: true, position: restOnFrame(state, onScreen + command.frames) });
    }
    default:
      return assertNever(command);
  }
}

/**
 * The same timeline once the recording's facts are known (the media module's probe, or the first
 * browser that loaded the video): a new version from `at` on, re-anchored where it was, kept
 * inside the new duration, and a paused position moved onto a frame of the new frame rate.
 */
export function withMedia(
  state: PlayheadState,
  media: { readonly duration: number; readonly frameRate: number },
  at: number,
): PlayheadState {
  if (!(Number.isFinite(media.frameRate) && media.frameRate > 0)) throw new RangeError('frameRate must be a positive number');
  if (!(Number.isFinite(media.duration) && media.duration > 0)) throw new RangeError('duration must be a positive number');
  if (!Number.isFinite(at)) throw new RangeError('at must be a finite number');
  const when = Math.max(at, state.atServerTime);
  const next: PlayheadState = { ...state, duration: media.duration, frameRate: media.frameRate, version: state.version + 1, atServerTime: when };
  const now = expectedPosition(state, when);
  const position = state.paused && now !== 0 ? restOn(next, now) : clampPosition(next, now);
  return { ...next, position };
}

/**
 * A room's timeline as the server stores it (docs/protocol-playhead.md, "Stored"): its last state
 * with the server clock replaced by the wall clock, which is the only clock two server processes
 * share, and the last time the server confirmed the room was still playing.
 */
export interface StoredTimeline {
  readonly version: number;
  readonly paused: boolean;
  readonly rate: number;
  readonly position: number;
  /** Wall clock (ms) at which `position` held (the state's atServerTime). */
  readonly at: number;
  /** Wall clock (ms) up to which the room is known to have played; ignored while paused. */
  readonly aliveAt: number;
  readonly duration: number | null;
  readonly frameRate: number;
}

/**
 * The timeline a room reopens with after a restart: paused, on the centre of the frame where it
 * was. A room that was still playing when the process ended (a crash) stops where it was last
 * known to play (`aliveAt`, never before its own `at`). Versions go on from the stored one, so a
 * reconnecting client never mistakes the reopened state for an older one.
 */
export function reopenTimeline(stored: StoredTimeline, serverTime: number): PlayheadState {
  const last: PlayheadState = {
    version: stored.version,
    paused: stored.paused,
    rate: stored.rate,
    position: stored.position,
    atServerTime: stored.at,
    duration: stored.duration,
    frameRate: stored.frameRate,
  };
  const position = stored.paused ? stored.position : applyCommand(last, { type: 'pause' }, Math.max(stored.at, stored.aliveAt)).position;
  return { ...last, version: stored.version + 1, paused: true, position, atServerTime: serverTime };
}

/**
 * Of the states a client holds, the one that governs at `serverTimeMs`: the newest already in effect,
 * or, when all are still scheduled ahead, the oldest. A client keeps the state it is following until
 * a newer one's atServerTime arrives, which is what makes a scheduled pause land on the same frame
 * everywhere. Returns undefined for no states.
 */
export function governingState(states: readonly PlayheadState[], serverTimeMs: number): PlayheadState | undefined {
  let inEffect: PlayheadState | undefined;
  let oldest: PlayheadState | undefined;
  for (const state of states) {
    if (oldest === undefined || state.version < oldest.version) oldest = state;
    if (state.atServerTime <= serverTimeMs && (inEffect === undefined || state.version > inEffect.version)) {
      inEffect = state;
    }
  }
  return inEffect ?? oldest;
}

/** Bounds and safety margin of the lead between a command's arrival and its effectiveAt. */
export const SCHEDULE_MIN_MS = 60;
export const SCHEDULE_MAX_MS = 600;
/** Covers the client's own handling of a state and a timer that fires late. */
export const SCHEDULE_MARGIN_MS = 25;
/** A client's start latency until it reports its own (the client's first guess, too). */
export const DEFAULT_START_LATENCY_MS = 70;

/** What a connection reported about itself in its clock pings (ms). */
export interface ClientTiming {
  /** Typical round trip, and how much slower than typical one gets (90th percentile − median). */
  readonly rttMs: number | null;
  readonly rttSpreadMs: number;
  /** From play() to the media clock moving. */
  readonly startLatencyMs: number;
}

const nonNegative = (value: number | null): number => (value !== null && Number.isFinite(value) && value > 0 ? value : 0);

/**
 * How far ahead of its arrival the server schedules a command: the slowest following client must
 * have the state before it has to act. For anything that starts playback that is its start
 * latency before the instant (it calls play() that early), so its one-way delay (RTT / 2), the
 * jitter of its path and its start latency add up; other commands need only the first two. Plus a
 * margin. The floor keeps a fast room from racing its own jitter; the ceiling keeps one bad
 * connection from making every click feel slow: that client gets the state late and catches up.
 */
export function scheduleDelay(clients: readonly ClientTiming[], starting: boolean): number {
  let slowest = 0;
  for (const c of clients) {
    const needed = nonNegative(c.rttMs) / 2 + nonNegative(c.rttSpreadMs) + (starting ? nonNegative(c.startLatencyMs) : 0);
    slowest = Math.max(slowest, needed);
  }
  return Math.min(SCHEDULE_MAX_MS, Math.max(SCHEDULE_MIN_MS, Math.round(slowest + SCHEDULE_MARGIN_MS)));
}

export type CommandValidation =
  | { readonly ok: true; readonly command: PlayheadCommand }
  | { readonly ok: false; readonly message: string };

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isWholeNumber = (value: unknown): value is number => Number.isSafeInteger(value);
const invalid = (message: string): CommandValidation => ({ ok: false, message });

/**
 * Checks a command arriving from a socket. Non-finite numbers are refused rather than clamped, since
 * one NaN would poison the shared timeline for everyone. Positions outside the recording are
 * accepted (the reducer clamps them); a rate outside MIN_RATE to MAX_RATE is refused so a client
 * learns its request was not honoured. The returned command is a fresh object without extra fields.
 */
export function validateCommand(input: unknown): CommandValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return invalid('a command must be an object');
  const fields = input as Record<string, unknown>;
  switch (fields.type) {
    case 'play':
    case 'pause':
      return { ok: true, command: { type: fields.type } };
    case 'seek':
      if (!isFiniteNumber(fields.position)) return invalid('seek needs a finite position in seconds');
      return { ok: true, command: { type: 'seek', position: fields.position } };
    case 'rate':
      if (!isFiniteNumber(fields.rate) || fields.rate < MIN_RATE || fields.rate > MAX_RATE) {
        return invalid(`rate must be a number from ${MIN_RATE} to ${MAX_RATE}`);
      }
      return { ok: true, command: { type: 'rate', rate: fields.rate } };
    case 'step':
      if (!isWholeNumber(fields.frames) || fields.frames === 0) return invalid('step needs a non-zero whole number of frames');
      return { ok: true, command: { type: 'step', frames: fields.frames } };
    case 'jump':
      if (!isFiniteNumber(fields.seconds) || fields.seconds === 0) return invalid('jump needs a non-zero finite number of seconds');
      return { ok: true, command: { type: 'jump', seconds: fields.seconds } };
    default:
      return invalid('unknown command type');
  }
}

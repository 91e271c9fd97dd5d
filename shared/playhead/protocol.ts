/**
 * The shared playhead's wire protocol over socket.io: payload types for both ends and the runtime
 * checks the server runs on every client message. Event names and their signatures live in
 * shared/realtime/events.ts; docs/protocol-playhead.md explains the timing model.
 *
 * Server times are the server's monotonic clock in ms (`performance.timeOrigin + performance.now()`
 * in Node: epoch-like, but it never jumps when the wall clock is adjusted). Clients map it to their
 * own `performance.now()` with the NTP-style ClockEstimator (clock.ts). Log entries carry wall-clock
 * `at` (Date.now) instead, because people read them as "when".
 *
 * Validators refuse rather than repair: anything that is not exactly the documented shape, or a
 * number outside its range, yields `{ ok: false, message }` and the server changes nothing.
 */
import type { Role } from '../access/roles.ts';
import { MAX_RATE, MIN_RATE, type PlayheadState } from './timeline.ts';

export const PLAYHEAD_MODES = ['everyone', 'presenter'] as const;
/** `everyone`: every role with controlPlayback steers; `presenter`: one person steers, the host can take over. */
export type PlayheadMode = (typeof PLAYHEAD_MODES)[number];

/** How many recent log entries the server keeps in memory and sends in a snapshot. */
export const PLAYHEAD_LOG_SIZE = 50;
/** Bounds for media facts a client reports (a week of video; 1 to 240 frames per second). */
export const MAX_DURATION_SECONDS = 7 * 86_400;
export const MIN_FRAME_RATE = 1;
export const MAX_FRAME_RATE = 240;
/** A reported RTT above this is a stalled path, not a delay worth scheduling for. */
export const MAX_REPORTED_RTT_MS = 10_000;
/** Reported start and seek latencies are at most this (ms): the client clamps its own far lower. */
export const MAX_REPORTED_LATENCY_MS = 10_000;

export interface PlayheadPerson {
  participantId: string;
  name: string;
}

/** Someone looking on their own ("los kijken"); clients extrapolate `position` from `atServerTime`. */
export interface OutOfSync extends PlayheadPerson {
  position: number;
  paused: boolean;
  rate: number;
  atServerTime: number;
}

/** Who controls what, who the room waits for, and who looks on their own. */
export interface PlayheadRoomInfo {
  mode: PlayheadMode;
  /** The person steering in presenter mode; null in `everyone` mode. */
  presenter: PlayheadPerson | null;
  /** People who asked the presenter for control, oldest first. */
  requests: PlayheadPerson[];
  /** People the buffering barrier is waiting for ("wachten op …"). */
  waitingFor: PlayheadPerson[];
  outOfSync: OutOfSync[];
}

export const LOG_ACTIONS = ['play', 'pause', 'seek', 'rate', 'step', 'jump', 'mode', 'control', 'wait', 'resume'] as const;
export type PlayheadLogAction = (typeof LOG_ACTIONS)[number];

/** One line of the room's event log: who did what, where in the recording, and when. */
export interface PlayheadLogEntry {
  id: number;
  /** Wall clock (ms since the epoch). */
  at: number;
  /** Null when the room itself acted (the buffering barrier). */
  actor: (PlayheadPerson & { role: Role }) | null;
  action: PlayheadLogAction;
  /** Timeline position (s) where the action took effect. */
  position: number;
  /**
   * rate: the new rate; step: frames; jump: seconds; mode: the new mode; control: the new
   * presenter's name; wait: the names waited for, comma-separated; otherwise null.
   */
  value: number | string | null;
}

export interface PlayheadSnapshot {
  /** The newest states, oldest first (at most two): a joiner inside a command's lead time still sees the one that governs now. */
  states: PlayheadState[];
  room: PlayheadRoomInfo;
  log: PlayheadLogEntry[];
}

export interface ClockReply {
  /** Server time when the ping arrived and when the reply left. */
  t1: number;
  t2: number;
}

export interface CommandReceipt {
  version: number;
  effectiveAt: number;
}

// ---- client → server payloads ----------------------------------------------------------------

/** A clock exchange, carrying what the server schedules by (all ms; the optional fields since 2026-12). */
export interface ClockPing {
  /** The client's current RTT estimate, or null before it has one. */
  rtt: number | null;
  /** How much slower than typical its round trips get (90th percentile − median). */
  rttSpread?: number;
  /** Its start latency: play() → the media clock moving. */
  startLatency?: number;
  /** Its seek latency (90th percentile): a seek request → `seeked`. */
  seekLatency?: number;
}

export interface BufferReport {
  /** `stalled`: the video waits for data; `ready`: it can play at the position of `version`. */
  state: 'stalled' | 'ready';
  version: number;
}

export interface SoloRequest {
  solo: boolean;
}

/** Where someone looking on their own is. */
export interface SoloPosition {
  position: number;
  paused: boolean;
  rate: number;
}

export interface ModeRequest {
  mode: PlayheadMode;
}

export type ControlRequest = { action: 'request' } | { action: 'handover'; to: string };

export interface MediaReport {
  duration: number;
  frameRate: number | null;
}

// ---- validation ------------------------------------------------------------------------------

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });
const isRecord = (input: unknown): input is Record<string, unknown> =>
  typeof input === 'object' && input !== null && !Array.isArray(input);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Ids are server-made (shared/ids): URL-safe and short. */
const PARTICIPANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseClockPing(input: unknown): Parsed<ClockPing> {
  if (!isRecord(input)) return fail('a clock ping must be an object');
  const { rtt } = input;
  if (rtt !== null && (!isFiniteNumber(rtt) || rtt < 0 || rtt > MAX_REPORTED_RTT_MS)) return fail(`rtt must be null or a number from 0 to ${MAX_REPORTED_RTT_MS}`);
  const ping: ClockPing = { rtt };
  for (const [field, max] of [['rttSpread', MAX_REPORTED_RTT_MS], ['startLatency', MAX_REPORTED_LATENCY_MS], ['seekLatency', MAX_REPORTED_LATENCY_MS]] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (!isFiniteNumber(value) || value < 0 || value > max) return fail(`${field} must be left out or a number from 0 to ${max}`);
    ping[field] = value;
  }
  return ok(ping);
}

export function parseBufferReport(input: unknown): Parsed<BufferReport> {
  if (!isRecord(input)) return fail('a buffer report must be an object');
  const { state, version } = input;
  if (state !== 'stalled' && state !== 'ready') return fail("state must be 'stalled' or 'ready'");
  if (!Number.isSafeInteger(version) || (version as number) < 0) return fail('version must be a whole number of at least 0');
  return ok({ state, version: version as number });
}

export function parseSoloRequest(input: unknown): Parsed<SoloRequest> {
  if (!isRecord(input) || typeof input.solo !== 'boolean') return fail('solo must be true or false');
  return ok({ solo: input.solo });
}

export function parseSoloPosition(input: unknown): Parsed<SoloPosition> {
  if (!isRecord(input)) return fail('a position report must be an object');
  const { position, paused, rate } = input;
  if (!isFiniteNumber(position) || position < 0 || position > MAX_DURATION_SECONDS) return fail('position must be a number of seconds from 0');
  if (typeof paused !== 'boolean') return fail('paused must be true or false');
  if (!isFiniteNumber(rate) || rate < MIN_RATE || rate > MAX_RATE) return fail(`rate must be from ${MIN_RATE} to ${MAX_RATE}`);
  return ok({ position, paused, rate });
}

export function parseModeRequest(input: unknown): Parsed<ModeRequest> {
  if (!isRecord(input) || !(PLAYHEAD_MODES as readonly unknown[]).includes(input.mode)) {
    return fail(`mode must be one of ${PLAYHEAD_MODES.join(', ')}`);
  }
  return ok({ mode: input.mode as PlayheadMode });
}

export function parseControlRequest(input: unknown): Parsed<ControlRequest> {
  if (!isRecord(input)) return fail('a control request must be an object');
  if (input.action === 'request') return ok({ action: 'request' });
  if (input.action === 'handover') {
    if (typeof input.to !== 'string' || !PARTICIPANT_ID.test(input.to)) return fail('handover needs the participant id to hand over to');
    return ok({ action: 'handover', to: input.to });
  }
  return fail("action must be 'request' or 'handover'");
}

export function parseMediaReport(input: unknown): Parsed<MediaReport> {
  if (!isRecord(input)) return fail('a media report must be an object');
  const { duration, frameRate } = input;
  if (!isFiniteNumber(duration) || duration <= 0 || duration > MAX_DURATION_SECONDS) {
    return fail(`duration must be a number of seconds above 0 and at most ${MAX_DURATION_SECONDS}`);
  }
  if (frameRate !== null && (!isFiniteNumber(frameRate) || frameRate < MIN_FRAME_RATE || frameRate > MAX_FRAME_RATE)) {
    return fail(`frameRate must be null or from ${MIN_FRAME_RATE} to ${MAX_FRAME_RATE}`);
  }
  return ok({ duration, frameRate });
}

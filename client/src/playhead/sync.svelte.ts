/**
 * Keeps this browser's <video> on the room's shared timeline (docs/protocol-playhead.md).
 *
 * The server owns the timeline and stamps each state with the server time from which it governs;
 * this class only maps that clock onto `performance.now()` (ClockEstimator, NTP-style pings) and
 * steers the video towards `expectedPosition` of the governing state:
 * - paused states: pause at their atServerTime, then seek to the exact paused position, so every
 *   browser shows the same frame; report `ready` once the frame is there (the server resumes a
 *   seek while playing when everyone is);
 * - playing states: start so that playback really begins at the right instant. A video already
 *   on the spot calls play() `startLatencyMs` early (learned from the first frames of each start);
 *   one that is elsewhere ("preroll": late joiner, back from looking alone) seeks paused to where the
 *   timeline will be a little later and starts when the timeline gets there, which makes the
 *   seek's own duration irrelevant;
 * - while playing, every presented frame (requestVideoFrameCallback) feeds the DriftController,
 *   the only code that sets playbackRate or seeks while playing.
 * Stalls and recoveries are reported for the room's buffering barrier. A browser that refuses to
 * start without a click gets `needsGesture`, which the UI turns into a "Klik om mee te kijken" button.
 */
import {
  ClockEstimator,
  DriftController,
  expectedPosition,
  frameCentre,
  frameIndex,
  governingState,
  MAX_RATE,
  MIN_RATE,
  type PlayheadCommand,
  type PlayheadState,
} from '../../../shared/playhead/index.ts';
import type { PlayheadLogEntry, PlayheadMode, PlayheadRoomInfo, PlayheadSnapshot } from '../../../shared/playhead/protocol.ts';
import type { ErrorCode } from '../../../shared/errors.ts';
import type { RoomSocket } from '../lib/socket.ts';
import type { RoomPlayer } from '../rooms/player.svelte.ts';

/** Clock pings in a burst (join, reconnect, tab visible again), the gap between them, and later. */
const BURST_PINGS = 20;
const BURST_GAP_MS = 40;
const PING_EVERY_MS = 500;
/**
 * Clock exchanges kept (at two a second, the last 32 s). The estimate is as good as the fastest
 * exchanges, and on a jittery path fast ones are rare: with ± 25 ms per leg the median error is
 * about 3 ms with 16 exchanges and 1.3 ms with 64 (tests/unit/playhead-clock.test.ts). A ping is
 * a few bytes.
 */
const CLOCK_WINDOW = 64;
/** Media time Chromium loses when a nudge leaves rate 1 (ms); see DriftOptions.nudgeEntryCostMs. */
const NUDGE_ENTRY_COST_MS = 20;
const newDrift = (playbackRate: number): DriftController =>
  new DriftController({ playbackRate, window: 5, minSamples: 3, deadband: 0.002, hysteresis: 0.001, minHoldMs: 400, nudgeEntryCostMs: NUDGE_ENTRY_COST_MS });
/** Samples before the offset is trusted enough to follow the timeline. */
const CLOCK_SAMPLES_NEEDED = 3;
const ACK_TIMEOUT_MS = 5000;
/** First guess of the time from play() to the first frame moving; Chromium measured ≈ 44 ms. */
const START_LATENCY_MS = 40;
const START_LATENCY_MAX_MS = 500;
/** Frames after a start whose median error corrects the start latency. */
const START_LEARN_FRAMES = 5;
/**
 * A start that missed by more than this (ms; a busy machine, a slow decoder) is redone once from a
 * paused preroll with the latency just measured, instead of being pulled in by a 5 % rate nudge
 * for seconds (100 ms would take 2 s).
 */
const START_RETRY_MS = 100;
/** Within this (s) of where the timeline will be, a paused video starts directly instead of prerolling. */
const START_TOLERANCE = 0.02;
/** A paused video this close (s) to its target is on it: floating point, not a different frame. */
const ON_TARGET = 0.0005;
const PREROLL_MIN_MS = 250;
const PREROLL_MAX_MS = 8000;
const SOLO_REPORT_MS = 2000;
const UI_TICK_MS = 100;
const DRIFT_WINDOW = 25;
const HAVE_CURRENT_DATA = 2;
const HAVE_FUTURE_DATA = 3;

export interface PlayheadDiagnostics {
  /** Server clock minus this machine's wall clock (ms), null before the first ping. */
  offset: number | null;
  rtt: number | null;
  /** Median error against the timeline over the last frames (ms, positive = behind). */
  drift: number | null;
  playbackRate: number;
  seeks: number;
  rateChanges: number;
  startLatency: number;
}

export interface PlayheadMe {
  participantId: string;
  /** controlPlayback: may steer the room. */
  canControl: boolean;
  /** manageRoom: may switch the mode and always steer. */
  isHost: boolean;
}

export interface CommandError {
  code: ErrorCode | 'timeout';
  message: string;
}

type AckReply<T> = { ok: true; value?: T } | { ok: false; error: { code: ErrorCode; message: string } };

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export class PlayheadSync implements RoomPlayer {
  /** What this participant sees (s). */
  position = $state(0);
  /** Where the group is (s), also while looking alone. */
  groupPosition = $state(0);
  duration = $state<number | null>(null);
  paused = $state(true);
  /** The governing state, for the UI. */
  shared = $state.raw<PlayheadState | null>(null);
  room = $state.raw<PlayheadRoomInfo>({ mode: 'everyone', presenter: null, requests: [], waitingFor: [], outOfSync: [] });
  log = $state.raw<PlayheadLogEntry[]>([]);
  /** The last entry that arrived live (not from a snapshot): what the announcement line says. */
  announcement = $state.raw<PlayheadLogEntry | null>(null);
  solo = $state(false);
  needsGesture = $state(false);
  buffered = $state.raw<[number, number][]>([]);
  /** Others looking on their own, at where they are now. */
  others = $state.raw<{ participantId: string; name: string; position: number }[]>([]);
  lastError = $state.raw<CommandError | null>(null);
  joined = $state(false);
  diagnostics = $state<PlayheadDiagnostics>({ offset: null, rtt: null, drift: null, playbackRate: 1, seeks: 0, rateChanges: 0, startLatency: START_LATENCY_MS });

  readonly #socket: RoomSocket;
  readonly me: PlayheadMe;
  #video: HTMLVideoElement | null = null;
  #detachVideo: (() => void) | null = null;
  #states: PlayheadState[] = [];
  #clock = new ClockEstimator({ windowSize: CLOCK_WINDOW });
  #drift = newDrift(1);
  #clockReady = false;
  /** Version of the state the video was last steered by. */
  #applied = -1;
  /** `ready:12` / `stalled:12`: the last buffer report, so each is sent once. */
  #reported: string | null = null;
  #stalled = false;
  #seekTarget: number | null = null;
  #startLatencyMs = START_LATENCY_MS;
  #learning: { version: number; errors: number[] } | null = null;
  /** The version whose start was already redone once. */
  #retried = -1;
  #preroll: { version: number; target: number; margin: number; timer: ReturnType<typeof setTimeout> | null } | null = null;
  #nextTimer: ReturnType<typeof setTimeout> | null = null;
  #frameHandle: number | null = null;
  #errors: number[] = [];
  /** Errors (s) of the last frames since the video's course last changed, for the smoothed error. */
  readonly #intervals: ReturnType<typeof setInterval>[] = [];
  readonly #unsubscribe: (() => void)[] = [];

  constructor(socket: RoomSocket, me: PlayheadMe) {
    this.#socket = socket;
    this.me = me;
    const onState = (state: PlayheadState) => this.#addStates([state]);
    const onRoom = (info: PlayheadRoomInfo) => (this.room = info);
    const onLog = (entry: PlayheadLogEntry) => {
      this.log = [...this.log, entry].slice(-50);
      this.announcement = entry;
    };
    const onConnect = () => void this.#join();
    const onDisconnect = () => (this.joined = false);
    socket.on('playhead:state', onState);
    socket.on('playhead:room', onRoom);
    socket.on('playhead:log', onLog);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void this.#burst();
    };
    document.addEventListener('visibilitychange', onVisible);
    this.#unsubscribe.push(() => {
      socket.off('playhead:state', onState);
      socket.off('playhead:room', onRoom);
      socket.off('playhead:log', onLog);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      document.removeEventListener('visibilitychange', onVisible);
    });
    this.#intervals.push(
      setInterval(() => void this.#ping(), PING_EVERY_MS),
      setInterval(() => this.#tick(), UI_TICK_MS),
      setInterval(() => this.#reportSolo(), SOLO_REPORT_MS),
    );
    if (socket.connected) void this.#join();
  }

  // ---- video -----------------------------------------------------------------------------------

  /** Takes over this element (null lets go): its own controls give way to the shared ones. */
  attach(video: HTMLVideoElement | null): void {
    this.#detachVideo?.();
    this.#detachVideo = null;
    this.#video = video;
    if (!video) return;
    const hadControls = video.controls;
    video.controls = false;
    this.#drift = newDrift(video.playbackRate);
    this.#applied = -1;
    const on = (type: keyof HTMLMediaElementEventMap, listener: () => void) => {
      video.addEventListener(type, listener);
      return () => video.removeEventListener(type, listener);
    };
    const off = [
      on('seeked', () => {
        this.#seekTarget = null;
        this.#drift.notifySeeked(performance.now());
        this.#reportSolo();
        this.#reconcile();
      }),
      on('canplay', () => this.#recovered()),
      on('playing', () => this.#recovered()),
      on('waiting', () => this.#waiting()),
      on('loadedmetadata', () => this.#loadedMetadata()),
      on('progress', () => this.#readBuffered()),
      on('play', () => this.#reportSolo()),
      on('pause', () => this.#reportSolo()),
      on('ratechange', () => this.#reportSolo()),
    ];
    this.#frameHandle = video.requestVideoFrameCallback(this.#onFrame);
    this.#detachVideo = () => {
      for (const remove of off) remove();
      if (this.#frameHandle !== null) video.cancelVideoFrameCallback(this.#frameHandle);
      this.#frameHandle = null;
      this.#cancelPreroll();
      video.controls = hadControls;
    };
    if (video.readyState >= 1) this.#loadedMetadata();
    this.#reconcile();
  }

  destroy(): void {
    // The room must not wait for a video that is gone (seek resumes, the buffering barrier).
    if (this.joined) this.#socket.emit('playhead:leave');
    this.joined = false;
    this.attach(null);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const interval of this.#intervals) clearInterval(interval);
    if (this.#nextTimer !== null) clearTimeout(this.#nextTimer);
  }

  // ---- commands (RoomPlayer and the controls) ---------------------------------------------------

  /** Sends a command to the room, or, while looking alone, does it to this video only. */
  command(command: PlayheadCommand): void {
    if (this.solo) {
      this.#local(command);
      return;
    }
    this.lastError = null;
    this.#socket.timeout(ACK_TIMEOUT_MS).emit('playhead:command', command, (err: Error | null, reply: AckReply<unknown>) => {
      if (err) this.lastError = { code: 'timeout', message: err.message };
      else if (!reply.ok) this.lastError = reply.error;
    });
  }

  toggle(): void {
    this.command({ type: this.paused ? 'play' : 'pause' });
  }

  // RoomPlayer: other room features (observations) steer through these. For someone who may not
  // steer the room they do nothing, quietly: an automatic pause must not greet them with an error.
  seek(position: number): void {
    if (this.solo || this.me.canControl) this.command({ type: 'seek', position });
  }

  play(): void {
    if (this.solo || this.me.canControl) this.command({ type: 'play' });
  }

  pause(): void {
    if (this.solo || this.me.canControl) this.command({ type: 'pause' });
  }

  /** "Los kijken" (true) or "terug naar de groep" (false). */
  setSolo(solo: boolean): void {
    if (solo === this.solo) return;
    this.solo = solo;
    this.#socket.emit('playhead:solo', { solo }, () => undefined);
    const video = this.#video;
    this.#cancelPreroll();
    if (solo) {
      this.#reportSolo();
      return;
    }
    // Back with the group: the controller starts from the rate the person left the video at, and a
    // playing group is joined through a paused preroll, which lands exactly.
    this.#drift = newDrift(video?.playbackRate ?? 1);
    this.#applied = -1;
    video?.pause();
    this.#reconcile();
  }

  setMode(mode: PlayheadMode): void {
    this.#emitChecked('playhead:mode', { mode });
  }

  requestControl(): void {
    this.#emitChecked('playhead:control', { action: 'request' });
  }

  handOver(participantId: string): void {
    this.#emitChecked('playhead:control', { action: 'handover', to: participantId });
  }

  /** The "Klik om mee te kijken" button: runs inside the click, so play() is allowed from now on. */
  unlock(): void {
    this.needsGesture = false;
    this.#reconcile();
  }

  /** Server time now (ms) as this browser estimates it. */
  serverNow(): number {
    return this.#clock.toServerTime(performance.now());
  }

  // ---- joining and the clock --------------------------------------------------------------------

  async #join(): Promise<void> {
    const burst = this.#burst();
    const snapshot = await new Promise<PlayheadSnapshot | null>((resolve) =>
      this.#socket.timeout(ACK_TIMEOUT_MS).emit('playhead:join', (err: Error | null, reply: AckReply<PlayheadSnapshot>) =>
        resolve(!err && reply.ok && reply.value ? reply.value : null),
      ),
    );
    if (!snapshot) return;
    // A snapshot replaces what was known: after a server restart versions begin again at 0.
    this.#states = [];
    this.#applied = -1;
    this.room = snapshot.room;
    this.log = snapshot.log;
    this.joined = true;
    this.#addStates(snapshot.states);
    await burst;
  }

  async #burst(): Promise<void> {
    const pings: Promise<void>[] = [];
    for (let i = 0; i < BURST_PINGS; i++) {
      pings.push(this.#ping());
      await new Promise((r) => setTimeout(r, BURST_GAP_MS));
    }
    await Promise.all(pings);
  }

  #ping(): Promise<void> {
    if (!this.#socket.connected) return Promise.resolve();
    const t0 = performance.now();
    const rtt = this.#clock.samples > 0 ? this.#clock.rtt : null;
    return new Promise((resolve) => {
      this.#socket.timeout(ACK_TIMEOUT_MS).emit('playhead:clock', { rtt }, (err: Error | null, reply: AckReply<{ t1: number; t2: number }>) => {
        const t3 = performance.now();
        if (!err && reply.ok && reply.value) {
          this.#clock.add({ t0, t1: reply.value.t1, t2: reply.value.t2, t3 });
          if (!this.#clockReady && this.#clock.samples >= CLOCK_SAMPLES_NEEDED) {
            this.#clockReady = true;
            this.#reconcile();
          }
        }
        resolve();
      });
    });
  }

  #emitChecked(event: 'playhead:mode' | 'playhead:control', payload: object): void {
    this.lastError = null;
    (this.#socket.timeout(ACK_TIMEOUT_MS).emit as (e: string, p: object, ack: (err: Error | null, reply: AckReply<unknown>) => void) => void)(
      event,
      payload,
      (err, reply) => {
        if (err) this.lastError = { code: 'timeout', message: err.message };
        else if (!reply.ok) this.lastError = reply.error;
      },
    );
  }

  // ---- following the timeline -------------------------------------------------------------------

  #addStates(states: readonly PlayheadState[]): void {
    const known = new Set(this.#states.map((s) => s.version));
    const fresh = states.filter((s) => !known.has(s.version));
    if (fresh.length === 0) return;
    // Three are plenty: the one governing, one scheduled, and one more arriving inside the lead.
    this.#states = [...this.#states, ...fresh].sort((a, b) => a.version - b.version).slice(-3);
    this.#reconcile();
  }

  /** Brings the video in line with the governing state; called on every state, event and transition. */
  #reconcile = (): void => {
    if (this.#nextTimer !== null) clearTimeout(this.#nextTimer);
    this.#nextTimer = null;
    const video = this.#video;
    if (this.#states.length === 0 || !this.#clockReady) return;
    const now = this.serverNow();
    let state = governingState(this.#states, now)!;
    // A paused video is started early by the start latency, so look that far ahead for a play.
    if (video?.paused) {
      const soon = governingState(this.#states, now + this.#startLatencyMs)!;
      if (!soon.paused) state = soon;
    }
    this.shared = state;
    if (this.solo) return;
    this.paused = state.paused;
    if (!video) return;
    if (state.version !== this.#applied) {
      this.#applied = state.version;
      // Also while paused: a start then begins at the room's speed.
      const decision = this.#drift.retarget(state.rate);
      if (decision.kind === 'rate') video.playbackRate = decision.rate;
      this.#cancelPreroll();
    }
    if (state.paused) this.#holdAt(state);
    else this.#follow(state, now);
    this.#scheduleNext(now, video.paused);
  };

  #holdAt(state: PlayheadState): void {
    const video = this.#video!;
    if (!video.paused) video.pause();
    const target = Number.isFinite(video.duration) ? Math.min(state.position, video.duration) : state.position;
    if (video.seeking && this.#seekTarget === target) return;
    if (Math.abs(video.currentTime - target) > ON_TARGET) {
      this.#seekTo(target);
      return;
    }
    if (!video.seeking && video.readyState >= HAVE_FUTURE_DATA) this.#report('ready', state.version);
  }

  #follow(state: PlayheadState, now: number): void {
    const video = this.#video!;
    // Playing already: the frame callback and the drift controller keep it there.
    if (!video.paused || this.needsGesture) return;
    if (this.#preroll?.version === state.version) {
      if (!video.seeking) this.#armPreroll(state);
      return;
    }
    const atStart = expectedPosition(state, now + this.#startLatencyMs);
    if (state.duration !== null && atStart >= state.duration) {
      // The timeline has run to the end: show the last frame, as everyone else does.
      this.#holdAt({ ...state, paused: true, position: state.duration });
      return;
    }
    if (Math.abs(video.currentTime - atStart) <= START_TOLERANCE && video.readyState >= HAVE_CURRENT_DATA) {
      this.#start(state);
      return;
    }
    const margin = Math.min(PREROLL_MAX_MS, Math.max(PREROLL_MIN_MS, 2 * this.#drift.seekLatencyMs + 150));
    this.#preroll = { version: state.version, target: expectedPosition(state, now + margin), margin, timer: null };
    this.#seekTo(this.#preroll.target);
  }

  /** The preroll seek landed: start when the timeline reaches the target, or aim further ahead. */
  #armPreroll(state: PlayheadState): void {
    const preroll = this.#preroll!;
    const video = this.#video!;
    if (preroll.timer !== null || video.readyState < HAVE_FUTURE_DATA) return;
    const reachedAt = state.atServerTime + ((preroll.target - state.position) / state.rate) * 1000;
    const delay = this.#clock.toLocalTime(reachedAt) - this.#startLatencyMs - performance.now();
    if (delay < 0) {
      preroll.margin = Math.min(PREROLL_MAX_MS, preroll.margin * 2);
      preroll.target = expectedPosition(state, this.serverNow() + preroll.margin);
      this.#seekTo(preroll.target);
      return;
    }
    preroll.timer = setTimeout(() => {
      this.#preroll = null;
      this.#start(state);
    }, delay);
  }

  #cancelPreroll(): void {
    if (this.#preroll?.timer) clearTimeout(this.#preroll.timer);
    this.#preroll = null;
  }

  #start(state: PlayheadState): void {
    const video = this.#video;
    if (!video) return;
    // Only a start from decoded data says something about the start latency.
    this.#learning = video.readyState >= HAVE_FUTURE_DATA ? { version: state.version, errors: [] } : null;
    video.play().then(
      () => (this.needsGesture = false),
      (err: unknown) => {
        // Never silently: the UI asks for the click the browser wants. (An AbortError only means
        // a pause or seek came first; the next reconcile decides again.)
        if (err instanceof DOMException && err.name === 'NotAllowedError') this.needsGesture = true;
      },
    );
  }

  /** One timer for the next state that takes effect: at its time, or early by the start latency. */
  #scheduleNext(now: number, videoPaused: boolean): void {
    let next: number | null = null;
    for (const state of this.#states) {
      if (state.version <= this.#applied) continue;
      const trigger = !state.paused && videoPaused ? state.atServerTime - this.#startLatencyMs : state.atServerTime;
      if (trigger > now && (next === null || trigger < next)) next = trigger;
    }
    if (next !== null) this.#nextTimer = setTimeout(this.#reconcile, Math.max(0, this.#clock.toLocalTime(next) - performance.now()));
  }

  #seekTo(position: number): void {
    const video = this.#video!;
    this.#seekTarget = position;
    video.currentTime = position;
  }

  /**
   * Once per presented frame while playing: the error of the media clock against the timeline.
   * Read from currentTime at this instant rather than from the frame's mediaTime: in Chromium
   * currentTime is the media clock itself, fresh in this callback and steady to well under a
   * millisecond, while the presented frame's time is quantized by frame and display refresh and
   * jumps by ±10 ms from one frame to the next. Players whose clocks agree that closely change
   * frames on the same display refresh.
   */
  #onFrame = (): void => {
    const video = this.#video;
    if (!video) return;
    this.#frameHandle = video.requestVideoFrameCallback(this.#onFrame);
    if (this.solo || !this.#clockReady || video.paused || video.seeking) return;
    const at = this.serverNow();
    const mediaTime = video.currentTime;
    const state = governingState(this.#states, at);
    if (!state || state.paused) return;
    const expected = expectedPosition(state, at);
    const error = expected - mediaTime;
    this.#errors = [...this.#errors, error * 1000].slice(-DRIFT_WINDOW);
    // A redone start replaces whatever the controller would do with this frame.
    if (this.#learnStart(state, error)) return;
    const decision = this.#drift.sample({ mediaTime, expected, targetRate: state.rate, nowMs: performance.now() });
    if (decision.kind === 'rate') {
      video.playbackRate = decision.rate;
      this.diagnostics.rateChanges++;
    } else if (decision.kind === 'seek') {
      this.#seekTo(decision.position);
      this.diagnostics.seeks++;
    }
  };

  /**
   * Corrects the start latency by what the first frames of a start measured: halfway, so one odd
   * start does not swing it; fully when the start is redone, since that start must land. True when
   * it redid the start.
   */
  #learnStart(state: PlayheadState, error: number): boolean {
    const learning = this.#learning;
    if (!learning || learning.version !== state.version) return false;
    learning.errors.push((error / state.rate) * 1000);
    if (learning.errors.length < START_LEARN_FRAMES) return false;
    this.#learning = null;
    const late = median(learning.errors);
    const retry = Math.abs(late) > START_RETRY_MS && this.#retried !== state.version;
    this.#startLatencyMs = Math.min(START_LATENCY_MAX_MS, Math.max(0, this.#startLatencyMs + (retry ? late : late / 2)));
    if (retry) {
      this.#retried = state.version;
      this.#video!.pause();
      this.#reconcile();
    }
    return retry;
  }

  // ---- buffering --------------------------------------------------------------------------------

  #waiting(): void {
    const video = this.#video;
    if (!video || this.solo || video.paused || this.shared?.paused !== false) return;
    this.#stalled = true;
    this.#report('stalled', this.shared.version);
  }

  #recovered(): void {
    if (this.#stalled && this.shared) {
      this.#stalled = false;
      this.#report('ready', this.shared.version);
    }
    this.#reconcile();
  }

  #report(state: 'ready' | 'stalled', version: number): void {
    const key = `${state}:${version}`;
    if (this.#reported === key || !this.joined) return;
    this.#reported = key;
    this.#socket.emit('playhead:buffer', { state, version });
  }

  #loadedMetadata(): void {
    const video = this.#video!;
    this.#readBuffered();
    // Only while the server does not know the recording (no probe): the first browser tells it.
    if (this.shared?.duration === null && this.me.canControl && Number.isFinite(video.duration) && video.duration > 0) {
      this.#socket.emit('playhead:media', { duration: video.duration, frameRate: null }, () => undefined);
    }
    this.#reconcile();
  }

  #readBuffered(): void {
    const ranges = this.#video?.buffered;
    if (!ranges) return;
    this.buffered = Array.from({ length: ranges.length }, (_, i): [number, number] => [ranges.start(i), ranges.end(i)]);
  }

  // ---- looking alone ----------------------------------------------------------------------------

  #local(command: PlayheadCommand): void {
    const video = this.#video;
    if (!video) return;
    const frameRate = this.shared?.frameRate ?? 25;
    switch (command.type) {
      case 'play':
        void video.play().catch(() => undefined);
        break;
      case 'pause':
        video.pause();
        break;
      case 'seek':
        video.currentTime = Math.max(0, command.position);
        break;
      case 'jump':
        video.currentTime = Math.max(0, video.currentTime + command.seconds);
        break;
      case 'step':
        video.pause();
        video.currentTime = Math.max(0, frameCentre(frameIndex(video.currentTime, frameRate) + command.frames, frameRate));
        break;
      case 'rate':
        // Alone, the person sets the speed directly; the drift controller is not running.
        video.playbackRate = Math.min(MAX_RATE, Math.max(MIN_RATE, command.rate));
        break;
    }
  }

  #reportSolo(): void {
    const video = this.#video;
    if (!this.solo || !video || !this.joined) return;
    const rate = Math.min(MAX_RATE, Math.max(MIN_RATE, video.playbackRate));
    this.#socket.emit('playhead:position', { position: video.currentTime, paused: video.paused, rate });
  }

  // ---- the UI's view ----------------------------------------------------------------------------

  #tick(): void {
    const video = this.#video;
    if (video) {
      this.position = video.currentTime;
      if (this.solo) this.paused = video.paused;
    }
    const known = this.shared?.duration ?? null;
    this.duration = known ?? (video && Number.isFinite(video.duration) ? video.duration : null);
    if (this.shared && this.#clockReady) {
      const now = this.serverNow();
      this.groupPosition = expectedPosition(this.shared, now);
      const end = this.duration ?? Infinity;
      this.others = this.room.outOfSync
        .filter((o) => o.participantId !== this.me.participantId)
        .map((o) => ({
          participantId: o.participantId,
          name: o.name,
          position: Math.min(end, o.paused ? o.position : o.position + ((now - o.atServerTime) / 1000) * o.rate),
        }));
    }
    this.diagnostics.offset = this.#clock.samples > 0 ? this.#clock.offset - performance.timeOrigin : null;
    this.diagnostics.rtt = this.#clock.samples > 0 ? this.#clock.rtt : null;
    this.diagnostics.drift = this.#errors.length > 0 && !this.paused ? median(this.#errors) : null;
    this.diagnostics.playbackRate = video?.playbackRate ?? 1;
    this.diagnostics.startLatency = this.#startLatencyMs;
    // The governing state changes at its atServerTime even when no event arrives.
    if (!this.solo && this.#states.length > 0 && this.#clockReady) {
      const governing = governingState(this.#states, this.serverNow());
      if (governing && governing.version !== this.shared?.version && governing.version > this.#applied) this.#reconcile();
    }
  }
}

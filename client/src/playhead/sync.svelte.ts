/**
 * Keeps this browser's <video> on the room's shared timeline (docs/protocol-playhead.md).
 *
 * The server owns the timeline and stamps each state with the server time from which it governs;
 * this class maps that clock onto `performance.now()` (ClockEstimator, NTP-style pings) and carries
 * out what `steer` (shared/playhead/steer.ts) decides from the states, the clock, the video and
 * what this browser learned about itself:
 * - paused states: pause, seek exactly to the paused position (unless a seek already put the video
 *   there), and report `ready` once the frame is there with data to play on (the server resumes a
 *   seek while playing when everyone is);
 * - playing states: start so that playback really begins at the right instant. play() is called
 *   early by the learned start latency, on a timer that ends in a short busy-wait (a bare timeout
 *   fires up to ~10 ms late on a busy page); a video that is elsewhere (late joiner, back from
 *   looking alone) first seeks paused to where the timeline will be once the seek is done
 *   ("preroll", aimed by the learned seek latency) and starts when the timeline gets there;
 * - the first frames of every start measure when the media clock really began: that teaches the
 *   start latency, and the miss goes straight to the drift controller as one short nudge;
 * - while playing, every presented frame (requestVideoFrameCallback) feeds the DriftController,
 *   the only code that sets playbackRate or seeks while playing.
 * The learned latencies are kept in localStorage, so the next visit starts with them. Stalls and
 * recoveries are reported for the room's buffering barrier. A browser that refuses to start without
 * a click gets `needsGesture`, which the UI turns into a "Klik om mee te kijken" button.
 */
import {
  ClockEstimator,
  DriftController,
  expectedPosition,
  frameCentre,
  frameIndex,
  MAX_RATE,
  MIN_RATE,
  type PlayheadCommand,
  type PlayheadState,
} from '../../../shared/playhead/index.ts';
import { LatencyEstimator } from '../../../shared/playhead/latency.ts';
import type { ClockPing, PlayheadLogEntry, PlayheadMode, PlayheadRoomInfo, PlayheadSnapshot } from '../../../shared/playhead/protocol.ts';
import { committedState, HAVE_FUTURE_DATA, nextChangeAt, RESEEK_NUDGE, steer, type Preroll, type Steer } from '../../../shared/playhead/steer.ts';
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
/**
 * Chromium's player: media time lost when a nudge leaves rate 1, and how long the old rate still
 * plays after a change (ms; measured with `npm run bench:sync`); see DriftOptions.
 */
const NUDGE_ENTRY_COST_MS = 20;
const RATE_BUFFER_MS = 150;
const newDrift = (playbackRate: number): DriftController =>
  new DriftController({ playbackRate, nudgeEntryCostMs: NUDGE_ENTRY_COST_MS, bufferMs: RATE_BUFFER_MS });
/** Samples before the offset is trusted enough to follow the timeline. */
const CLOCK_SAMPLES_NEEDED = 3;
const ACK_TIMEOUT_MS = 5000;
/**
 * First guesses until this browser has measured itself: play() → media clock moving took 44–90 ms
 * with five Chromium pages on two busy cores (5–26 ms for one alone); a seek 40–310 ms. A seek
 * guessed too short costs one more seek (the preroll aims again by what it took), one guessed too
 * long costs its whole margin on every join, so the seek's guess is on the short side.
 */
const START_LATENCY = { seedMs: 70, minMs: 0, maxMs: 300 };
const SEEK_LATENCY = { seedMs: 150, minMs: 30, maxMs: 2000 };
/** Where the learned latencies are kept between visits (this browser only; nothing is sent). */
const LATENCY_STORAGE_KEY = 'kijkkamer.playhead.latency';
/** Frames whose media clock dates a start. */
const START_FRAMES = 3;
/**
 * A start that missed by more than this (ms; a busy machine, a slow decoder) is redone once from a
 * paused preroll, instead of being pulled in by rate nudges for seconds.
 */
const START_RETRY_MS = 100;
/** A wake-up timer stops this early (ms) and busy-waits the rest. */
const PRECISE_MS = 12;
const SOLO_REPORT_MS = 2000;
const UI_TICK_MS = 100;
const DRIFT_WINDOW = 25;

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
  seekLatency: number;
  /** How far the last start missed its instant (ms, positive = late), null before the first. */
  startMiss: number | null;
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

/** A start in progress: when play() was meant to be called, and from where, to date its first frames. */
interface Starting {
  version: number;
  /** Local time (performance.now) play() was meant to be called. */
  plannedAt: number;
  /** Local time the timeline passes `from`: when playback should have begun. */
  dueAt: number;
  from: number;
  rate: number;
  /** Local times at which the media clock began, one per frame. */
  began: number[];
}

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
  /** The state this browser steers by, for the UI. */
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
  diagnostics = $state<PlayheadDiagnostics>({
    offset: null,
    rtt: null,
    drift: null,
    playbackRate: 1,
    seeks: 0,
    rateChanges: 0,
    startLatency: START_LATENCY.seedMs,
    seekLatency: SEEK_LATENCY.seedMs,
    startMiss: null,
  });

  readonly #socket: RoomSocket;
  readonly me: PlayheadMe;
  #video: HTMLVideoElement | null = null;
  #detachVideo: (() => void) | null = null;
  #states: PlayheadState[] = [];
  #clock = new ClockEstimator({ windowSize: CLOCK_WINDOW });
  #drift = newDrift(1);
  #clockReady = false;
  /** Version of the state the video is steered by; the committed state never goes below it. */
  #applied = -1;
  /** `ready:12` / `stalled:12`: the last buffer report, so each is sent once. */
  #reported: string | null = null;
  #stalled = false;
  readonly #startLatency = new LatencyEstimator(START_LATENCY);
  readonly #seekLatency = new LatencyEstimator(SEEK_LATENCY);
  /** The seek in flight: its target and when it was asked for (local ms). */
  #seeking: { target: number; since: number } | null = null;
  /** Where the last completed seek landed, while nothing has played since. */
  #landed: number | null = null;
  /** How long the last seek took (ms). */
  #lastSeekMs: number | null = null;
  #preroll: Preroll | null = null;
  #starting: Starting | null = null;
  /** The version whose start was already redone once. */
  #retried = -1;
  #wake: ReturnType<typeof setTimeout> | null = null;
  #frameHandle: number | null = null;
  /** Errors (ms) of the last frames, for the diagnostics. */
  #errors: number[] = [];
  readonly #intervals: ReturnType<typeof setInterval>[] = [];
  readonly #unsubscribe: (() => void)[] = [];

  constructor(socket: RoomSocket, me: PlayheadMe) {
    this.#socket = socket;
    this.me = me;
    this.#recallLatencies();
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
    // A followed video buffers ahead: seeks and starts should not wait for the network.
    video.preload = 'auto';
    this.#drift = newDrift(video.playbackRate);
    this.#applied = -1;
    this.#seeking = null;
    this.#landed = null;
    this.#starting = null;
    const on = (type: keyof HTMLMediaElementEventMap, listener: () => void) => {
      video.addEventListener(type, listener);
      return () => video.removeEventListener(type, listener);
    };
    const off = [
      on('seeked', () => this.#seeked()),
      on('canplay', () => this.#recovered()),
      on('playing', () => this.#recovered()),
      on('waiting', () => this.#waiting()),
      on('loadedmetadata', () => this.#loadedMetadata()),
      on('progress', () => this.#readBuffered()),
      on('play', () => {
        this.#landed = null;
        this.#reportSolo();
      }),
      on('pause', () => this.#reportSolo()),
      on('ratechange', () => this.#reportSolo()),
    ];
    this.#frameHandle = video.requestVideoFrameCallback(this.#onFrame);
    this.#detachVideo = () => {
      for (const remove of off) remove();
      if (this.#frameHandle !== null) video.cancelVideoFrameCallback(this.#frameHandle);
      this.#frameHandle = null;
      this.#preroll = null;
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
    this.#clearWake();
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
    this.#preroll = null;
    this.#clearWake();
    if (solo) {
      this.#reportSolo();
      return;
    }
    // Back with the group: the controller starts from the rate the person left the video at, and a
    // playing group is joined through a paused preroll, which lands exactly.
    this.#drift = newDrift(video?.playbackRate ?? 1);
    this.#applied = -1;
    this.#landed = null;
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
    // A snapshot replaces what was known (after a server restart, a room reopened where it was).
    this.#states = [];
    this.#applied = -1;
    this.#reported = null;
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
      // The first few at once: following the timeline waits for them (CLOCK_SAMPLES_NEEDED).
      if (i >= CLOCK_SAMPLES_NEEDED - 1) await new Promise((r) => setTimeout(r, BURST_GAP_MS));
    }
    await Promise.all(pings);
  }

  #ping(): Promise<void> {
    if (!this.#socket.connected) return Promise.resolve();
    const t0 = performance.now();
    // What the server schedules by: this browser's round trip and how much it varies, and how long
    // its starts and seeks take.
    const ping: ClockPing =
      this.#clock.samples > 0
        ? { rtt: this.#clock.rtt, rttSpread: this.#clock.rttSpread, startLatency: this.#startLatency.estimate, seekLatency: this.#seekLatency.p90 }
        : { rtt: null, startLatency: this.#startLatency.estimate, seekLatency: this.#seekLatency.p90 };
    return new Promise((resolve) => {
      this.#socket.timeout(ACK_TIMEOUT_MS).emit('playhead:clock', ping, (err: Error | null, reply: AckReply<{ t1: number; t2: number }>) => {
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

  /** Brings the video in line with the timeline; called on every state, video event and wake-up. */
  #reconcile = (): void => {
    this.#clearWake();
    const video = this.#video;
    if (this.#states.length === 0 || !this.#clockReady) return;
    const now = this.serverNow();
    const latency = this.#startLatency.estimate;
    const committed = committedState(this.#states, now, latency, this.#applied)!;
    this.shared = committed;
    if (this.solo) return;
    this.paused = committed.paused;
    if (!video) return;
    const decision = steer({
      states: this.#states,
      now,
      applied: this.#applied,
      startLatencyMs: latency,
      seekLatencyMs: this.#seekLatency.p90,
      lastSeekMs: this.#lastSeekMs,
      video: {
        paused: video.paused,
        seeking: this.#seeking !== null,
        currentTime: video.currentTime,
        readyState: video.readyState,
        duration: video.duration,
        landed: this.#landed,
        seekTarget: this.#seeking?.target ?? null,
      },
      preroll: this.#preroll,
    });
    let wakeAt = nextChangeAt(this.#states, now, latency, this.#applied);
    if (decision.kind !== 'none') this.#follows(decision.state);
    const startAt = this.#carryOut(decision, now);
    if (startAt !== null && (wakeAt === null || startAt < wakeAt)) wakeAt = startAt;
    if (wakeAt !== null) this.#wakeAt(wakeAt);
  };

  /** Does what `steer` decided; returns the server time of a start still ahead, if any. */
  #carryOut(decision: Steer, now: number): number | null {
    const video = this.#video!;
    switch (decision.kind) {
      case 'none':
      case 'follow':
        return null;
      case 'hold':
        if (!video.paused) video.pause();
        if (decision.action === 'seek') this.#seekTo(decision.position);
        else if (decision.action === 'reseek') this.#seekTo(decision.position - RESEEK_NUDGE);
        // Report only for the state in force (not one still ahead, e.g. the end of a timeline).
        else if (decision.action === 'ready' && decision.state.paused) this.#report('ready', decision.state.version);
        return null;
      case 'preroll':
        this.#preroll = decision.plan;
        if (!video.paused) video.pause();
        if (decision.seek) this.#seekTo(decision.plan.target);
        return null;
      case 'start':
        if (this.needsGesture) return null;
        if (decision.at > now) return decision.at;
        this.#start(decision.state, decision.at);
        return null;
    }
  }

  /** From here on the video follows `state`: the room's rate applies at once, also while paused. */
  #follows(state: PlayheadState): void {
    if (state.version === this.#applied) return;
    this.#applied = state.version;
    const decision = this.#drift.retarget(state.rate);
    if (decision.kind === 'rate') this.#video!.playbackRate = decision.rate;
    if (this.#preroll?.version !== state.version) this.#preroll = null;
    if (this.#starting?.version !== state.version) this.#starting = null;
  }

  /** One timer for the next thing due (server time): stops PRECISE_MS early and busy-waits the rest. */
  #wakeAt(serverTime: number): void {
    this.#clearWake();
    // A fraction of a millisecond past the instant, so the clock read afterwards is surely there.
    const local = this.#clock.toLocalTime(serverTime) + 0.2;
    const arm = () => {
      const left = local - performance.now();
      if (left > PRECISE_MS) {
        this.#wake = setTimeout(arm, left - PRECISE_MS);
        return;
      }
      this.#wake = null;
      // A bare timeout fires up to ~10 ms late on a busy page; a start must not.
      while (performance.now() < local) {
        /* busy-wait */
      }
      this.#reconcile();
    };
    this.#wake = setTimeout(arm, Math.max(0, local - performance.now() - PRECISE_MS));
  }

  #clearWake(): void {
    if (this.#wake !== null) clearTimeout(this.#wake);
    this.#wake = null;
  }

  /** play(), meant to be called at server time `at`; its first frames date the start. */
  #start(state: PlayheadState, at: number): void {
    const video = this.#video!;
    this.#preroll = null;
    const now = performance.now();
    const from = video.currentTime;
    // Only a start from decoded data says something about the start latency.
    this.#starting =
      video.readyState >= HAVE_FUTURE_DATA
        ? {
            version: state.version,
            plannedAt: Math.min(now, this.#clock.toLocalTime(at)),
            dueAt: this.#clock.toLocalTime(state.atServerTime + ((from - state.position) / state.rate) * 1000),
            from,
            rate: state.rate,
            began: [],
          }
        : null;
    video.play().then(
      () => (this.needsGesture = false),
      (err: unknown) => {
        this.#starting = null;
        // Never silently: the UI asks for the click the browser wants. (An AbortError only means
        // a pause or seek came first; the next reconcile decides again.)
        if (err instanceof DOMException && err.name === 'NotAllowedError') this.needsGesture = true;
      },
    );
  }

  #seekTo(position: number): void {
    const video = this.#video!;
    this.#seeking = { target: position, since: performance.now() };
    this.#landed = null;
    video.currentTime = position;
  }

  #seeked(): void {
    const seeking = this.#seeking;
    if (seeking) {
      this.#lastSeekMs = performance.now() - seeking.since;
      this.#seekLatency.add(this.#lastSeekMs);
      // A seek while playing (a drift correction) lands nowhere: the video moves on at once.
      this.#landed = this.#video?.paused ? seeking.target : null;
      this.#seeking = null;
      this.#keepLatencies();
    }
    this.#drift.notifySeeked(performance.now());
    this.#reportSolo();
    this.#reconcile();
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
    const local = performance.now();
    const at = this.#clock.toServerTime(local);
    const mediaTime = video.currentTime;
    const state = committedState(this.#states, at, this.#startLatency.estimate, this.#applied);
    if (!state || state.paused) return;
    if (this.#starting?.version === state.version) {
      this.#dateStart(this.#starting, local, mediaTime);
      return;
    }
    // Until the state takes effect the video, started early, is not running yet.
    if (at < state.atServerTime) return;
    const expected = expectedPosition(state, at);
    this.#errors = [...this.#errors, (expected - mediaTime) * 1000].slice(-DRIFT_WINDOW);
    this.#correct(this.#drift.sample({ mediaTime, expected, targetRate: state.rate, nowMs: local }));
  };

  /**
   * Dates a start from its first frames: the media clock began at now − (currentTime − from) / rate.
   * That teaches the start latency (including the timer's own lateness), and the miss goes to the
   * drift controller as one nudge, or, beyond START_RETRY_MS, the start is redone once.
   */
  #dateStart(starting: Starting, local: number, mediaTime: number): void {
    // Frames of the paused picture before the clock moves say nothing.
    if (mediaTime <= starting.from) return;
    starting.began.push(local - ((mediaTime - starting.from) / starting.rate) * 1000);
    if (starting.began.length < START_FRAMES) return;
    this.#starting = null;
    const began = median(starting.began);
    this.#startLatency.add(began - starting.plannedAt);
    this.#keepLatencies();
    const miss = began - starting.dueAt;
    this.diagnostics.startMiss = miss;
    // This browser is on the timeline: the server counts a joiner's stalls from now on.
    this.#report('ready', starting.version);
    if (Math.abs(miss) > START_RETRY_MS && this.#retried !== starting.version) {
      this.#retried = starting.version;
      this.#video!.pause();
      this.#reconcile();
      return;
    }
    this.#correct(this.#drift.kick((miss / 1000) * starting.rate, starting.rate, local));
  }

  /** Carries out a drift decision: the only place that sets playbackRate or seeks while playing. */
  #correct(decision: ReturnType<DriftController['sample']>): void {
    const video = this.#video!;
    if (decision.kind === 'rate') {
      video.playbackRate = decision.rate;
      this.diagnostics.rateChanges++;
    } else if (decision.kind === 'seek') {
      this.#seekTo(decision.position);
      this.diagnostics.seeks++;
    }
  }

  // ---- what this browser learned about itself ---------------------------------------------------

  #recallLatencies(): void {
    try {
      const kept = JSON.parse(localStorage.getItem(LATENCY_STORAGE_KEY) ?? 'null') as { start?: unknown; seek?: unknown } | null;
      if (kept) {
        this.#startLatency.restore(kept.start);
        this.#seekLatency.restore(kept.seek);
      }
    } catch {
      // Storage blocked or damaged: start from the first guesses.
    }
  }

  #keepLatencies(): void {
    try {
      localStorage.setItem(LATENCY_STORAGE_KEY, JSON.stringify({ start: this.#startLatency.memory(), seek: this.#seekLatency.memory() }));
    } catch {
      // Storage blocked or full: the estimates live as long as the page.
    }
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
    this.diagnostics.startLatency = this.#startLatency.estimate;
    this.diagnostics.seekLatency = this.#seekLatency.p90;
    // A safety net: the wake-up timer normally catches every change of the committed state.
    if (!this.solo && this.#states.length > 0 && this.#clockReady && this.#wake === null) {
      const committed = committedState(this.#states, this.serverNow(), this.#startLatency.estimate, this.#applied);
      if (committed && committed.version !== this.#applied) this.#reconcile();
    }
  }
}

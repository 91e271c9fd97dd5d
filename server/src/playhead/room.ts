/**
 * One room's shared playhead on the server, without any transport: the socket feature (feature.ts)
 * turns messages into method calls and forwards what `out` emits. Everything here is synchronous
 * and single-threaded, so commands are serialised in order of arrival and the last one wins.
 *
 * What it owns:
 * - the timeline (pure reducer in shared/playhead/timeline.ts), server-assigned versions, and the
 *   lead of each command (scheduleDelay over what the connections report in their clock pings);
 * - seek while playing: everyone pauses and seeks at once (no lead: where each one pauses does not
 *   matter, they all seek), the room resumes (scheduled) once all who were watching reported ready
 *   at the new position, or after a wait sized by their reported seek latencies;
 * - a connection that joins while the room plays holds nobody up until its first start is done:
 *   its stalls do not pause the room until it has reported ready;
 * - the buffering barrier (shared/playhead/barrier.ts) with one timer: a stall held for the
 *   grace time pauses the room ("wachten op …") until the stalled client is ready or times out;
 * - presenter mode, control requests and hand-over; "los kijken" (out of sync) participants;
 * - the event log: the last PLAYHEAD_LOG_SIZE entries in memory, every entry in the store;
 * - the timeline, mode and presenter, written through to the state store on every change, so the
 *   room reopens paused where it was after a restart (`stop` pauses a playing room first).
 */
import type { PermissionSet, Role } from '../../../shared/access/roles.ts';
import { BufferingBarrier, type BarrierOptions } from '../../../shared/playhead/barrier.ts';
import {
  applyCommand,
  createPlayhead,
  DEFAULT_START_LATENCY_MS,
  expectedPosition,
  reopenTimeline,
  scheduleDelay,
  validateCommand,
  withMedia,
  type PlayheadCommand,
  type PlayheadState,
} from '../../../shared/playhead/timeline.ts';
import {
  PLAYHEAD_LOG_SIZE,
  type BufferReport,
  type ClockPing,
  type CommandReceipt,
  type ControlRequest,
  type MediaReport,
  type OutOfSync,
  type PlayheadLogEntry,
  type PlayheadMode,
  type PlayheadPerson,
  type PlayheadRoomInfo,
  type PlayheadSnapshot,
  type SoloPosition,
} from '../../../shared/playhead/protocol.ts';
import { done, refuse, type Answer } from '../realtime/messages.ts';
import { realTimers, type Timers } from '../realtime/timers.ts';
import type { PlayheadEventStore } from './event-store.ts';
import type { PlayheadStateStore, StoredPlayhead } from './state-store.ts';

/** One socket connection (a tab): a participant may have several. */
export interface PlayheadClient {
  id: string;
  participantId: string;
  name: string;
  role: Role;
  permissions: PermissionSet;
}

export interface PlayheadOutput {
  state(state: PlayheadState): void;
  room(info: PlayheadRoomInfo): void;
  log(entry: PlayheadLogEntry): void;
}

export interface PlayheadRoomOptions {
  roomId: string;
  /** Server clock (ms), monotonic; the base of every state's atServerTime. */
  now(): number;
  /** Wall clock (ms) for the event log. */
  wallClock(): number;
  out: PlayheadOutput;
  /** Where new log entries are stored (each one is broadcast once it has its id). */
  events: Pick<PlayheadEventStore, 'append'>;
  /** The newest stored entries, oldest first, read before the room opened. */
  log: PlayheadLogEntry[];
  /** Storing a log entry failed (the playhead itself goes on). */
  onError?: (err: unknown, msg: string) => void;
  /** Where the newest timeline is written through (in order, without holding anyone up). */
  saved: Pick<PlayheadStateStore, 'save'>;
  /** The room's stored timeline, read before the room opened (null: never stored). */
  stored: StoredPlayhead | null;
  timers?: Timers;
  /** The recording's facts from the media module, when it knows them. */
  media?: () => { duration: number; frameRate: number | null } | null;
  barrier?: Partial<BarrierOptions>;
  /** Longest wait for everyone to be ready after a seek while playing (ms); SEEK_READY_TIMEOUT_MS by default. */
  seekReadyTimeoutMs?: number;
}

/** Frame rate until the media module or a browser tells otherwise; PAL video, like the test recording. */
export const DEFAULT_FRAME_RATE = 25;
/** The wait for stragglers after a seek while playing: never longer than this (ms)… */
export const SEEK_READY_TIMEOUT_MS = 3000;
/** …nor shorter than this (ms); in between twice the slowest reported seek plus round trip. */
export const SEEK_READY_MIN_MS = 1000;
/** A seek latency to assume for a connection that has not reported one (ms). */
const DEFAULT_SEEK_LATENCY_MS = 300;

interface Connection extends PlayheadClient {
  timing: ClockPing;
  solo: Omit<OutOfSync, keyof PlayheadPerson> | null;
  /** Joined while the room played and not yet reported ready: its stalls are its own first start. */
  joining: boolean;
}

/** After a seek while playing: who still has to report ready before the room resumes. */
interface PendingResume {
  version: number;
  waiting: Set<string>;
  timer: unknown;
}

export class PlayheadRoom {
  readonly #o: PlayheadRoomOptions;
  readonly #timers: Timers;
  readonly #connections = new Map<string, Connection>();
  readonly #barrier: BufferingBarrier;
  /** The newest states, oldest first; the last one is the timeline every new command builds on. */
  #states: PlayheadState[];
  #log: PlayheadLogEntry[];
  /** Log entries being stored, in order: each is broadcast once the store has given it an id. */
  #recording: Promise<void> = Promise.resolve();
  /** The timeline write in progress, and the newest timeline waiting for it (only the newest counts). */
  #saving: Promise<void> = Promise.resolve();
  #unsaved: StoredPlayhead | null = null;
  #mode: PlayheadMode = 'everyone';
  #presenter: PlayheadPerson | null = null;
  #requests: PlayheadPerson[] = [];
  #pending: PendingResume | null = null;
  /** True while the barrier holds the room paused (and nobody has taken over since). */
  #held = false;
  /** Stalled connections someone already played past: they do not hold the room again until ready. */
  readonly #overridden = new Set<string>();
  #barrierTimer: unknown = null;
  #waitingFor: string[] = [];

  constructor(options: PlayheadRoomOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
    this.#barrier = new BufferingBarrier(options.barrier);
    const stored = options.stored;
    if (stored) {
      this.#states = [reopenTimeline(stored.timeline, options.now())];
      this.#mode = stored.mode;
      this.#presenter = stored.mode === 'presenter' ? stored.presenter : null;
      // Reopened paused: stored at once, so a second restart does not move the room again.
      this.#save();
    } else {
      const facts = options.media?.() ?? null;
      this.#states = [
        createPlayhead({ duration: facts?.duration ?? null, frameRate: facts?.frameRate ?? DEFAULT_FRAME_RATE, serverTime: options.now() }),
      ];
    }
    this.#log = options.log.slice(-PLAYHEAD_LOG_SIZE);
  }

  /** Resolves once every log entry and the newest timeline so far are stored (and the entries broadcast). */
  async recorded(): Promise<void> {
    await Promise.all([this.#recording, this.#saving]);
  }

  get state(): PlayheadState {
    return this.#states.at(-1)!;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** True while the newest state plays (also one scheduled to, within its lead). */
  get playing(): boolean {
    return !this.state.paused;
  }

  // ---- connections -----------------------------------------------------------------------------

  join(client: PlayheadClient, timing: ClockPing | null): PlayheadSnapshot {
    this.#connections.set(client.id, { ...client, timing: timing ?? { rtt: null }, solo: null, joining: !this.state.paused });
    // A video attached (or replaced) after the room's playhead started: the probed facts win.
    const facts = this.#o.media?.() ?? null;
    if (facts) {
      const media = { duration: facts.duration, frameRate: facts.frameRate ?? this.state.frameRate };
      if (media.duration !== this.state.duration || media.frameRate !== this.state.frameRate) this.#setMedia(media);
    }
    return { states: [...this.#states], room: this.info(), log: [...this.#log] };
  }

  leave(clientId: string): void {
    const gone = this.#connections.get(clientId);
    if (!gone) return;
    this.#connections.delete(clientId);
    this.#barrier.leave(clientId);
    this.#overridden.delete(clientId);
    if (!this.#online(gone.participantId)) this.#requests = this.#requests.filter((r) => r.participantId !== gone.participantId);
    this.#pending?.waiting.delete(clientId);
    this.#resumeIfReady();
    this.#evaluateBarrier();
    this.#out.room(this.info());
  }

  /** What a connection's clock ping says about it; a field left out keeps what it said before. */
  reportTiming(clientId: string, ping: ClockPing): void {
    const connection = this.#connections.get(clientId);
    if (connection) connection.timing = mergeTiming(connection.timing, ping);
  }

  info(): PlayheadRoomInfo {
    const person = (c: Connection): PlayheadPerson => ({ participantId: c.participantId, name: c.name });
    return {
      mode: this.#mode,
      presenter: this.#presenter,
      requests: [...this.#requests],
      waitingFor: this.#waitingFor.flatMap((id) => {
        const c = this.#connections.get(id);
        return c ? [person(c)] : [];
      }),
      outOfSync: [...this.#connections.values()].flatMap((c) => (c.solo ? [{ ...person(c), ...c.solo }] : [])),
    };
  }

  // ---- commands --------------------------------------------------------------------------------

  command(clientId: string, input: unknown): Answer<CommandReceipt> {
    const actor = this.#connections.get(clientId);
    if (!actor) return refuse('conflict', 'Join the playhead first.');
    const valid = validateCommand(input);
    if (!valid.ok) return refuse('bad_request', valid.message);
    const allowed = this.#mayControl(actor);
    if (!allowed.ok) return allowed;
    const { command } = valid;

    const now = this.#o.now();
    const at = now + this.#lead(command.type === 'play');
    const latest = this.state;
    const seeking = command.type === 'seek' || command.type === 'jump';
    let next: PlayheadState;
    if (seeking && (!latest.paused || this.#pending)) {
      // Seek while playing: land paused on the target frame everywhere, resume once all are there.
      // At once: every client seeks anyway, so where each one pauses does not matter, and the
      // lead would only delay the landing.
      next = applyCommand(applyCommand(latest, { type: 'pause' }, now), command, now);
      this.#cancelPending();
      const waiting = [...this.#connections.values()].filter((c) => !c.solo);
      this.#pending = {
        version: next.version,
        waiting: new Set(waiting.map((c) => c.id)),
        timer: this.#timers.set(() => this.#resume(), this.#seekWait(waiting)),
      };
    } else {
      next = applyCommand(latest, command, at);
      // A rate change keeps a pending resume: the positions everyone is seeking to stay the same.
      if (command.type !== 'rate') this.#cancelPending();
    }
    // Whoever acts takes over from the barrier; the stalls it was holding for do not hold again.
    this.#held = false;
    for (const id of this.#waitingFor) this.#overridden.add(id);
    this.#push(next);
    this.#record(actor, command.type, next.position, valueOf(command));
    this.#evaluateBarrier();
    return done({ version: next.version, effectiveAt: next.atServerTime });
  }

  /**
   * Pauses for the room itself, naming who caused it (the call's pause-on-talk); false when nothing
   * plays. At once, without a lead: someone has started to talk, and every client pauses and then
   * seeks to the paused frame anyway, so where each one stops does not matter.
   */
  pauseFor(actor: PlayheadPerson & { role: Role }): boolean {
    if (this.state.paused && !this.#pending) return false;
    this.#cancelPending();
    const next = applyCommand(this.state, { type: 'pause' }, this.#o.now());
    this.#push(next);
    this.#record(actor, 'pause', next.position, null);
    return true;
  }

  buffer(clientId: string, report: BufferReport): Answer {
    const connection = this.#connections.get(clientId);
    if (!connection) return refuse('conflict', 'Join the playhead first.');
    // Someone looking on their own holds nobody up.
    if (connection.solo) return done(undefined);
    const now = this.#o.now();
    if (report.state === 'stalled') {
      // A join never pauses the room: until its first start is done, a joiner catches up alone.
      if (!connection.joining) this.#barrier.stall(clientId, now);
    } else {
      connection.joining = false;
      this.#barrier.ready(clientId, now);
      this.#overridden.delete(clientId);
      if (this.#pending && report.version >= this.#pending.version) {
        this.#pending.waiting.delete(clientId);
        this.#resumeIfReady();
      }
    }
    this.#evaluateBarrier();
    return done(undefined);
  }

  solo(clientId: string, solo: boolean): Answer {
    const connection = this.#connections.get(clientId);
    if (!connection) return refuse('conflict', 'Join the playhead first.');
    if (solo === (connection.solo !== null)) return done(undefined);
    if (solo) {
      const now = this.#o.now();
      const { paused, rate } = this.state;
      connection.solo = { position: expectedPosition(this.state, now), paused, rate, atServerTime: now };
      this.#barrier.leave(clientId);
      this.#pending?.waiting.delete(clientId);
      this.#resumeIfReady();
      this.#evaluateBarrier();
    } else {
      connection.solo = null;
    }
    this.#out.room(this.info());
    return done(undefined);
  }

  soloPosition(clientId: string, report: SoloPosition): Answer {
    const connection = this.#connections.get(clientId);
    if (!connection) return refuse('conflict', 'Join the playhead first.');
    if (!connection.solo) return refuse('conflict', 'Only someone looking on their own reports a position.');
    connection.solo = { ...report, atServerTime: this.#o.now() };
    this.#out.room(this.info());
    return done(undefined);
  }

  media(clientId: string, report: MediaReport): Answer {
    const connection = this.#connections.get(clientId);
    if (!connection) return refuse('conflict', 'Join the playhead first.');
    if (!connection.permissions.controlPlayback) return refuse('forbidden', 'Your role in this room does not allow controlling playback.');
    // The first report wins; the media module's probe, when there is one, came before all of them.
    if (this.state.duration === null) this.#setMedia({ duration: report.duration, frameRate: report.frameRate ?? this.state.frameRate });
    return done(undefined);
  }

  // ---- control ---------------------------------------------------------------------------------

  setMode(clientId: string, mode: PlayheadMode): Answer {
    const actor = this.#connections.get(clientId);
    if (!actor) return refuse('conflict', 'Join the playhead first.');
    if (!actor.permissions.manageRoom) return refuse('forbidden', 'Only the host switches between everyone steering and one presenter.');
    if (mode === this.#mode) return done(undefined);
    this.#mode = mode;
    this.#presenter = mode === 'presenter' ? { participantId: actor.participantId, name: actor.name } : null;
    this.#requests = [];
    this.#save();
    this.#record(actor, 'mode', expectedPosition(this.state, this.#o.now()), mode);
    this.#out.room(this.info());
    return done(undefined);
  }

  control(clientId: string, request: ControlRequest): Answer {
    const actor = this.#connections.get(clientId);
    if (!actor) return refuse('conflict', 'Join the playhead first.');
    // The role comes first: a role that may never steer is refused as such, whatever the mode.
    if (request.action === 'request' && !actor.permissions.controlPlayback) {
      return refuse('forbidden', 'Your role in this room does not allow controlling playback.');
    }
    if (this.#mode !== 'presenter') return refuse('conflict', 'Everyone steers already: there is no presenter.');
    if (request.action === 'request') {
      const known = this.#presenter?.participantId === actor.participantId || this.#requests.some((r) => r.participantId === actor.participantId);
      if (!known) {
        this.#requests = [...this.#requests, { participantId: actor.participantId, name: actor.name }];
        this.#out.room(this.info());
      }
      return done(undefined);
    }
    if (this.#presenter?.participantId !== actor.participantId && !actor.permissions.manageRoom) {
      return refuse('forbidden', 'Only the presenter or the host hands over control.');
    }
    const target = [...this.#connections.values()].find((c) => c.participantId === request.to);
    if (!target) return refuse('not_found', 'That participant is not in the room.');
    if (!target.permissions.controlPlayback) return refuse('unprocessable', 'That participant’s role does not allow controlling playback.');
    this.#presenter = { participantId: target.participantId, name: target.name };
    this.#requests = this.#requests.filter((r) => r.participantId !== target.participantId);
    this.#save();
    this.#record(actor, 'control', expectedPosition(this.state, this.#o.now()), target.name);
    this.#out.room(this.info());
    return done(undefined);
  }

  /**
   * The server shuts down: a playing room pauses where it is now, without a lead (nobody will
   * follow a later state), and everyone still connected is told before the sockets close. The
   * paused state is stored like any other, so the room reopens on this frame.
   */
  stop(): void {
    this.#cancelPending();
    if (!this.state.paused) this.#push(applyCommand(this.state, { type: 'pause' }, this.#o.now()));
  }

  /** Stops the timers; the room is about to be dropped. */
  dispose(): void {
    this.#cancelPending();
    if (this.#barrierTimer !== null) this.#timers.clear(this.#barrierTimer);
    this.#barrierTimer = null;
  }

  // ---- internals -------------------------------------------------------------------------------

  get #out(): PlayheadOutput {
    return this.#o.out;
  }

  #online(participantId: string): boolean {
    return [...this.#connections.values()].some((c) => c.participantId === participantId);
  }

  #mayControl(actor: Connection): Answer {
    if (!actor.permissions.controlPlayback) return refuse('forbidden', 'Your role in this room does not allow controlling playback.');
    if (this.#mode === 'presenter' && this.#presenter?.participantId !== actor.participantId && !actor.permissions.manageRoom) {
      return refuse('conflict', `${this.#presenter?.name ?? 'The host'} is presenting: ask for control first.`);
    }
    return done(undefined);
  }

  /** Lead for a new state (scheduleDelay) over the connections following the room. */
  #lead(starting: boolean): number {
    const following = [...this.#connections.values()].filter((c) => !c.solo);
    return scheduleDelay(
      following.map(({ timing }) => ({
        rttMs: timing.rtt,
        rttSpreadMs: timing.rttSpread ?? 0,
        startLatencyMs: timing.startLatency ?? DEFAULT_START_LATENCY_MS,
      })),
      starting,
    );
  }

  /** How long a seek while playing waits for stragglers: twice the slowest seek and round trip. */
  #seekWait(waiting: readonly Connection[]): number {
    const slowest = waiting.reduce((max, { timing }) => Math.max(max, (timing.seekLatency ?? DEFAULT_SEEK_LATENCY_MS) + (timing.rtt ?? 0)), 0);
    const cap = this.#o.seekReadyTimeoutMs ?? SEEK_READY_TIMEOUT_MS;
    return Math.min(cap, Math.max(Math.min(SEEK_READY_MIN_MS, cap), 2 * slowest));
  }

  #push(state: PlayheadState): void {
    this.#states = [...this.#states, state].slice(-2);
    this.#save();
    this.#out.state(state);
  }

  /**
   * Writes the newest state, mode and presenter through to the store, behind the write in progress
   * (the broadcast does not wait for it, the sender's ack does: see `written`).
   */
  #save(): void {
    const { version, paused, rate, position, atServerTime, duration, frameRate } = this.state;
    const at = atServerTime - this.#o.now() + this.#o.wallClock();
    const queued = this.#unsaved !== null;
    this.#unsaved = {
      timeline: { version, paused, rate, position, at, aliveAt: at, duration, frameRate },
      mode: this.#mode,
      presenter: this.#presenter,
    };
    // A write already waiting takes this newer timeline with it: states are never written out of order.
    if (queued) return;
    this.#saving = this.#saving
      .then(async () => {
        const next = this.#unsaved!;
        this.#unsaved = null;
        await this.#o.saved.save(this.#o.roomId, next);
      })
      .catch((err: unknown) => this.#o.onError?.(err, 'storing the playhead state failed'));
  }

  /**
   * Resolves once every change made so far is in the store (a failed write is logged and counts as
   * done: the room goes on from memory).
   */
  written(): Promise<void> {
    return this.#saving;
  }

  #setMedia(media: { duration: number; frameRate: number }): void {
    this.#push(withMedia(this.state, media, this.#o.now()));
  }

  #record(actor: (PlayheadPerson & { role: Role }) | null, action: PlayheadLogEntry['action'], position: number, value: PlayheadLogEntry['value']): void {
    const line = {
      at: this.#o.wallClock(),
      actor: actor && { participantId: actor.participantId, name: actor.name, role: actor.role },
      action,
      position,
      value,
    };
    this.#recording = this.#recording
      .then(async () => {
        const entry = await this.#o.events.append(this.#o.roomId, line);
        this.#log = [...this.#log, entry].slice(-PLAYHEAD_LOG_SIZE);
        this.#out.log(entry);
      })
      .catch((err: unknown) => this.#o.onError?.(err, 'storing a playhead log entry failed'));
  }

  #cancelPending(): void {
    if (this.#pending) this.#timers.clear(this.#pending.timer);
    this.#pending = null;
  }

  #resumeIfReady(): void {
    if (this.#pending && this.#pending.waiting.size === 0) this.#resume();
  }

  /** The scheduled play that ends a seek while playing. */
  #resume(): void {
    this.#cancelPending();
    this.#push(applyCommand(this.state, { type: 'play' }, this.#o.now() + this.#lead(true)));
    this.#evaluateBarrier();
  }

  /** Holds or releases the room after anything that may change whom the barrier waits for. */
  #evaluateBarrier(): void {
    const now = this.#o.now();
    const waiting = this.#barrier.waitingFor(now).filter((id) => {
      const c = this.#connections.get(id);
      return c !== undefined && c.solo === null;
    });
    const names = (ids: readonly string[]) => [...new Set(ids.map((id) => this.#connections.get(id)!.name))].join(', ');
    const blocking = waiting.filter((id) => !this.#overridden.has(id));
    if (!this.#held && blocking.length > 0 && !this.state.paused && !this.#pending) {
      this.#held = true;
      const paused = applyCommand(this.state, { type: 'pause' }, now + this.#lead(false));
      this.#push(paused);
      this.#record(null, 'wait', paused.position, names(blocking));
    } else if (this.#held && waiting.length === 0) {
      this.#held = false;
      const playing = applyCommand(this.state, { type: 'play' }, now + this.#lead(true));
      this.#push(playing);
      this.#record(null, 'resume', playing.position, null);
    }
    if (waiting.join() !== this.#waitingFor.join()) {
      this.#waitingFor = waiting;
      this.#out.room(this.info());
    }
    if (this.#barrierTimer !== null) this.#timers.clear(this.#barrierTimer);
    const next = this.#barrier.nextChangeAt(now);
    this.#barrierTimer = next === null ? null : this.#timers.set(() => this.#evaluateBarrier(), Math.max(0, next - now));
  }
}

function mergeTiming(before: ClockPing, ping: ClockPing): ClockPing {
  return {
    rtt: ping.rtt ?? before.rtt,
    rttSpread: ping.rttSpread ?? before.rttSpread,
    startLatency: ping.startLatency ?? before.startLatency,
    seekLatency: ping.seekLatency ?? before.seekLatency,
  };
}

function valueOf(command: PlayheadCommand): PlayheadLogEntry['value'] {
  switch (command.type) {
    case 'rate':
      return command.rate;
    case 'step':
      return command.frames;
    case 'jump':
      return command.seconds;
    default:
      return null;
  }
}

/**
 * The cluster over Redis (REDIS_URL): room ownership leases (SET NX PX, renewed while held, handed
 * over on request), the leader lease for the cluster's jobs, and cross-process signals, all over one
 * command connection and one pub/sub connection per process.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Leadership } from './jobs.ts';
import type { AcquireHook, ReleaseHook, ReleaseReason, RoomOwnership } from './ownership.ts';
import { parseSignal, type ClusterSignal, type SignalHandler, type Signals } from './signals.ts';

export class RedisUnreachable extends Error {}

export interface ClusterLog {
  info(data: Record<string, unknown>, msg: string): void;
  warn(data: Record<string, unknown>, msg: string): void;
  error(data: Record<string, unknown>, msg: string): void;
}

export interface LeaseTimings {
  /** How long a lease lives without renewal: how long a killed process's rooms wait (ms). */
  ttlMs: number;
  /** How long a room stays held with no connection and no request (ms). */
  idleMs: number;
  /** How long a claim waits for the room's owner to let go (ms); a dead owner's lease expires within ttlMs. */
  claimTimeoutMs: number;
}

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { ttlMs: 3000, idleMs: 30_000, claimTimeoutMs: 8000 };

const PREFIX = 'kijkkamer:';
const leaseKey = (roomId: string) => `${PREFIX}lease:${roomId}`;
const SIGNALS = `${PREFIX}signals`;
const LEASES = `${PREFIX}leases`;
/** Which process runs the cluster's jobs (cluster/jobs.ts). */
export const LEADER_KEY = `${PREFIX}leader`;

// Only the holder may renew or delete its lease: compare and act in one step on the server.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Takes a free lease, or one still its own (a renewal that arrived after this process stopped leading).
const TAKE = `local v = redis.call('get', KEYS[1]) if v == false or v == ARGV[1] then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 else return 0 end`;

/** A URL for messages: the password never reaches a log or an error. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//***@');

/**
 * Connects both connections and checks Redis answers, so a wrong or unreachable REDIS_URL is
 * a clear error at start instead of a stream of retries later.
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<{ command: Redis; subscriber: Redis }> {
  const open = () =>
    new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      // After start-up a dropped connection is retried for ever (leases lapse meanwhile, see renew);
      // commands wait in the offline queue only briefly.
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
  const command = open();
  const subscriber = open();
  try {
    await Promise.all([command.connect(), subscriber.connect()]);
    await command.ping();
  } catch (err) {
    command.disconnect();
    subscriber.disconnect();
    throw new RedisUnreachable(`cannot reach Redis at REDIS_URL=${redactUrl(url)}: ${(err as Error).message}`);
  }
  return { command, subscriber };
}

type LeaseMessage = { kind: 'handover'; roomId: string; from: string } | { kind: 'released'; roomId: string; from: string };

function parseLeaseMessage(raw: unknown): LeaseMessage | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if ((m.kind !== 'handover' && m.kind !== 'released') || typeof m.roomId !== 'string' || typeof m.from !== 'string') return null;
  return { kind: m.kind, roomId: m.roomId, from: m.from };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

interface Held {
  connections: number;
  /** When Redis last confirmed the lease (the SET or a renewal was sent then): it lasts ttlMs from there at least. */
  confirmedAt: number;
  idleTimer: ReturnType<typeof setTimeout> | null;
  /** Set while its release hooks run: no new connection is counted, no second release starts. */
  releasing: boolean;
}

interface Leader {
  hooks: { start(): Promise<void>; stop(): Promise<void> };
  leading: boolean;
  /** When Redis last confirmed the leader lease (the take or a renewal was sent then). */
  confirmedAt: number;
  /** Counts starts and stops: an answer that arrives after leadership changed is ignored. */
  epoch: number;
  /** A take or renewal is on its way: the next tick does not send another. */
  busy: boolean;
  /** The first runs of the jobs, when this process took the lease. */
  started: Promise<void> | null;
  /** The jobs' stop in progress (awaited on close). */
  stopped: Promise<void>;
}

export class RedisCluster implements RoomOwnership, Signals, Leadership {
  readonly processId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #command: Redis;
  readonly #subscriber: Redis;
  readonly #timings: LeaseTimings;
  readonly #log: ClusterLog;
  readonly #held = new Map<string, Held>();
  readonly #claims = new Map<string, Promise<boolean>>();
  /** Resolvers of claims waiting for a room's owner to say it let go. */
  readonly #waiting = new Map<string, Set<() => void>>();
  readonly #releaseHooks: ReleaseHook[] = [];
  readonly #acquireHooks: AcquireHook[] = [];
  #signalHandler: SignalHandler = () => {};
  #renewTimer: ReturnType<typeof setInterval>;
  #renewing = false;
  #closed = false;
  #leader: Leader | null = null;

  constructor(connections: { command: Redis; subscriber: Redis }, log: ClusterLog, timings: Partial<LeaseTimings> = {}) {
    this.#command = connections.command;
    this.#subscriber = connections.subscriber;
    this.#timings = { ...DEFAULT_LEASE_TIMINGS, ...timings };
    this.#log = log;
    this.#command.on('error', (err: Error) => this.#log.warn({ err: err.message }, 'redis: command connection error'));
    this.#subscriber.on('error', (err: Error) => this.#log.warn({ err: err.message }, 'redis: subscriber connection error'));
    this.#subscriber.on('message', (channel: string, text: string) => this.#onMessage(channel, text));
    // Six times per lease time: a renewal may take up to a third of it before a lease counts as unconfirmed.
    this.#renewTimer = setInterval(() => {
      void this.#renew();
      this.#leadTick();
    }, Math.max(50, Math.floor(this.#timings.ttlMs / 6)));
    this.#renewTimer.unref();
  }

  /** Subscribes; the cluster hears nothing before this resolves. */
  async start(): Promise<void> {
    await this.#subscriber.subscribe(SIGNALS, LEASES);
  }

  // --- signals -----------------------------------------------------------------------------------

  publish(signal: ClusterSignal): void {
    this.#signalHandler(signal);
    this.#command.publish(SIGNALS, JSON.stringify({ from: this.processId, signal })).catch((err: Error) => {
      this.#log.error({ err: err.message, kind: signal.kind }, 'redis: a signal could not be sent to the other processes');
    });
  }

  handle(handler: SignalHandler): void {
    this.#signalHandler = handler;
  }

  // --- ownership ---------------------------------------------------------------------------------

  onRelease(hook: ReleaseHook): void {
    this.#releaseHooks.push(hook);
  }

  onAcquire(hook: AcquireHook): void {
    this.#acquireHooks.push(hook);
  }

  held(): string[] {
    return [...this.#held].flatMap(([id, h]) => (h.releasing ? [] : [id]));
  }

  holds(roomId: string): boolean {
    // Also while its release hooks run: the lease is still this process's until they are done, so
    // the documents they unload may still fold their logs.
    return this.#held.has(roomId);
  }

  claim(roomId: string): true | Promise<boolean> {
    const held = this.#held.get(roomId);
    if (held && !held.releasing) {
      if (held.connections === 0) this.#idleLater(roomId, held);
      return true;
    }
    let pending = this.#claims.get(roomId);
    if (!pending) {
      pending = this.#acquire(roomId).finally(() => this.#claims.delete(roomId));
      this.#claims.set(roomId, pending);
    }
    return pending;
  }

  enter(roomId: string): void {
    const held = this.#held.get(roomId);
    if (!held || held.releasing) return;
    held.connections += 1;
    if (held.idleTimer) clearTimeout(held.idleTimer);
    held.idleTimer = null;
  }

  leave(roomId: string): void {
    const held = this.#held.get(roomId);
    if (!held || held.releasing) return;
    held.connections = Math.max(0, held.connections - 1);
    if (held.connections === 0) this.#idleLater(roomId, held);
  }

  // --- leadership (cluster/jobs.ts) -----------------------------------------------------------

  /** Tries to lead at once (awaiting the jobs' first runs if it does), then on every tick. */
  async lead(hooks: { start(): Promise<void>; stop(): Promise<void> }): Promise<void> {
    const leader: Leader = { hooks, leading: false, confirmedAt: 0, epoch: 0, busy: true, started: null, stopped: Promise.resolve() };
    this.#leader = leader;
    await this.#leadStep(leader).finally(() => (leader.busy = false));
    await leader.started;
  }

  /** Stops the jobs, then frees the leader lease so another process takes over at once. */
  async resign(): Promise<void> {
    const leader = this.#leader;
    if (!leader) return;
    this.#leader = null;
    this.#stopLeading(leader);
    await leader.stopped;
    // Also when it had stopped leading for want of confirmation: the lease may still be its own.
    await this.#command.eval(RELEASE, 1, LEADER_KEY, this.processId).catch(() => 0);
  }

  #leadTick(): void {
    const leader = this.#leader;
    if (!leader || this.#closed) return;
    // Like a room's lease: unconfirmed for half its time, it is given up before it could run out
    // and another process start the same jobs.
    if (leader.leading && Date.now() - leader.confirmedAt > this.#timings.ttlMs / 2) {
      this.#log.warn({}, 'cluster: Redis does not confirm the leader lease; stopping the cluster jobs here');
      this.#stopLeading(leader);
    }
    if (leader.busy) return;
    leader.busy = true;
    void this.#leadStep(leader).finally(() => (leader.busy = false));
  }

  async #leadStep(leader: Leader): Promise<void> {
    const { epoch, leading } = leader;
    const sentAt = Date.now();
    if (leading) {
      const renewed = await this.#command.eval(RENEW, 1, LEADER_KEY, this.processId, this.#timings.ttlMs).catch(() => null);
      if (leader.epoch !== epoch || this.#leader !== leader) return;
      if (renewed === 1) leader.confirmedAt = sentAt;
      else if (renewed === 0) {
        this.#log.warn({}, 'cluster: the leader lease was taken; stopping the cluster jobs here');
        this.#stopLeading(leader);
      }
      return;
    }
    const taken = await this.#command.eval(TAKE, 1, LEADER_KEY, this.processId, this.#timings.ttlMs).catch(() => null);
    if (taken !== 1 || leader.epoch !== epoch || this.#leader !== leader || this.#closed) return;
    leader.leading = true;
    leader.epoch += 1;
    leader.confirmedAt = sentAt;
    this.#log.info({}, 'cluster: leading the cluster jobs');
    // Not awaited here: renewals go on while the jobs run.
    leader.started = leader.stopped.then(() => leader.hooks.start());
  }

  #stopLeading(leader: Leader): void {
    if (!leader.leading) return;
    leader.leading = false;
    leader.epoch += 1;
    leader.started = null;
    leader.stopped = leader.hooks.stop();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.resign();
    this.#closed = true;
    clearInterval(this.#renewTimer);
    await Promise.all([...this.#held.keys()].map((roomId) => this.#release(roomId, 'shutdown')));
    this.#subscriber.disconnect();
    await this.#command.quit().catch(() => this.#command.disconnect());
  }

  async #acquire(roomId: string): Promise<boolean> {
    const deadline = Date.now() + this.#timings.claimTimeoutMs;
    let askedAt = 0;
    while (!this.#closed && Date.now() < deadline) {
      const sentAt = Date.now();
      const ok = await this.#command.set(leaseKey(roomId), this.processId, 'PX', this.#timings.ttlMs, 'NX').catch(() => null);
      if (ok === 'OK') {
        // Whatever of the room is still in memory here (a document read by a request while another
        // process served the room) is from before: it is read again from the store.
        for (const hook of this.#acquireHooks) hook(roomId);
        const held: Held = { connections: 0, confirmedAt: sentAt, idleTimer: null, releasing: false };
        this.#held.set(roomId, held);
        this.#idleLater(roomId, held);
        this.#log.info({ roomId }, 'cluster: serving room');
        return true;
      }
      // The owner is asked once a second (a message may be missed while it reconnects); a dead
      // owner never answers and its lease runs out instead.
      if (Date.now() - askedAt > 1000) {
        askedAt = Date.now();
        const ask: LeaseMessage = { kind: 'handover', roomId, from: this.processId };
        await this.#command.publish(LEASES, JSON.stringify(ask)).catch(() => 0);
      }
      await this.#waitForRelease(roomId, Math.min(250, Math.max(0, deadline - Date.now())));
    }
    this.#log.warn({ roomId }, 'cluster: the room\'s owner did not let go in time');
    return false;
  }

  #waitForRelease(roomId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.#waiting.get(roomId);
      if (!waiters) this.#waiting.set(roomId, (waiters = new Set()));
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiting.get(roomId) === waiters) this.#waiting.delete(roomId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  #idleLater(roomId: string, held: Held): void {
    if (held.idleTimer) clearTimeout(held.idleTimer);
    held.idleTimer = setTimeout(() => {
      held.idleTimer = null;
      if (held.connections === 0) void this.#release(roomId, 'idle');
    }, this.#timings.idleMs);
    held.idleTimer.unref();
  }

  async #release(roomId: string, reason: ReleaseReason): Promise<void> {
    const held = this.#held.get(roomId);
    if (!held || held.releasing) return;
    held.releasing = true;
    if (held.idleTimer) clearTimeout(held.idleTimer);
    for (const hook of this.#releaseHooks) {
      try {
        await hook(roomId, reason);
      } catch (err) {
        this.#log.error({ err: String(err), roomId, reason }, 'cluster: letting go of a room failed');
      }
    }
    this.#held.delete(roomId);
    if (reason !== 'lost') {
      await this.#command.eval(RELEASE, 1, leaseKey(roomId), this.processId).catch(() => 0);
      const told: LeaseMessage = { kind: 'released', roomId, from: this.processId };
      await this.#command.publish(LEASES, JSON.stringify(told)).catch(() => 0);
    }
    this.#log.info({ roomId, reason }, 'cluster: room released');
  }

  async #renew(): Promise<void> {
    // A lease Redis has not confirmed for half its time (Redis is down, or a renewal hangs in the
    // client's offline queue) may run out unseen and another process take the room: it is let go
    // first — by the next tick at the latest, still inside the lease time.
    const now = Date.now();
    for (const [roomId, held] of this.#held) {
      if (held.releasing || now - held.confirmedAt <= this.#timings.ttlMs / 2) continue;
      this.#log.warn({ roomId }, 'cluster: Redis does not confirm the lease; letting go of the room before it runs out');
      void this.#release(roomId, 'lost');
    }
    const rooms = this.held();
    if (rooms.length === 0 || this.#renewing) return;
    const pipeline = this.#command.pipeline();
    for (const roomId of rooms) pipeline.eval(RENEW, 1, leaseKey(roomId), this.processId, this.#timings.ttlMs);
    this.#renewing = true;
    const sentAt = Date.now();
    const results = await pipeline.exec().catch(() => null);
    this.#renewing = false;
    if (!results) return;
    rooms.forEach((roomId, i) => {
      const [err, renewed] = results[i] ?? [null, 0];
      const held = this.#held.get(roomId);
      if (err || !held) return;
      if (renewed === 0) {
        this.#log.warn({ roomId }, 'cluster: lease lost; letting go of the room');
        void this.#release(roomId, 'lost');
      } else held.confirmedAt = sentAt;
    });
  }

  #onMessage(channel: string, text: string): void {
    const envelope = parseJson(text) as { from?: unknown; signal?: unknown } | null;
    if (channel === SIGNALS) {
      if (envelope?.from === this.processId) return;
      const signal = parseSignal(envelope?.signal);
      if (!signal) return this.#log.warn({ channel }, 'redis: ignored a signal of unknown shape');
      try {
        this.#signalHandler(signal);
      } catch (err) {
        this.#log.error({ err: String(err), kind: signal.kind }, 'cluster: applying a signal failed');
      }
      return;
    }
    if (channel !== LEASES) return;
    const message = parseLeaseMessage(envelope);
    if (!message || message.from === this.processId) return;
    switch (message.kind) {
      case 'handover':
        if (this.#held.has(message.roomId)) void this.#release(message.roomId, 'handover');
        return;
      case 'released':
        for (const wake of this.#waiting.get(message.roomId) ?? []) wake();
        return;
      default:
        message satisfies never;
    }
  }
}

/** Connects, subscribes, and answers the cluster; throws RedisUnreachable with a clear message. */
export async function startRedisCluster(url: string, log: ClusterLog, timings?: Partial<LeaseTimings>): Promise<RedisCluster> {
  const cluster = new RedisCluster(await connectRedis(url), log, timings);
  await cluster.start();
  return cluster;
}

/**
 * Decides when the room waits for someone who is buffering. Users complain both about rooms that
 * never wait (one person silently falls behind) and rooms that wait forever (Jellyfin deadlocks),
 * so the room waits, but briefly and boundedly:
 * - a stall shorter than the grace time is ignored (a short hiccup is fixed by drift correction);
 * - a client stalled for at least the grace time holds the room until it is ready again,
 * - but for no longer than the timeout; then it is released and the others play on without it.
 * A released client is on probation once it recovers: further stalls within the probation time do
 * not hold the room, so a connection that keeps dropping out cannot make the room wait every time.
 *
 * Times are the server's clock (ms); the class holds state but does no I/O and reads no clock.
 */

export interface BarrierOptions {
  /** Stall time before the room waits (ms). */
  readonly graceMs: number;
  /** Longest the room waits for one stall (ms), counted from the end of the grace time. */
  readonly timeoutMs: number;
  /** After a released client recovers, its stalls are ignored for this long (ms). */
  readonly probationMs: number;
}

export const BARRIER_DEFAULTS: BarrierOptions = { graceMs: 1000, timeoutMs: 10_000, probationMs: 30_000 };

interface ClientRecord {
  /** When the current stall began, or null while the client plays. */
  readonly stalledSince: number | null;
  /** Until when stalls are ignored (-Infinity when not on probation). */
  readonly probationUntil: number;
}

export class BufferingBarrier {
  readonly #options: BarrierOptions;
  readonly #clients = new Map<string, ClientRecord>();

  constructor(options: Partial<BarrierOptions> = {}) {
    this.#options = { ...BARRIER_DEFAULTS, ...options };
  }

  /** The client's video is waiting for data. Repeated reports keep the time of the first. */
  stall(clientId: string, now: number): void {
    const record = this.#clients.get(clientId) ?? { stalledSince: null, probationUntil: -Infinity };
    if (record.stalledSince !== null || now < record.probationUntil) return;
    this.#clients.set(clientId, { ...record, stalledSince: now });
  }

  /** The client can play again (canplay / playing). */
  ready(clientId: string, now: number): void {
    const record = this.#clients.get(clientId);
    if (record === undefined || record.stalledSince === null) return;
    const released = now >= this.#releaseAt(record.stalledSince);
    this.#clients.set(clientId, {
      stalledSince: null,
      probationUntil: released ? now + this.#options.probationMs : record.probationUntil,
    });
  }

  leave(clientId: string): void {
    this.#clients.delete(clientId);
  }

  /** The clients the room is waiting for at `now`. */
  waitingFor(now: number): string[] {
    const waiting: string[] = [];
    for (const [clientId, { stalledSince }] of this.#clients) {
      if (stalledSince !== null && now >= stalledSince + this.#options.graceMs && now < this.#releaseAt(stalledSince)) {
        waiting.push(clientId);
      }
    }
    return waiting;
  }

  shouldWait(now: number): boolean {
    return this.waitingFor(now).length > 0;
  }

  /**
   * The next time after `now` at which `waitingFor` changes without any new report (a grace time
   * running out or a wait timing out), or null when nothing is pending: the server sets one timer
   * for it instead of polling.
   */
  nextChangeAt(now: number): number | null {
    let next: number | null = null;
    for (const { stalledSince } of this.#clients.values()) {
      if (stalledSince === null) continue;
      const change = [stalledSince + this.#options.graceMs, this.#releaseAt(stalledSince)].find((t) => t > now);
      if (change !== undefined && (next === null || change < next)) next = change;
    }
    return next;
  }

  #releaseAt(stalledSince: number): number {
    return stalledSince + this.#options.graceMs + this.#options.timeoutMs;
  }
}

import type { ErrorCode } from '../../../shared/errors.ts';
import type { SessionRef, SessionStore } from './sessions.ts';

/** What a connection is told when its session ends. */
export interface SessionEnd {
  code: ErrorCode;
  message: string;
}

export const SESSION_ENDED: SessionEnd = {
  code: 'unauthorised',
  message: 'Your session has ended (signed out, or away too long). Sign in or open your invite link again.',
};

/** A live connection opened on a session: how to end it. */
export type EndConnection = (reason: SessionEnd) => void;

export interface Tracked {
  /**
   * The person did something on this connection (wrote, steered): it keeps the session from idling
   * out. False (at once, or once the store answered) if the session has ended; its connections are
   * being closed.
   */
  active(): boolean | Promise<boolean>;
  /** The connection closed by itself: forget it. */
  release(): void;
}

/** How often open connections are checked against their sessions' idle and absolute deadlines. */
export const LIVE_CHECK_MS = 60_000;

/**
 * The live connections (socket.io sockets, Yjs WebSockets) of each session, so that a session that
 * ends — sign-out, idle or absolute expiry, or its row removed in any other way — ends them too,
 * as revoking an invite does. A sign-out ends them at once; expiry at the next periodic check.
 */
export class LiveSessions {
  readonly #sessions: SessionStore;
  readonly #live = new Map<string, { ref: SessionRef; ends: Set<EndConnection> }>();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(sessions: SessionStore) {
    this.#sessions = sessions;
    sessions.onEnded((ids) => {
      for (const id of ids) this.#end(id);
    });
  }

  track(ref: SessionRef, end: EndConnection): Tracked {
    let entry = this.#live.get(ref.id);
    if (!entry) {
      entry = { ref, ends: new Set() };
      this.#live.set(ref.id, entry);
    }
    entry.ends.add(end);
    const release = () => {
      const current = this.#live.get(ref.id);
      if (!current) return;
      current.ends.delete(end);
      if (current.ends.size === 0) this.#live.delete(ref.id);
    };
    return {
      // A session found ended here ends its connections through onEnded.
      active: () => this.#sessions.use(ref),
      release,
    };
  }

  /** Sessions that ended in another process (a sign-out there): end their connections here too. */
  endSessions(ids: readonly string[]): void {
    for (const id of ids) this.#end(id);
  }

  /** Ends the connections of every tracked session that is no longer live; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let ended = 0;
    for (const [id, entry] of [...this.#live]) {
      if (this.#live.get(id) !== entry) continue;
      const count = entry.ends.size;
      if (!(await this.#sessions.isLive(entry.ref, now))) ended += count;
    }
    return ended;
  }

  start(intervalMs = LIVE_CHECK_MS, onError: (err: unknown) => void = () => {}): void {
    this.#timer = setInterval(() => {
      this.sweep().catch(onError);
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #end(id: string): void {
    const entry = this.#live.get(id);
    if (!entry) return;
    this.#live.delete(id);
    for (const end of entry.ends) end(SESSION_ENDED);
  }
}

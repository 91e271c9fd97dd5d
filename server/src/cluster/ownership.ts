/**
 * Which process serves a room. A room's playhead, presence, call and loaded Yjs documents live in
 * the memory of the one process that serves it, so two processes must never serve the same room
 * at once: each room has an ownership lease, and a process serves a room only while it holds it.
 */

/** Why a process lets go of a room it served. */
export type ReleaseReason =
  /** Another process asked for it (the proxy now sends the room's connections there). */
  | 'handover'
  /** Nobody used it here for a while. */
  | 'idle'
  /** The lease could not be renewed (this process was cut off from Redis, or paused too long). */
  | 'lost'
  /** This process is shutting down. */
  | 'shutdown';

/**
 * Lets go of a room: store what is pending, close its connections so their clients reconnect
 * (and land on the room's new process), and forget what is in memory. Awaited before the lease is
 * released, so the next owner reads everything from the store.
 */
export type ReleaseHook = (roomId: string, reason: ReleaseReason) => void | Promise<void>;

/** Just taken a room: anything of it still in memory here is from before, and is forgotten. */
export type AcquireHook = (roomId: string) => void;

export interface RoomOwnership {
  /** This process's name in leases and logs. */
  readonly processId: string;
  /**
   * Before serving anything of this room: true when this process holds (or has just taken) the
   * room — at once, without a promise, when it holds it already; false when the room's owner did
   * not let go in time.
   */
  claim(roomId: string): true | Promise<boolean>;
  /** Whether this process serves the room now. */
  holds(roomId: string): boolean;
  /** A live connection of the room opened here; it keeps the room from being released as idle. */
  enter(roomId: string): void;
  /** That connection closed. */
  leave(roomId: string): void;
  onRelease(hook: ReleaseHook): void;
  onAcquire(hook: AcquireHook): void;
  /** The rooms this process serves now. */
  held(): string[];
  /** Releases every room (after running the release hooks) and stops. */
  close(): Promise<void>;
}

/** One process serves every room: nothing to claim, nothing to hand over. */
export class LocalOwnership implements RoomOwnership {
  readonly processId = 'local';
  claim(): true {
    return true;
  }
  holds(): true {
    return true;
  }
  enter(): void {}
  leave(): void {}
  onRelease(): void {}
  onAcquire(): void {}
  held(): string[] {
    return [];
  }
  async close(): Promise<void> {}
}

/**
 * Knows whether every local change has reached the server. y-websocket has no acknowledgements,
 * but the hub handles one connection's frames in order, persists an update before it reads the
 * next frame, and echoes every awareness update to everyone, sender included. So when our own
 * awareness state comes back with a clock at least that of a state we sent after some changes,
 * those changes are in the server's store. "Opgeslagen" then means saved on the server, not just
 * handed to a socket that may be dead.
 */
import * as decoding from 'lib0/decoding';

/** The clock our own client has in an encoded awareness update, or null if it is not in there. */
export function awarenessClockOf(update: Uint8Array, clientId: number): number | null {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i++) {
    const id = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    decoding.readVarString(decoder);
    if (id === clientId) return clock;
  }
  return null;
}

export class SaveTracker {
  /** Local changes counted so far; the server has confirmed the first `acked` of them. */
  private changes = 0;
  private acked = 0;
  /** When each unconfirmed change happened, oldest first. */
  private times: number[] = [];
  /** Awareness states sent on the live connection, and how many changes preceded each. */
  private checkpoints: { clock: number; upTo: number }[] = [];

  changed(now = Date.now()): void {
    this.changes++;
    this.times.push(now);
  }

  /** True when some change has no awareness state sent after it yet. */
  get needsCheckpoint(): boolean {
    return this.changes > (this.checkpoints.at(-1)?.upTo ?? this.acked);
  }

  /** Our awareness state with `clock` just went out on a synced connection, after every change counted. */
  sent(clock: number): void {
    if (this.needsCheckpoint) this.checkpoints.push({ clock, upTo: this.changes });
  }

  /** The server echoed our awareness state with `clock`. Returns true when that confirmed changes. */
  echoed(clock: number): boolean {
    let upTo = this.acked;
    while (this.checkpoints.length > 0 && this.checkpoints[0]!.clock <= clock) upTo = this.checkpoints.shift()!.upTo;
    if (upTo <= this.acked) return false;
    this.times.splice(0, upTo - this.acked);
    this.acked = upTo;
    return true;
  }

  /** The connection dropped: whatever was in flight is unconfirmed and the resync will resend it. */
  lost(): void {
    this.checkpoints = [];
  }

  get pending(): boolean {
    return this.changes > this.acked;
  }

  /** When the oldest unconfirmed change happened, or null when everything is saved. */
  get pendingSince(): number | null {
    return this.times[0] ?? null;
  }
}

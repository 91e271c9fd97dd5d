import type { PlayheadLogEntry, PlayheadRoomInfo, PlayheadSnapshot } from '../../shared/playhead/protocol.ts';
import type { PlayheadState } from '../../shared/playhead/timeline.ts';
import type { HttpClient } from './http.ts';
import { connected, roomSocket, type TestSocket } from './sockets.ts';

export type AckResult<T = unknown> = { ok: true; value?: T } | { ok: false; error: { code: string; message: string } };

/** A raw socket.io participant of the shared playhead that records everything the server sends. */
export class PlayheadPeer {
  readonly states: PlayheadState[] = [];
  readonly logs: PlayheadLogEntry[] = [];
  rooms: PlayheadRoomInfo[] = [];
  snapshot: PlayheadSnapshot | null = null;

  readonly socket: TestSocket;
  private constructor(socket: TestSocket) {
    this.socket = socket;
    socket.on('playhead:state', (s) => this.states.push(s));
    socket.on('playhead:log', (e) => this.logs.push(e));
    socket.on('playhead:room', (r) => this.rooms.push(r));
  }

  /** Connects, joins the playhead and keeps the snapshot. */
  static async join(http: HttpClient, roomId: string): Promise<PlayheadPeer> {
    const peer = new PlayheadPeer(roomSocket(http, roomId));
    await connected(peer.socket);
    const ack = await peer.emit<PlayheadSnapshot>('playhead:join');
    if (!ack.ok) throw new Error(`join refused: ${ack.error.message}`);
    peer.snapshot = ack.value!;
    return peer;
  }

  /** The newest state this peer knows: from broadcasts, else from the snapshot. */
  get latest(): PlayheadState {
    const all = [...(this.snapshot?.states ?? []), ...this.states];
    return all.reduce((a, b) => (b.version > a.version ? b : a));
  }

  get room(): PlayheadRoomInfo | undefined {
    return this.rooms.at(-1) ?? this.snapshot?.room;
  }

  /** Any event with an ack, untyped so tests can send what a hostile client would. */
  emit<T = unknown>(event: string, ...args: unknown[]): Promise<AckResult<T>> {
    return new Promise((resolve) => (this.socket.emit as (e: string, ...a: unknown[]) => void)(event, ...args, resolve));
  }

  command(command: unknown): Promise<AckResult<{ version: number; effectiveAt: number }>> {
    return this.emit('playhead:command', command);
  }

  close(): void {
    this.socket.disconnect();
  }
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A round trip through the server: socket.io keeps order on a connection and the server handles
 * messages in order, so anything it broadcast before answering has arrived once this resolves.
 */
export async function settled(...peers: PlayheadPeer[]): Promise<void> {
  await Promise.all(peers.map((p) => p.emit('playhead:clock', { rtt: null })));
}

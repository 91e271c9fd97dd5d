import type { CallEnded, IncomingSignal, Joined, TalkPause, VoicePeer, VoiceSettings } from '../../shared/voice/protocol.ts';
import type { HttpClient } from './http.ts';
import type { AckResult } from './playhead.ts';
import { connected, roomSocket, type TestSocket } from './sockets.ts';

/** A raw socket.io client of the room's call that records everything the server sends it. */
export class VoiceClient {
  readonly peers: VoicePeer[][] = [];
  readonly signals: IncomingSignal[] = [];
  readonly settings: VoiceSettings[] = [];
  readonly paused: TalkPause[] = [];
  readonly ended: CallEnded[] = [];
  joined: Joined | null = null;

  readonly socket: TestSocket;
  constructor(socket: TestSocket) {
    this.socket = socket;
    socket.on('voice:peers', (p) => this.peers.push(p));
    socket.on('voice:signal', (s) => this.signals.push(s));
    socket.on('voice:settings', (s) => this.settings.push(s));
    socket.on('voice:paused', (p) => this.paused.push(p));
    socket.on('voice:ended', (e) => this.ended.push(e));
  }

  static async connect(http: HttpClient, roomId: string): Promise<VoiceClient> {
    const client = new VoiceClient(roomSocket(http, roomId));
    await connected(client.socket);
    return client;
  }

  /** Connects and joins the call, unmuted, camera off. */
  static async join(http: HttpClient, roomId: string): Promise<VoiceClient> {
    const client = await VoiceClient.connect(http, roomId);
    await client.join();
    return client;
  }

  async join(resume: string | null = null): Promise<Joined> {
    const ack = await this.emit<Joined>('voice:join', { muted: false, camera: false, resume });
    if (!ack.ok) throw new Error(`join refused: ${ack.error.message}`);
    this.joined = ack.value!;
    return this.joined;
  }

  get peerId(): string {
    if (!this.joined) throw new Error('not in the call');
    return this.joined.peerId;
  }

  get latestPeers(): VoicePeer[] | undefined {
    return this.peers.at(-1);
  }

  /** Any event with an ack, untyped so tests can send what a hostile client would. */
  emit<T = unknown>(event: string, ...args: unknown[]): Promise<AckResult<T>> {
    return new Promise((resolve) => (this.socket.emit as (e: string, ...a: unknown[]) => void)(event, ...args, resolve));
  }

  close(): void {
    this.socket.disconnect();
  }
}

/**
 * A round trip through the server for each client: socket.io keeps order on a connection and the
 * server handles messages in order, so whatever it sent them before has arrived once this resolves.
 */
export async function settledVoice(...clients: VoiceClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.emit('voice:status')));
}

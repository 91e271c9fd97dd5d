/**
 * Lean load-generator clients, so thousands of simulated participants cost the generator less
 * than the server: a Yjs participant is a raw `ws` socket speaking y-protocols frames, with a
 * tiny Y.Doc holding only its OWN observation (to write valid updates), never the room's
 * document (what it receives is parsed only as far as timing needs); a socket.io participant is
 * a plain socket.io-client over WebSocket. Real providers check convergence elsewhere.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { addObservation, observationText } from '../../shared/notes/doc.ts';
import { messageAwareness, messageSync, YJS_PATH_PREFIX } from '../../shared/notes/protocol.ts';
import { roomQuery } from '../../shared/realtime/events.ts';

const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/** `client:clock` of the first struct in a V1 update: which edit arrived. */
export function firstStructId(update: Uint8Array): string | null {
  const d = decoding.createDecoder(update);
  if (decoding.readVarUint(d) === 0) return null;
  decoding.readVarUint(d); // structs of this client
  const client = decoding.readVarUint(d);
  return `${client}:${decoding.readVarUint(d)}`;
}

export interface LeanYjsOptions {
  base: string;
  docName: string;
  cookie: string;
  /** Called for each update frame from the server, with the id of its first struct. */
  onUpdate?: (id: string | null) => void;
  /** Called for each awareness frame from the server. */
  onAwareness?: () => void;
  localAddress?: string;
}

export class LeanYjs {
  readonly ws: WebSocket;
  readonly doc = new Y.Doc();
  synced = false;
  closedWith: number | null = null;
  private obsId: string | null = null;
  private awarenessClock = 0;
  private readonly opts: LeanYjsOptions;
  readonly ready: Promise<void>;

  constructor(opts: LeanYjsOptions) {
    this.opts = opts;
    this.ws = new WebSocket(`${opts.base.replace(/^http/, 'ws')}${YJS_PATH_PREFIX}/${opts.docName}`, {
      headers: { cookie: opts.cookie },
      perMessageDeflate: false,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    this.ws.binaryType = 'nodebuffer';
    this.ready = new Promise((resolve, reject) => {
      this.ws.once('close', (code) => {
        this.closedWith = code;
        reject(new Error(`closed with ${code}`));
      });
      this.ws.on('error', () => {});
      this.ws.on('message', (data: Buffer) => {
        const synced = this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (synced) resolve();
      });
      this.ws.once('open', () => this.send((e) => {
        encoding.writeVarUint(e, messageSync);
        encoding.writeVarUint(e, SYNC_STEP1);
        encoding.writeVarUint8Array(e, Y.encodeStateVector(this.doc));
      }));
    });
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== this) this.send((e) => {
        encoding.writeVarUint(e, messageSync);
        encoding.writeVarUint(e, SYNC_UPDATE);
        encoding.writeVarUint8Array(e, update);
      });
    });
  }

  /** True when this frame was the server's sync step 2 (we are in sync from then on). */
  private onMessage(data: Uint8Array): boolean {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    if (type === messageAwareness) {
      this.opts.onAwareness?.();
      return false;
    }
    if (type !== messageSync) return false;
    const sub = decoding.readVarUint(d);
    if (sub === SYNC_STEP1) {
      // What we have that the server lacks: only ever our own observation.
      const sv = decoding.readVarUint8Array(d);
      this.send((e) => {
        encoding.writeVarUint(e, messageSync);
        encoding.writeVarUint(e, SYNC_STEP2);
        encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(this.doc, sv));
      });
      return false;
    }
    if (sub === SYNC_STEP2) {
      this.synced = true;
      return true;
    }
    if (sub === SYNC_UPDATE) this.opts.onUpdate?.(firstStructId(decoding.readVarUint8Array(d)));
    return false;
  }

  private send(write: (e: encoding.Encoder) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const e = encoding.createEncoder();
    write(e);
    this.ws.send(encoding.toUint8Array(e));
  }

  /** Creates this participant's observation (the one it will type into). */
  createObservation(name: string, start: number): void {
    this.obsId = addObservation(this.doc, {
      start,
      end: null,
      themes: ['weerstand'],
      kind: 'zie',
      text: 'begin',
      authorId: 'bench',
      authorName: name,
      role: 'klantmanager',
    });
  }

  /** Types one character at the end of its observation; returns the id of the struct sent. */
  type(): string {
    const text = observationText(this.doc, this.obsId!)!;
    const id = `${this.doc.clientID}:${Y.getState(this.doc.store, this.doc.clientID)}`;
    text.insert(text.length, 'x');
    return id;
  }

  /** Sends our awareness state (a cursor move, typing), as a provider does on every keystroke. */
  sendAwareness(state: object): void {
    this.awarenessClock++;
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, this.doc.clientID);
    encoding.writeVarUint(inner, this.awarenessClock);
    encoding.writeVarString(inner, JSON.stringify(state));
    this.send((e) => {
      encoding.writeVarUint(e, messageAwareness);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    });
  }

  close(): void {
    this.ws.terminate();
    this.doc.destroy();
  }
}

/** A socket.io participant of a Kijkkamer room (auth.roomId, the room cookie). */
export function leanSocket(base: string, roomId: string, cookie: string, localAddress?: string): Socket {
  return io(base, {
    transports: ['websocket'],
    auth: { roomId },
    query: roomQuery(roomId),
    extraHeaders: { cookie },
    forceNew: true,
    reconnection: false,
    ...(localAddress ? { localAddress } : {}),
  } as Parameters<typeof io>[1]);
}

export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

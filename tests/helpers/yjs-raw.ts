import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { messageSync, YJS_PATH_PREFIX } from '../../shared/notes/protocol.ts';

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

export const updateFrame = (update: Uint8Array): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, messageSync);
    syncProtocol.writeUpdate(e, update);
  });

/** Sync step 1 with an empty state vector: the answer (step 2) is the whole document. */
const EMPTY_STEP1 = frame((e) => {
  encoding.writeVarUint(e, messageSync);
  syncProtocol.writeSyncStep1(e, new Y.Doc());
});

/**
 * A y-websocket connection spoken by hand, frame by frame, for tests that must send what a
 * well-behaved provider never would and know exactly when the server has handled it: the hub
 * handles one connection's frames in order, so the step 2 that answers a step 1 sent after some
 * frames comes after those frames were applied (or dropped).
 */
export class RawYjs {
  readonly ws: WebSocket;
  /** The close code, once the server (or the network) closed the connection. */
  readonly closed: Promise<number>;
  private waiting: ((doc: Y.Doc) => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data: Buffer) => {
      // [sync, step 2, update]: the answer to one of our step 1 frames.
      if (data[0] !== messageSync || data[1] !== syncProtocol.messageYjsSyncStep2) return;
      const decoder = decoding.createDecoder(data);
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
      this.waiting.shift()?.(doc);
    });
  }

  /**
   * Opens `/yjs/<name>`; resolves once the server answered (our step 1 — it may wait for one before
   * saying anything, and a reader never gets its step 1), or with the close code of a refusal.
   */
  static open(base: string, name: string, headers: Record<string, string>): Promise<RawYjs | { closedWith: number } | { status: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${YJS_PATH_PREFIX}/${name}`, { headers });
      const conn = new RawYjs(ws);
      conn.waiting.push(() => resolve(conn));
      ws.once('open', () => ws.send(EMPTY_STEP1));
      ws.once('close', (code) => resolve({ closedWith: code }));
      ws.once('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode ?? 0 });
        ws.terminate();
      });
      ws.once('error', (err) => reject(err));
    });
  }

  send(data: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  /** The whole document as the server holds it after every frame sent so far. */
  flush(): Promise<Y.Doc> {
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      void this.closed.then((code) => reject(new Error(`closed with ${code} before the flush was answered`)));
      this.send(EMPTY_STEP1);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}


import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { YJS_PATH_PREFIX } from '../../shared/notes/protocol.ts';
import type { HttpClient } from './http.ts';

export interface TestProvider {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

/** The stock y-websocket provider in Node, sending the HTTP client's cookies like a browser would. */
export function openProvider(http: HttpClient, roomName: string): TestProvider {
  const cookie = http.cookieHeader;
  class CookieWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(http.base.replace(/^http/, 'ws') + YJS_PATH_PREFIX, roomName, doc, {
    WebSocketPolyfill: CookieWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  return {
    doc,
    provider,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export function synced(p: TestProvider): Promise<void> {
  if (p.provider.synced) return Promise.resolve();
  return new Promise((resolve) => p.provider.once('sync', (isSynced: boolean) => isSynced && resolve()));
}

/** The close code the server ends this provider's connection with. */
export function closeCode(p: TestProvider): Promise<number> {
  return new Promise((resolve) => {
    p.provider.on('connection-close', (event: { code: number } | null) => {
      if (event) {
        p.provider.shouldConnect = false;
        resolve(event.code);
      }
    });
  });
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

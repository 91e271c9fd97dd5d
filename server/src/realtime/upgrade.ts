import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { OriginVerdict } from '../http/origin.ts';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface UpgradeOptions {
  /** Whether the handshake's Origin is ours; a browser on another site is refused before the upgrade. */
  checkOrigin: (req: IncomingMessage) => OriginVerdict;
  onRefused?: (req: IncomingMessage, reason: string) => void;
}

const refuse = (socket: Duplex, status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);

/**
 * One owner per WebSocket path. socket.io (engine.io) listens on the same server for
 * `/socket.io/` and checks the Origin in its own handshake; every other upgrade goes to the
 * handler of its prefix, and unknown paths are refused at once instead of hanging.
 */
export function routeUpgrades(server: Server, routes: Record<string, UpgradeHandler>, options: UpgradeOptions): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/socket.io/')) return;
    const prefix = Object.keys(routes).find((p) => path.startsWith(p));
    if (!prefix) return refuse(socket, '404 Not Found');
    const verdict = options.checkOrigin(req);
    if (!verdict.ok) {
      options.onRefused?.(req, verdict.reason);
      return refuse(socket, '403 Forbidden');
    }
    routes[prefix]!(req, socket, head);
  });
}

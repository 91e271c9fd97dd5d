import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * One owner per WebSocket path. socket.io (engine.io) listens on the same server for
 * `/socket.io/`; every other upgrade goes to the handler of its prefix, and unknown paths are
 * refused at once instead of hanging.
 */
export function routeUpgrades(server: Server, routes: Record<string, UpgradeHandler>): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/socket.io/')) return;
    const prefix = Object.keys(routes).find((p) => path.startsWith(p));
    if (prefix) return routes[prefix]!(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
}

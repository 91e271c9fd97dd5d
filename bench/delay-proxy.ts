/**
 * Bench only: a TCP proxy on loopback that delays every chunk in both directions, so one browser
 * sees a slow, jittery network to the server while the others do not. HTTP, the video's range
 * requests and the socket.io WebSocket all pass through it, as they would on a real network.
 *
 * Each chunk waits oneWayMs ± jitterMs (uniform, independently per direction and chunk), but never
 * overtakes the chunk before it: TCP keeps order, so a late chunk holds up the ones behind it,
 * which is also what a real congested path does.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

export interface DelaySpec {
  /** Round trip added by the proxy (ms); each direction gets half. */
  rttMs: number;
  /** Round-trip jitter (ms): each direction varies by ± half of it. */
  jitterMs: number;
}

function delayedPipe(from: Socket, to: Socket, spec: DelaySpec): void {
  // One FIFO and one timer per direction: separate timers per chunk could fire out of order
  // (Node rounds their delays to whole milliseconds), which would corrupt the stream.
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      // A null chunk is the end of the stream, half-closed after the data before it.
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0]!.at - now));
  };
  const enqueue = (chunk: Buffer | null): void => {
    const delay = spec.rttMs / 2 + (Math.random() * 2 - 1) * (spec.jitterMs / 2);
    const at = Math.max(queue.at(-1)?.at ?? 0, performance.now() + Math.max(0, delay));
    queue.push({ at, chunk });
    timer ??= setTimeout(flush, Math.max(0, queue[0]!.at - performance.now()));
  };
  from.on('data', (chunk: Buffer) => enqueue(chunk));
  from.on('end', () => enqueue(null));
  from.on('error', () => to.destroy());
}

export async function startDelayProxy(targetPort: number, spec: DelaySpec): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    delayedPipe(client, upstream, spec);
    delayedPipe(upstream, client, spec);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

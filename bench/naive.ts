/**
 * Bench only: the NAIVE baseline the shared playhead is compared with, as most watch-together
 * tools work. A relay server forwards play / pause / seek / rate to every page and each page
 * applies it the moment it arrives: no clock sync, no scheduling, no drift correction.
 *
 * For measuring, the relay also keeps the timeline its commands imply (the same reducer, stamped
 * with the time it relayed them), so clients' errors are computed the same way as for the synced
 * mode. Spreads between clients do not depend on that choice: every client is compared with the
 * same line.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server } from 'socket.io';
import { applyCommand, createPlayhead, type PlayheadCommand, type PlayheadState } from '../shared/playhead/index.ts';

const PAGE = `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Naive relay</title></head>
<body>
<video src="/video.mp4" preload="auto" playsinline width="320" height="240"></video>
<script src="/socket.io/socket.io.js"></script>
<script>
  const video = document.querySelector('video');
  const socket = io({ transports: ['websocket'] });
  // Applied on arrival, exactly as received.
  socket.on('command', (c) => {
    if (c.type === 'play') void video.play();
    else if (c.type === 'pause') video.pause();
    else if (c.type === 'seek') video.currentTime = c.position;
    else if (c.type === 'rate') video.playbackRate = c.rate;
  });
</script>
</body></html>`;

export interface NaiveServer {
  port: number;
  /** Every timeline state the relayed commands imply, oldest first. */
  states: PlayheadState[];
  relay(command: PlayheadCommand): void;
  close(): Promise<void>;
}

function serveVideo(req: IncomingMessage, res: ServerResponse, file: string): void {
  const size = statSync(file).size;
  const match = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  const start = match?.[1] ? Number(match[1]) : 0;
  const end = match?.[2] ? Math.min(size - 1, Number(match[2])) : size - 1;
  res.writeHead(match ? 206 : 200, {
    'content-type': 'video/mp4',
    'accept-ranges': 'bytes',
    'content-length': end - start + 1,
    ...(match ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  createReadStream(file, { start, end }).pipe(res);
}

export async function startNaiveServer(videoFile: string, now: () => number): Promise<NaiveServer> {
  const http = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else if (req.url === '/video.mp4') {
      serveVideo(req, res, videoFile);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  const io = new Server(http, { serveClient: true });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  if (!address || typeof address === 'string') throw new Error('naive server has no port');
  const states = [createPlayhead({ duration: 20, frameRate: 25, serverTime: now() })];
  return {
    port: address.port,
    states,
    relay(command) {
      states.push(applyCommand(states.at(-1)!, command, now()));
      io.emit('command', command);
    },
    close: async () => {
      await io.close();
      http.closeAllConnections();
    },
  };
}

/**
 * `npm run bench:drawing` — the live pointer and drawings, against the compiled server
 * (dist/server/src/main.js, pinned to core 0) on loopback; clients in this process.
 *
 * Measured:
 *   1. Pointer latency, p50/p99: one participant sends `pointer:update` positions at the app's
 *      rate (25/s) over socket.io; another in the room receives the relayed event. Latency is
 *      receive time minus send time on this process's clock (both clients live here).
 *      Baseline, in the same run: a bare socket.io server in a child process on core 0 that
 *      relays the same volatile event to the rest of its room, with no checks at all.
 *   2. Open time with 200 drawings: a stock y-websocket client opens a room whose 200
 *      observations each carry a drawing (an arrow, an ellipse, a label and a 120-point stroke)
 *      until it has synced and read them all. Baseline: the same room without drawings.
 *
 * A run counts only when its baselines reach their floors (FLOORS): otherwise the machine was too
 * busy and the run is reported as too noisy. Results go to stdout and to the "## bench:drawing"
 * section of bench/RESULTS.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { addShape, newShapeId } from '../shared/drawing/doc.ts';
import { readObservations, addObservation } from '../shared/notes/doc.ts';
import { roomQuery } from '../shared/realtime/events.ts';
import { HttpClient } from '../tests/helpers/http.ts';
import { openProvider, synced } from '../tests/helpers/yjs.ts';
import { ADMIN, freePort, load1, machine, median, ms, NODE, pinned, quantile, ROOT, sleep, sortNum, startServer, table, writeSection } from './lib/common.ts';

const CFG = {
  pointerSamples: Number(process.env.BENCH_DRAWING_SAMPLES ?? 750),
  pointerHz: 25,
  observations: 200,
  opens: Number(process.env.BENCH_DRAWING_OPENS ?? 15),
};
/** What a quiet machine reaches for the baselines; above them a run says nothing. */
const FLOORS = { relayP50Ms: 3, plainOpenMs: 150 };

type AnySocket = Socket;

async function signIn(base: string): Promise<HttpClient> {
  const http = new HttpClient(base);
  const res = await http.post('/api/auth/signin', ADMIN);
  if (res.status !== 200) throw new Error(`sign-in: ${res.status}`);
  return http;
}

async function roomWithGuest(http: HttpClient, title: string): Promise<{ id: string; guest: HttpClient }> {
  const room = await http.post<{ id: string }>('/api/rooms', { title, recordedOn: '2026-11-20' });
  if (room.status !== 201) throw new Error(`room: ${room.status}`);
  const created = await http.post<{ token: string }>(`/api/rooms/${room.body.id}/invites`, { role: 'coach' });
  const guest = new HttpClient(http.base);
  const joined = await guest.post(`/api/rooms/${room.body.id}/join`, { token: created.body.token, displayName: 'Coen' });
  if (joined.status !== 201) throw new Error(`join: ${joined.status}`);
  return { id: room.body.id, guest };
}

const connect = (url: string, opts: Record<string, unknown>): Promise<AnySocket> =>
  new Promise((resolve, reject) => {
    const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });

/** Sends `samples` positions at `hz` from `from`, and the latency of each that `to` received. */
async function pointerRun(from: AnySocket, to: AnySocket, event: string, payload: (i: number) => unknown, index: (p: any) => number): Promise<{ latencies: number[]; lost: number }> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const onEvent = (p: unknown) => {
    const at = performance.now();
    const sent = sentAt.get(index(p));
    if (sent !== undefined) latencies.push(at - sent);
  };
  to.on(event, onEvent);
  for (let i = 0; i < CFG.pointerSamples; i++) {
    sentAt.set(i, performance.now());
    from.emit(event, payload(i));
    await sleep(1000 / CFG.pointerHz);
  }
  await sleep(300);
  to.off(event, onEvent);
  return { latencies, lost: CFG.pointerSamples - latencies.length };
}

/** The baseline relay: socket.io alone, one room, volatile broadcast to the others. */
const BARE_RELAY = `
const { Server } = require(${JSON.stringify(join(ROOT, 'node_modules', 'socket.io'))});
const io = new Server(Number(process.argv[2]), { transports: ['websocket'] });
io.on('connection', (s) => { s.join('r'); s.on('p', (m) => s.to('r').volatile.emit('p', m)); });
`;

async function bareRelay(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-relay-'));
  const file = join(dir, 'relay.cjs');
  writeFileSync(file, BARE_RELAY);
  const [cmd, ...args] = pinned(0, [NODE, file, String(port)]);
  const proc = spawn(cmd!, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const s = await connect(url, {});
      s.disconnect();
      break;
    } catch {
      await sleep(100);
    }
  }
  return {
    url,
    stop: () => {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills a room through a y-websocket client: 200 observations, with or without a drawing each. */
async function seed(http: HttpClient, roomId: string, drawings: boolean): Promise<void> {
  const p = openProvider(http, roomId);
  await synced(p);
  // In batches of 20: one update must stay under the hub's message limit (256 KiB).
  for (let from = 0; from < CFG.observations; from += 20) {
    p.doc.transact(() => {
      for (let i = from; i < Math.min(CFG.observations, from + 20); i++) {
        const id = addObservation(p.doc, { start: i * 3 + 0.02, end: null, themes: [], kind: 'zie', text: `Observatie ${i}: ze kijkt weg en slaat haar armen over elkaar.`, authorId: 'p', authorName: 'Karin', role: 'coach' });
        if (!drawings) continue;
        const stroke = Array.from({ length: 120 }, (_, k) => [1000 + k * 50, 4000 + Math.round(Math.sin(k / 6) * 800)]).flat();
        addShape(p.doc, id, { id: newShapeId(), kind: 'arrow', color: '#1d5f8a', points: [1000, 1000, 5000, 4000] });
        addShape(p.doc, id, { id: newShapeId(), kind: 'ellipse', color: '#1d5f8a', points: [5200, 3000, 7200, 6000] });
        addShape(p.doc, id, { id: newShapeId(), kind: 'label', color: '#1d5f8a', points: [600, 600], text: 'armen over elkaar' });
        addShape(p.doc, id, { id: newShapeId(), kind: 'stroke', color: '#1d5f8a', points: stroke });
      }
    });
  }
  // Stored once another client opening the room sees all of it.
  for (const end = Date.now() + 60_000; ; ) {
    if (Date.now() > end) throw new Error('the seeded room did not reach the server in 60 s');
    const check = openProvider(http, roomId);
    await synced(check);
    const n = readObservations(check.doc).length;
    check.destroy();
    if (n === CFG.observations) break;
    await sleep(100);
  }
  p.destroy();
}

/** Milliseconds from opening a y-websocket client to having read every observation. */
async function openTime(http: HttpClient, roomId: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const p = openProvider(http, roomId);
  await synced(p);
  const read = readObservations(p.doc);
  const elapsed = performance.now() - t0;
  if (read.length !== CFG.observations) throw new Error(`read ${read.length} observations`);
  const { encodeStateAsUpdate } = await import('yjs');
  const bytes = encodeStateAsUpdate(p.doc).byteLength;
  p.destroy();
  return { ms: elapsed, bytes };
}

async function main(): Promise<void> {
  const started = new Date();
  const loadBefore = load1();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-drawing-'));
  const server = await startServer(dataDir);
  const relay = await bareRelay();
  try {
    const host = await signIn(server.url);
    const room = await roomWithGuest(host, 'Bench: wijzen');
    const a = await connect(server.url, { auth: { roomId: room.id }, query: roomQuery(room.id), extraHeaders: { cookie: host.cookieHeader } });
    const b = await connect(server.url, { auth: { roomId: room.id }, query: roomQuery(room.id), extraHeaders: { cookie: room.guest.cookieHeader } });
    const ra = await connect(relay.url, {});
    const rb = await connect(relay.url, {});
    // Interleaved blocks so both see the same machine: baseline, Kijkkamer, baseline, Kijkkamer.
    const bare: number[] = [];
    const kk: number[] = [];
    let lostBare = 0;
    let lostKk = 0;
    for (let block = 0; block < 2; block++) {
      const r1 = await pointerRun(ra, rb, 'p', (i) => ({ kind: 'move', x: i % 10_000, y: 5000 }), (p: { x: number }) => p.x);
      bare.push(...r1.latencies);
      lostBare += r1.lost;
      const r2 = await pointerRun(a, b, 'pointer:update', (i) => ({ kind: 'move', x: i % 10_000, y: 5000 }), (p: { x: number }) => p.x);
      kk.push(...r2.latencies);
      lostKk += r2.lost;
    }
    for (const s of [a, b, ra, rb]) s.disconnect();

    const plainRoom = await roomWithGuest(host, 'Bench: 200 observaties');
    const drawnRoom = await roomWithGuest(host, 'Bench: 200 tekeningen');
    await seed(host, plainRoom.id, false);
    await seed(host, drawnRoom.id, true);
    const plain: number[] = [];
    const drawn: number[] = [];
    let bytes = { plain: 0, drawn: 0 };
    for (let i = 0; i < CFG.opens; i++) {
      const p = await openTime(plainRoom.guest, plainRoom.id);
      const d = await openTime(drawnRoom.guest, drawnRoom.id);
      plain.push(p.ms);
      drawn.push(d.ms);
      bytes = { plain: p.bytes, drawn: d.bytes };
    }

    const sb = sortNum(bare);
    const sk = sortNum(kk);
    const loadAfter = load1();
    const noisy: string[] = [];
    if (quantile(sb, 0.5) > FLOORS.relayP50Ms) noisy.push(`bare relay p50 ${ms(quantile(sb, 0.5))} > ${FLOORS.relayP50Ms} ms`);
    if (median(plain) > FLOORS.plainOpenMs) noisy.push(`open without drawings ${ms(median(plain))} > ${FLOORS.plainOpenMs} ms`);
    const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
    const body = [
      `Run ${started.toISOString()} on ${machine()}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`,
      noisy.length > 0 ? `**Too noisy, does not count**: ${noisy.join('; ')}.` : 'Baselines reached their floors: the run counts.',
      '',
      `Pointer latency, ${CFG.pointerSamples * 2} positions each at ${CFG.pointerHz}/s over loopback (socket.io, volatile relay):`,
      '',
      table([
        ['', 'p50', 'p99', 'max', 'lost'],
        ['bare socket.io relay (baseline)', ms(quantile(sb, 0.5)), ms(quantile(sb, 0.99)), ms(sb.at(-1)!), String(lostBare)],
        ['Kijkkamer `pointer:update`', ms(quantile(sk, 0.5)), ms(quantile(sk, 0.99)), ms(sk.at(-1)!), String(lostKk)],
        ['ratio', ratio(quantile(sk, 0.5), quantile(sb, 0.5)), ratio(quantile(sk, 0.99), quantile(sb, 0.99)), '', ''],
      ]),
      '',
      `The receiver draws the pointer one send interval (40 ms) behind what it received, to glide between positions (shared/drawing/pointer.ts): what a person sees is this latency plus 40 ms.`,
      '',
      `Opening a room with ${CFG.observations} observations (y-websocket client until synced and read), median of ${CFG.opens}:`,
      '',
      table([
        ['', 'open (median)', 'p90', 'document'],
        ['without drawings (baseline)', ms(median(plain)), ms(quantile(sortNum(plain), 0.9)), `${(bytes.plain / 1024).toFixed(0)} KiB`],
        [`each with a drawing (4 shapes, a 120-point stroke)`, ms(median(drawn)), ms(quantile(sortNum(drawn), 0.9)), `${(bytes.drawn / 1024).toFixed(0)} KiB`],
        ['ratio', ratio(median(drawn), median(plain)), '', ratio(bytes.drawn, bytes.plain)],
      ]),
    ].join('\n');
    console.log(body);
    writeSection('## bench:drawing', body);
  } finally {
    relay.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

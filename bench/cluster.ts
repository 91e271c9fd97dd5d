/**
 * `npm run bench:cluster` — failover: several Kijkkamer processes behind HAProxy (room affinity,
 * Redis leases) on this machine, once on the shared SQLite file and once on PostgreSQL (STORES,
 * default both, in one run). How many rooms each configuration holds is bench:load's.
 *
 * 3 processes behind HAProxy; two people in a room (socket.io + y-websocket provider, the real
 * clients, reconnecting by themselves), one of them writing a note every 50 ms; kill -9 the room's
 * process; time until both are connected again, see each other, are synced, and a new note of one
 * reaches the other; notes lost = notes the other person had received before the kill
 * (acknowledged: stored before broadcast) that a fresh reader does not find afterwards. Baseline of
 * the same run: the same two clients dropping their connections and reconnecting with nothing
 * killed (the clients' own reconnect delay, the floor of any failover).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { addObservation, readObservations, type ObservationInit } from '../shared/notes/doc.ts';
import type { OnlineParticipant } from '../shared/realtime/events.ts';
import { roomQuery } from '../shared/realtime/events.ts';
import { HttpClient } from '../tests/helpers/http.ts';
import { createTestDatabase, startThrowawayPostgres } from '../tests/helpers/postgres.ts';
import { openProvider, type TestProvider } from '../tests/helpers/yjs.ts';
import { ADMIN, load1, machine, median, ms, sleep, table, writeSection } from './lib/common.ts';
import { startStack, type Stack } from './lib/stack.ts';

type Store = 'sqlite' | 'postgres';
const STORES = (process.env.STORES ?? 'sqlite,postgres').split(',').map((s): Store => {
  if (s === 'sqlite' || s === 'postgres') return s;
  throw new Error(`STORES: unknown store "${s}" (sqlite, postgres)`);
});
const PROCESSES = 3;
const FAILOVER_ROUNDS = Number(process.env.ROUNDS ?? 5);
const GOALS = { failoverMs: 5000, lost: 0 };
/** Reconnecting with nothing killed: socket.io waits 0.5–1.5 s before its first attempt. */
const BASELINE_FLOOR_RECONNECT_MS = 2500;
const STORE_NAMES: Record<Store, string> = { sqlite: 'SQLite (one file shared by the processes, WAL)', postgres: 'PostgreSQL (on this machine)' };

const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

// --- failover ------------------------------------------------------------------------------------------

const note = (text: string, start: number): ObservationInit => ({ start, end: null, themes: ['weerstand'], kind: 'zie', text, authorId: 'p', authorName: 'Karin', role: 'klantmanager' });
const texts = (p: TestProvider) => new Set(readObservations(p.doc).map((o) => o.text));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

interface Person {
  socket: Socket;
  provider: TestProvider;
  online: number;
}

async function person(url: string, roomId: string, http: HttpClient): Promise<Person> {
  const socket = connect(url, { auth: { roomId }, query: roomQuery(roomId), extraHeaders: { cookie: http.cookieHeader }, transports: ['websocket'], forceNew: true });
  const p: Person = { socket, provider: openProvider(http, roomId), online: 0 };
  socket.on('presence:update', (online: OnlineParticipant[]) => (p.online = online.length));
  return p;
}

/** Connected, seeing each other, synced, and a new note from `a` reaches `b`: how long from `t0`. */
async function backInStep(a: Person, b: Person, t0: number, label: string): Promise<number> {
  const ready = () => [a, b].every((p) => p.socket.connected && p.online === 2 && p.provider.provider.wsconnected && p.provider.provider.synced);
  if (!(await until(ready, 60_000))) throw new Error(`${label}: not back in the room within 60 s`);
  const probe = `probe ${label} ${Math.random()}`;
  addObservation(a.provider.doc, note(probe, 1));
  if (!(await until(() => texts(b.provider).has(probe), 60_000))) throw new Error(`${label}: a new note did not arrive`);
  return performance.now() - t0;
}

interface FailoverRound {
  baselineMs: number;
  failoverMs: number;
  acknowledged: number;
  lost: number;
}

async function failoverRuns(store: Store, env: Record<string, string>): Promise<FailoverRound[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-bench-failover-'));
  const rounds: FailoverRound[] = [];
  const redisConn: Redis[] = [];
  let stack: Stack | null = null;
  try {
    // No pinning here: what is measured is waiting (lease expiry, reconnect delays), not CPU.
    stack = await startStack({ processes: PROCESSES, proxied: true, dataDir, env });
    const redis = new Redis(stack.redis!.url);
    redisConn.push(redis);
    const host = new HttpClient(stack.url);
    if ((await host.post('/api/auth/signin', ADMIN)).status !== 200) throw new Error('sign-in failed');
    for (let round = 1; round <= FAILOVER_ROUNDS; round++) {
      const room = (await host.post<{ id: string }>('/api/rooms', { title: `Failover ${round}` })).body;
      const guests = [];
      for (const [role, name] of [['klantmanager', 'Karin'], ['coach', 'Coen']] as const) {
        const inv = (await host.post<{ token: string }>(`/api/rooms/${room.id}/invites`, { role })).body;
        const g = new HttpClient(stack.url);
        if ((await g.post(`/api/rooms/${room.id}/join`, { token: inv.token, displayName: name })).status !== 201) throw new Error('join failed');
        guests.push(g);
      }
      const a = await person(stack.url, room.id, guests[0]!);
      const b = await person(stack.url, room.id, guests[1]!);
      await backInStep(a, b, performance.now(), `round ${round} start`);

      // Baseline: both drop their connections and reconnect, nothing killed.
      const t0 = performance.now();
      for (const p of [a, b]) {
        p.socket.io.engine.close(); // a transport failure: the client reconnects by itself
        p.provider.provider.ws?.close();
      }
      const baselineMs = await backInStep(a, b, t0, `round ${round} baseline`);

      // Failover: notes keep coming from a until the kill.
      let n = 0;
      const writer = setInterval(() => addObservation(a.provider.doc, note(`notitie ${round}.${++n}`, n)), 50);
      await sleep(1000);
      const holder = await redis.get(`kijkkamer:lease:${room.id}`);
      const owner = stack.kijkkamer.find((p) => holder?.split(':').at(-2) === String(p.proc.pid));
      if (!owner) throw new Error('no owner for the room');
      clearInterval(writer);
      const acknowledged = [...texts(b.provider)].filter((t) => t.startsWith(`notitie ${round}.`));
      const t1 = performance.now();
      await owner.stop('SIGKILL');
      const failoverMs = await backInStep(a, b, t1, `round ${round} failover`);
      const reader = openProvider(host, room.id);
      await until(() => reader.provider.synced, 60_000);
      const after = texts(reader);
      const lost = acknowledged.filter((t) => !after.has(t)).length;
      reader.destroy();
      for (const p of [a, b]) {
        p.socket.disconnect();
        p.provider.destroy();
      }
      rounds.push({ baselineMs, failoverMs, acknowledged: acknowledged.length, lost });
      log(`${store}, failover round ${round}: reconnect baseline ${ms(baselineMs)}, kill -9 → back in step ${ms(failoverMs)}, ${acknowledged.length} acknowledged notes, ${lost} lost (killed ${owner.name})`);
      // The killed process comes back on its port for the next round.
      await stack.restart(owner);
      await sleep(2000); // HAProxy's health check sees it up again (rise 2 × 500 ms)
    }
  } finally {
    for (const r of redisConn) r.disconnect();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rounds;
}

// --- report ----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const loadAtStart = load1();
  log(`bench:cluster on ${machine()}, load average ${loadAtStart.toFixed(2)}; failover with ${PROCESSES} processes on ${STORES.join(', ')}, ${FAILOVER_ROUNDS} rounds each`);
  const results: { store: Store; rounds: FailoverRound[] }[] = [];
  for (const store of STORES) {
    if (store === 'sqlite') {
      results.push({ store, rounds: await failoverRuns(store, {}) });
      continue;
    }
    const cluster = process.env.BENCH_DATABASE_URL ? null : await startThrowawayPostgres();
    const database = await createTestDatabase(process.env.BENCH_DATABASE_URL ?? cluster!.url);
    try {
      results.push({ store, rounds: await failoverRuns(store, { DATABASE_URL: database.url }) });
    } finally {
      await database.drop();
      cluster?.stop();
    }
  }
  const loadAtEnd = load1();
  const body = [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}; load average ${loadAtStart.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at the end. Compiled server, ${PROCESSES} processes behind HAProxy 2.6 with Redis 7 (Debian's, on loopback), once per store. How many rooms each configuration holds: bench:load.`,
    '',
    `Two people (socket.io + y-websocket provider through HAProxy, reconnecting by themselves), one writing a note every 50 ms; kill -9 of the room's process (the lease holder in Redis); "back in step": both connected, seeing each other, synced, and a new note of one has reached the other; a note is acknowledged when the other person had it before the kill, lost when a fresh reader does not find it afterwards. Lease time 3 s (renewed every 500 ms), HAProxy health checks every 500 ms (down after 2 failures). Baseline, in each round: the same two dropping their connections with nothing killed (floor: median ≤ ${BASELINE_FLOOR_RECONNECT_MS} ms).`,
    ...results.flatMap(({ store, rounds }) => ['', storeSection(store, rounds)]),
  ].join('\n');
  console.log(`\n${body}`);
  writeSection('## bench:cluster', body);
}

function storeSection(store: Store, rounds: FailoverRound[]): string {
  const baseReconnect = median(rounds.map((r) => r.baselineMs));
  const baseWorst = Math.max(...rounds.map((r) => r.baselineMs));
  const ratio = (v: number, b: number) => (b > 0 && Number.isFinite(v) ? `${(v / b).toFixed(2)}×` : '—');
  const failMedian = median(rounds.map((r) => r.failoverMs));
  const failMax = Math.max(...rounds.map((r) => r.failoverMs));
  const lost = rounds.reduce((s, r) => s + r.lost, 0);
  const acked = rounds.reduce((s, r) => s + r.acknowledged, 0);
  return [
    `### Failover on ${STORE_NAMES[store]}: kill -9 of the room's process (${PROCESSES} processes), ${rounds.length} rounds`,
    '',
    baseReconnect <= BASELINE_FLOOR_RECONNECT_MS
      ? `Baseline floor reached (reconnect median ${ms(baseReconnect)} ≤ ${BASELINE_FLOOR_RECONNECT_MS} ms).`
      : `**Baseline floor NOT reached** (reconnect median ${ms(baseReconnect)} > ${BASELINE_FLOOR_RECONNECT_MS} ms): too noisy to count.`,
    '',
    table([
      ['', 'measured', 'baseline (reconnect, nothing killed)', 'ratio', 'goal', ''],
      ['kill -9 → both back in step, median', ms(failMedian), ms(baseReconnect), ratio(failMedian, baseReconnect), `≤ ${GOALS.failoverMs} ms`, failMedian <= GOALS.failoverMs ? 'met' : 'not met'],
      ['kill -9 → both back in step, worst', ms(failMax), ms(baseWorst), ratio(failMax, baseWorst), `≤ ${GOALS.failoverMs} ms`, failMax <= GOALS.failoverMs ? 'met' : 'not met'],
      ['… each round', rounds.map((r) => `${r.failoverMs.toFixed(0)}`).join(', ') + ' ms', rounds.map((r) => `${r.baselineMs.toFixed(0)}`).join(', ') + ' ms', '', '', ''],
      ['acknowledged notes lost', `${lost} of ${acked}`, '—', '—', String(GOALS.lost), lost === GOALS.lost ? 'met' : 'not met'],
    ]),
  ].join('\n');
}

await main();

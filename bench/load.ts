/**
 * `npm run bench:load` — how many rooms one server process holds, on SQLite and on PostgreSQL.
 *
 * The whole run below is made twice in one go: with the embedded SQLite store (the default, and
 * the baseline the PostgreSQL figures are compared with) and with DATABASE_URL pointing at a
 * PostgreSQL on this machine (BENCH_DATABASE_URL, else a throwaway cluster from Debian's binaries,
 * its processes unpinned: on 2 cores they share them with the server and the generator, which is
 * part of what is measured). BENCH_BACKENDS=sqlite (or postgres) runs one of them.
 *
 * The compiled server runs alone on core 0 (`taskset`), a load generator process on core 1. The
 * generator opens R rooms × 4 participants, each with a socket.io connection (presence, the
 * playhead) and a Yjs connection with awareness, as lean clients (bench/lib/lean.ts) so the
 * generator costs less than the server; in every 10th room the host is a real y-websocket
 * provider with a full Y.Doc, which checks convergence at the end. Per room: a playhead command
 * every 10 s; per participant: a note edit (one character plus an awareness update) every 10 s and
 * a playhead clock exchange every 5 s. R steps up (rooms are added, never reopened); per step,
 * over MEASURE_MS: server CPU share and RSS (/proc), the server's event-loop delay (a preloaded
 * probe), note edit → each other participant p99, playhead command → each other participant p99,
 * errors, and the generator's own CPU share and event-loop delay: a step in which the generator
 * saturates is reported as invalid (its delays are then its own, not the server's).
 *
 * The baseline of the same run: an idle server's event-loop delay and a note edit's latency in one
 * room before any load (the floor every step is compared with).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Socket } from 'socket.io-client';
import { addObservation, observationText, readObservations } from '../shared/notes/doc.ts';
import { YJS_PATH_PREFIX } from '../shared/notes/protocol.ts';
import { connected, firstStructId, LeanYjs, leanSocket } from './lib/lean.ts';
import { cpuShare, forkPinned, load1, machine, mib, ms, procStat, quantile, Rpc, sleep, sortNum, startServer, table, writeSection } from './lib/common.ts';
import { makeRooms, signIn, type BenchRoom } from './lib/rooms.ts';
import { createTestDatabase, startThrowawayPostgres } from '../tests/helpers/postgres.ts';

const STEPS = (process.env.STEPS ?? '50,100,250,500,1000,2000').split(',').map(Number);
const PARTICIPANTS = 4;
const PERIOD_MS = 10_000;
const SLOT_MS = 100;
const WARM_MS = Number(process.env.WARM_MS ?? 10_000);
const MEASURE_MS = Number(process.env.MEASURE_MS ?? 30_000);
/** Every Nth room's host is a real provider (convergence check). */
const REAL_EVERY = 10;
const GOALS = { p99Ms: 100, rssBytes: 1.5 * 2 ** 30, rooms: 2000 };
/**
 * The idle server's event-loop delay p99 on its own core is about the probe's resolution (5 ms);
 * above this floor something else ran on that core and the run is reported as too noisy.
 */
const BASELINE_FLOOR_LOOP_P99_MS = 15;
/** A step is invalid when the generator is this busy: its timers and parsing then add their own delay. */
const GENERATOR_LIMITS = { cpu: 0.85, loopP99Ms: 50 };

// --- the generator (child process) ----------------------------------------------------------------

interface GenRoom {
  id: string;
  yjs: (LeanYjs | null)[];
  real: { doc: Y.Doc; provider: WebsocketProvider; obsId: string } | null;
  sockets: Socket[];
  typed: number[];
  pendingCommand: { t0: number; waiting: Set<number> } | null;
}

interface Samples {
  note: number[];
  playhead: number[];
  errors: number;
  lostNotes: number;
  lostCommands: number;
}

async function runGenerator(): Promise<void> {
  // y-websocket adds a process 'exit' listener per provider; hundreds of them are intended here.
  process.setMaxListeners(0);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const rooms: GenRoom[] = [];
  let base = '';
  const pendingNotes = new Map<string, { t0: number; left: number }>();
  let samples: Samples = { note: [], playhead: [], errors: 0, lostNotes: 0, lostCommands: 0 };
  const errors: string[] = [];
  const fail = (what: string) => {
    samples.errors++;
    if (errors.length < 20) errors.push(what);
  };
  const wheel: (() => void)[][] = Array.from({ length: PERIOD_MS / SLOT_MS }, () => []);
  let slot = 0;
  let editing = true;

  const noteArrived = (id: string | null) => {
    if (id === null) return;
    const p = pendingNotes.get(id);
    if (!p) return;
    samples.note.push(performance.now() - p.t0);
    if (--p.left === 0) pendingNotes.delete(id);
  };

  const openRoom = async (r: BenchRoom, index: number): Promise<GenRoom> => {
    const room: GenRoom = { id: r.id, yjs: [], real: null, sockets: [], typed: new Array(PARTICIPANTS).fill(0), pendingCommand: null };
    const withReal = index % REAL_EVERY === 0;
    for (let p = 0; p < PARTICIPANTS; p++) {
      const cookie = r.cookies[p]!;
      if (p === 0 && withReal) {
        class CookieWebSocket extends WebSocket {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols, { headers: { cookie } });
          }
        }
        const doc = new Y.Doc();
        const provider = new WebsocketProvider(base.replace(/^http/, 'ws') + YJS_PATH_PREFIX, r.id, doc, {
          WebSocketPolyfill: CookieWebSocket as unknown as typeof globalThis.WebSocket,
          disableBc: true,
        });
        provider.on('connection-close', (e: { code: number } | null) => e && fail(`real provider closed ${e.code}`));
        doc.on('update', (u: Uint8Array, origin: unknown) => origin === provider && noteArrived(firstStructId(u)));
        await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
        const obsId = addObservation(doc, { start: p, end: null, themes: ['weerstand'], kind: 'zie', text: 'begin', authorId: 'bench', authorName: 'Host', role: 'begeleider' });
        provider.awareness.setLocalState({ user: { name: 'Host' } });
        room.real = { doc, provider, obsId };
        room.yjs.push(null);
      } else {
        const lean = new LeanYjs({ base, docName: r.id, cookie, onUpdate: noteArrived });
        lean.ws.on('close', (code) => code !== 1000 && code !== 1005 && fail(`yjs closed ${code}`));
        await lean.ready;
        lean.createObservation(`Deelnemer ${p}`, p);
        lean.sendAwareness({ user: { name: `Deelnemer ${p}` } });
        room.yjs.push(lean);
      }
      const socket = leanSocket(base, r.id, cookie);
      socket.on('connect_error', (e) => fail(`connect_error ${e.message}`));
      socket.on('disconnect', (reason) => reason !== 'io client disconnect' && fail(`disconnect ${reason}`));
      await connected(socket);
      const joined = await socket.emitWithAck('playhead:join');
      if (!joined?.ok) fail(`playhead:join ${JSON.stringify(joined)}`);
      socket.on('playhead:state', () => {
        const c = room.pendingCommand;
        if (!c || !c.waiting.has(p)) return;
        samples.playhead.push(performance.now() - c.t0);
        c.waiting.delete(p);
        if (c.waiting.size === 0) room.pendingCommand = null;
      });
      room.sockets.push(socket);
    }
    // Spread every action over the period so the load is even, not in waves.
    const phase = (index * 7919) % wheel.length;
    wheel[phase]!.push(() => {
      if (room.pendingCommand) samples.lostCommands++;
      room.pendingCommand = { t0: performance.now(), waiting: new Set([1, 2, 3]) };
      room.sockets[0]!.emit('playhead:command', { type: 'seek', position: (Date.now() / 1000) % 600 }, (ack: { ok: boolean }) => ack?.ok || fail(`command ${JSON.stringify(ack)}`));
    });
    for (let p = 0; p < PARTICIPANTS; p++) {
      const at = (phase + 17 + p * 23) % wheel.length;
      wheel[at]!.push(() => {
        if (!editing) return;
        room.typed[p]!++;
        const lean = room.yjs[p];
        let id: string;
        if (lean) {
          id = lean.type();
          lean.sendAwareness({ user: { name: `Deelnemer ${p}` }, cursor: room.typed[p] });
        } else {
          const { doc, provider, obsId } = room.real!;
          const text = observationText(doc, obsId)!;
          id = `${doc.clientID}:${Y.getState(doc.store, doc.clientID)}`;
          text.insert(text.length, 'x');
          provider.awareness.setLocalStateField('cursor', room.typed[p]);
        }
        pendingNotes.set(id, { t0: performance.now(), left: PARTICIPANTS - 1 });
      });
      for (const half of [0, wheel.length / 2]) {
        wheel[(at + 31 + half) % wheel.length]!.push(() => {
          room.sockets[p]!.emit('playhead:clock', { rtt: null }, (ack: { ok: boolean }) => ack?.ok || fail(`clock ${JSON.stringify(ack)}`));
        });
      }
    }
    return room;
  };

  setInterval(() => {
    for (const action of wheel[slot]!) action();
    slot = (slot + 1) % wheel.length;
  }, SLOT_MS);

  let cpuAt = process.cpuUsage();
  let wallAt = performance.now();
  process.on('message', async (msg: { id: number; cmd: string; arg: unknown }) => {
    const reply = (result: unknown) => process.send!({ id: msg.id, result });
    switch (msg.cmd) {
      case 'base':
        base = msg.arg as string;
        return reply(null);
      case 'open': {
        const batch = msg.arg as BenchRoom[];
        const from = rooms.length;
        for (let i = 0; i < batch.length; i += 25) {
          rooms.push(...(await Promise.all(batch.slice(i, i + 25).map((r, j) => openRoom(r, from + i + j)))));
        }
        return reply(rooms.length);
      }
      case 'start':
        samples = { note: [], playhead: [], errors: 0, lostNotes: 0, lostCommands: 0 };
        loop.reset();
        cpuAt = process.cpuUsage();
        wallAt = performance.now();
        return reply(null);
      case 'stats': {
        const cpu = process.cpuUsage(cpuAt);
        const now = performance.now();
        const stale = [...pendingNotes.values()].filter((p) => now - p.t0 > 5000).length;
        return reply({
          ...samples,
          lostNotes: samples.lostNotes + stale,
          cpu: (cpu.user + cpu.system) / 1000 / (now - wallAt),
          loopP99: loop.percentile(99) / 1e6,
          errorSamples: errors.splice(0),
        });
      }
      case 'converge': {
        // Stop typing, let everything arrive, then every real provider must hold every keystroke.
        editing = false;
        await sleep(3000);
        let checked = 0;
        let matched = 0;
        for (const room of rooms) {
          if (!room.real) continue;
          checked++;
          const texts = new Map(readObservations(room.real.doc).map((o) => [o.authorName, o.text.length]));
          const ok = room.typed.every((n, p) => texts.get(p === 0 ? 'Host' : `Deelnemer ${p}`) === 'begin'.length + n);
          if (ok) matched++;
        }
        return reply({ checked, matched });
      }
    }
  });
  process.send!({ ready: true });
}

// --- the parent -------------------------------------------------------------------------------------

interface StepResult {
  rooms: number;
  serverCpu: number;
  rss: number;
  loopP99: number;
  noteP99: number;
  noteP50: number;
  playheadP99: number;
  playheadP50: number;
  samples: number;
  errors: number;
  lost: number;
  genCpu: number;
  genLoopP99: number;
  valid: boolean;
}

type Backend = 'sqlite' | 'postgres';

interface BackendRun {
  backend: Backend;
  results: StepResult[];
  baseline: { loopP99: number; noteP99: number };
  convergence: { checked: number; matched: number };
}

async function runParent(): Promise<void> {
  const started = Date.now();
  const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
  const loadAtStart = load1();
  const backends = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',') as Backend[];
  const runs: BackendRun[] = [];
  for (const backend of backends) {
    if (backend === 'sqlite') {
      runs.push(await runBackend(backend, {}, log));
      continue;
    }
    const cluster = process.env.BENCH_DATABASE_URL ? null : await startThrowawayPostgres();
    const database = await createTestDatabase(process.env.BENCH_DATABASE_URL ?? cluster!.url);
    try {
      runs.push(await runBackend(backend, { DATABASE_URL: database.url }, log));
    } finally {
      await database.drop();
      cluster?.stop();
    }
  }
  report(runs, loadAtStart);
}

async function runBackend(backend: Backend, env: Record<string, string>, log: (msg: string) => void): Promise<BackendRun> {
  log(`--- ${backend} ---`);
  const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-bench-load-'));
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  let gen: ChildProcess | null = null;
  const results: StepResult[] = [];
  let baseline = { loopP99: NaN, noteP99: NaN };
  let convergence = { checked: 0, matched: 0 };
  try {
    server = await startServer(dataDir, env);
    gen = forkPinned(1, fileURLToPath(import.meta.url), ['--generator']);
    await new Promise<void>((resolve) => gen!.once('message', () => resolve()));
    const rpc = new Rpc(gen);
    await rpc.call('base', server.url);
    const host = await signIn(server.url);
    log(`server on ${server.url} (pid ${server.pid}), generator pid ${gen.pid}`);

    // Baseline: the idle server's loop, and one room's edits with nothing else going on.
    const [first] = await makeRooms(server.url, host, 1, PARTICIPANTS - 1);
    await rpc.call('open', [first]);
    await sleep(WARM_MS);
    await server.resetLoopDelay();
    await rpc.call('start');
    await sleep(MEASURE_MS);
    const b = await rpc.call<Samples>('stats');
    baseline = { loopP99: (await server.loopDelay()).p99, noteP99: quantile(sortNum(b.note), 0.99) };
    log(`baseline (1 room): server loop p99 ${ms(baseline.loopP99)}, note p99 ${ms(baseline.noteP99)} (${b.note.length} samples)`);

    let open = 1;
    for (const target of STEPS) {
      const made = await makeRooms(server.url, host, target - open, PARTICIPANTS - 1, open);
      const t0 = Date.now();
      await rpc.call('open', made);
      open = target;
      log(`${target} rooms open (${made.length} added in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      await sleep(WARM_MS);
      const before = procStat(server.pid);
      const wall0 = performance.now();
      await server.resetLoopDelay();
      await rpc.call('start');
      let rss = before.rss;
      const end = Date.now() + MEASURE_MS;
      while (Date.now() < end) {
        await sleep(1000);
        rss = Math.max(rss, procStat(server.pid).rss);
      }
      const after = procStat(server.pid);
      const stats = await rpc.call<Samples & { cpu: number; loopP99: number; errorSamples: string[] }>('stats');
      const loop = await server.loopDelay();
      const note = sortNum(stats.note);
      const playhead = sortNum(stats.playhead);
      const r: StepResult = {
        rooms: target,
        serverCpu: cpuShare(before, after, performance.now() - wall0),
        rss,
        loopP99: loop.p99,
        noteP99: quantile(note, 0.99),
        noteP50: quantile(note, 0.5),
        playheadP99: quantile(playhead, 0.99),
        playheadP50: quantile(playhead, 0.5),
        samples: note.length + playhead.length,
        errors: stats.errors,
        lost: stats.lostNotes + stats.lostCommands,
        genCpu: stats.cpu,
        genLoopP99: stats.loopP99,
        valid: stats.cpu < GENERATOR_LIMITS.cpu && stats.loopP99 < GENERATOR_LIMITS.loopP99Ms,
      };
      results.push(r);
      log(
        `R=${target}: server ${(100 * r.serverCpu).toFixed(0)} % CPU, ${mib(r.rss)}, loop p99 ${ms(r.loopP99)}; note p99 ${ms(r.noteP99)}, playhead p99 ${ms(r.playheadP99)}; ` +
          `errors ${r.errors}, lost ${r.lost}; generator ${(100 * r.genCpu).toFixed(0)} % CPU, loop p99 ${ms(r.genLoopP99)}${r.valid ? '' : ' — INVALID (generator saturated)'}`,
      );
      if (stats.errorSamples.length) log(`  errors: ${stats.errorSamples.slice(0, 5).join('; ')}`);
    }
    convergence = await rpc.call('converge');
    log(`convergence: ${convergence.matched}/${convergence.checked} real providers hold every keystroke of their room`);
  } finally {
    gen?.kill('SIGKILL');
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { backend, results, baseline, convergence };
}

const ok = (r: StepResult) => r.valid && r.errors === 0 && r.noteP99 <= GOALS.p99Ms && r.playheadP99 <= GOALS.p99Ms;
const kneeOf = (results: StepResult[]) => results.filter(ok).map((r) => r.rooms).reduce((a, b) => Math.max(a, b), 0);
const STORE_NAMES: Record<Backend, string> = { sqlite: 'SQLite (embedded, the default)', postgres: 'PostgreSQL (DATABASE_URL, on this machine)' };

function report(runs: BackendRun[], loadAtStart: number): void {
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const sqlite = runs.find((r) => r.backend === 'sqlite');
  const postgres = runs.find((r) => r.backend === 'postgres');
  const ratios = (p: StepResult) => {
    const s = sqlite?.results.find((r) => r.rooms === p.rooms);
    return s ? `R=${p.rooms}: note p99 × ${(p.noteP99 / s.noteP99).toFixed(2)}, playhead p99 × ${(p.playheadP99 / s.playheadP99).toFixed(2)}, server CPU × ${(p.serverCpu / s.serverCpu).toFixed(2)}` : null;
  };
  const comparison =
    sqlite && postgres
      ? [
          '',
          `**PostgreSQL against SQLite in this run** (PostgreSQL / SQLite per step; SQLite is the baseline): ${postgres.results.map(ratios).filter((x) => x !== null).join('; ')}. ` +
            `Knee: SQLite ${kneeOf(sqlite.results) || 'none'}, PostgreSQL ${kneeOf(postgres.results) || 'none'} rooms × 4.`,
        ]
      : [];
  const body = [
    `Run ${when} on ${machine()} (\`npm run bench:load\`); 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${load1().toFixed(1)} at the end.`,
    '',
    `Setup: the compiled server (\`node dist/server/src/main.js\`) pinned to core 0, one load-generator process pinned to core 1 with lean clients (raw y-protocols frames over \`ws\`, socket.io-client over WebSocket; every ${REAL_EVERY}th room's host is a real y-websocket provider). Per room 4 participants (the host and 3 invited klantmanagers), each with a socket.io connection (presence, \`playhead:join\`) and a Yjs connection with awareness; per room a playhead seek every 10 s (host); per participant one character typed into their own observation plus an awareness update every 10 s, and a \`playhead:clock\` exchange every 5 s. Rooms are added step by step and stay open; each step warms ${WARM_MS / 1000} s and measures ${MEASURE_MS / 1000} s. Latency is sender → each other participant of the room, one clock (the generator's). Server CPU and RSS from /proc (RSS: the peak during the step), its event-loop delay from a preloaded \`monitorEventLoopDelay\`. A step is invalid when the generator itself exceeds ${100 * GENERATOR_LIMITS.cpu} % of its core or ${GENERATOR_LIMITS.loopP99Ms} ms loop delay p99. The whole run is made once per store, one after the other; PostgreSQL's processes are not pinned (on 2 cores they share them with the server and the generator) and their CPU is not in "server CPU".`,
    ...runs.flatMap((run) => ['', backendSection(run)]),
    ...comparison,
  ].join('\n');
  console.log(`\n${body}`);
  writeSection('## bench:load', body);
}

function backendSection({ backend, results, baseline, convergence }: BackendRun): string {
  const knee = kneeOf(results);
  const atGoal = results.find((r) => r.rooms === GOALS.rooms);
  const rows = [
    ['rooms × 4', 'server CPU', 'server RSS', 'server loop delay p99', 'note → others p50 / p99', 'playhead → others p50 / p99', 'samples', 'errors / lost', 'generator CPU / loop p99', 'valid'],
    ...results.map((r) => [
      String(r.rooms),
      `${(100 * r.serverCpu).toFixed(0)} %`,
      mib(r.rss),
      ms(r.loopP99),
      `${ms(r.noteP50)} / ${ms(r.noteP99)}`,
      `${ms(r.playheadP50)} / ${ms(r.playheadP99)}`,
      String(r.samples),
      `${r.errors} / ${r.lost}`,
      `${(100 * r.genCpu).toFixed(0)} % / ${ms(r.genLoopP99)}`,
      r.valid ? 'yes' : '**no** (generator saturated)',
    ]),
  ];
  const goal = atGoal
    ? `${GOALS.rooms} rooms × 4: note p99 ${ms(atGoal.noteP99)}, playhead p99 ${ms(atGoal.playheadP99)}, RSS ${mib(atGoal.rss)} — ${ok(atGoal) && atGoal.rss <= GOALS.rssBytes ? '**met**' : '**NOT met**'}`
    : `${GOALS.rooms} rooms were not part of this run`;
  return [
    `### ${STORE_NAMES[backend]}`,
    '',
    `Baseline of this run (1 room, nothing else): server loop delay p99 ${ms(baseline.loopP99)}, note → others p99 ${ms(baseline.noteP99)}. ` +
      (baseline.loopP99 <= BASELINE_FLOOR_LOOP_P99_MS
        ? `Within its floor (${BASELINE_FLOOR_LOOP_P99_MS} ms): the run counts.`
        : `**Too noisy:** above its floor of ${BASELINE_FLOOR_LOOP_P99_MS} ms, so another process shared the server's core; the figures below are not the server's alone.`),
    '',
    table(rows),
    '',
    `**Knee** (largest R with note and playhead p99 ≤ ${GOALS.p99Ms} ms, no errors, generator not saturated): **${knee || 'none'}** rooms × 4. Goal: ${goal}, ≤ 1.5 GB RSS.`,
    '',
    `Convergence after the last step (typing stopped, 3 s to settle): ${convergence.matched} of ${convergence.checked} real providers hold every keystroke typed in their room.`,
  ].join('\n');
}

if (process.argv.includes('--generator')) await runGenerator();
else await runParent();

/**
 * `npm run bench:sync`: how closely 5 headless Chromium contexts in one room play the test video
 * together, with the shared playhead and with a naive relay, on loopback and with unequal, jittery
 * delays (round trips 20/60/120/200/300 ms ± 50 ms through a delaying proxy per browser).
 *
 * The measure (issue 4): for every presented frame of every client, its error against the ideal
 * timeline = expected position at the frame's display time minus the frame's mediaTime
 * (requestVideoFrameCallback). At each instant of a 5 ms grid, each client's latest error is taken
 * and the spread (max − min over clients) is recorded. Comparing errors rather than frames on
 * screen avoids the whole-frame (40 ms) steps around every frame change.
 *
 * One common clock: the server runs in this process, so its clock (performance.timeOrigin +
 * performance.now()) is the bench's; each page's performance.now() is mapped onto it with the
 * lowest-round-trip of 25 DevTools evaluations (uncertainty ≤ that round trip / 2, reported).
 * The bench watches the room through a controller connection of the host that looks "on its own",
 * so it is not counted in the room's delays, barrier or seek waits.
 *
 * Results are printed and written to bench/RESULTS.md under "## bench:sync". `ONLY=sync/jitter`
 * (mode/network) runs one scenario, for working on it; the report is then printed but not written.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { io as connectSocket } from 'socket.io-client';
import type { Room } from '../shared/api/schemas.ts';
import { expectedPosition, governingState, type PlayheadCommand, type PlayheadState } from '../shared/playhead/index.ts';
import { roomQuery, type ClientToServer, type ServerToClient } from '../shared/realtime/events.ts';
import type { Socket } from 'socket.io-client';
import { serverNow } from '../server/src/playhead/feature.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';
import type { HttpClient } from '../tests/helpers/http.ts';
import { invite, joinAsGuest, signedInAdmin } from '../tests/helpers/scenario.ts';
import { startServer, type TestServer } from '../tests/helpers/server.ts';
import { settledFrame } from '../tests/helpers/video.ts';
import { startDelayProxy, type DelayProxy } from './delay-proxy.ts';
import { startNaiveServer, type NaiveServer } from './naive.ts';

const VIDEO = fileURLToPath(new URL('../tests/fixtures/gesprek.mp4', import.meta.url));
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const ROUND_TRIPS = [20, 60, 120, 200, 300];
const JITTER_MS = 50;
const GRID_MS = 5;
/** A client's last frame older than this is no reading for the instant (paused, seeking, stalled). */
const STALE_MS = 100;
const SETTLE_MS = 4000;
const STEADY_MS = 10_000;
const SEEK_WATCH_MS = 4000;
const LATE_WATCH_MS = 7000;
const PAUSES = 5;
const SEEK_GOAL_MS = 35;
const LATE_GOAL_MS = 25;
/** Hard cap, so a hung browser cannot keep the bench running. */
const BENCH_TIMEOUT_MS = 10 * 60_000;

type Mode = 'sync' | 'naive';
type Network = 'loopback' | 'jitter';

interface Sample {
  /** Display time on the bench/server clock (ms). */
  at: number;
  mediaTime: number;
}

/** A presented frame as recorded, with the media clock (currentTime) read in the same callback. */
interface FrameRecord extends Sample {
  /** When the callback ran, on the bench/server clock (ms). */
  clockAt: number;
  currentTime: number;
}

interface PageEvent {
  type: string;
  at: number;
  /** The video's playbackRate right after the event. */
  rate: number;
}

interface Client {
  name: string;
  page: Page;
  /** Page performance.now() minus bench performance.now() (ms). */
  offset: number;
  /** Round trip of the evaluation the offset came from (ms). */
  offsetRtt: number;
  samples: FrameRecord[];
  events: PageEvent[];
}

interface Spread {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  points: number;
}

interface ScenarioResult {
  mode: Mode;
  network: Network;
  steady: Spread;
  /** Each client's own |error| p99 in the steady window (ms). */
  ownErrorP99: number[];
  correctiveSeeks: number;
  rateChanges: number;
  pauses: { sameFrame: boolean; frames: number[] }[];
  seeks: { allWithinMs: number | null; maxAfter2s: number | null }[];
  lateJoinMs: number | null;
  clockUncertaintyMs: number;
  /** 1-minute load average at the start and the end of the scenario (the machine is shared). */
  load: [number, number];
}

// ---- page instrumentation ---------------------------------------------------------------------

/**
 * Runs in every page before its own scripts: records each presented frame (display time, mediaTime)
 * and the video's seeking / ratechange events. A string, so that no transform of this file can add
 * helpers to it that do not exist in the page.
 */
const RECORDER = `
  const rec = { samples: [], events: [] };
  window.__rec = rec;
  const attach = () => {
    const video = document.querySelector('video');
    if (!video) { setTimeout(attach, 50); return; }
    const onFrame = (now, meta) => {
      rec.samples.push([meta.expectedDisplayTime, meta.mediaTime, performance.now(), video.currentTime]);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    for (const type of ['seeking', 'ratechange']) video.addEventListener(type, () => rec.events.push([type, performance.now(), video.playbackRate]));
  };
  attach();
`;

async function measureOffset(client: Client): Promise<void> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const pageNow = await client.page.evaluate(() => performance.now());
    const t3 = performance.now();
    if (t3 - t0 < best.rtt) best = { rtt: t3 - t0, offset: pageNow - (t0 + t3) / 2 };
  }
  client.offset = best.offset;
  client.offsetRtt = best.rtt;
}

/** Moves what the page recorded since the last call into the client, on the server clock. */
async function collect(client: Client): Promise<void> {
  const { samples, events } = await client.page.evaluate(() => {
    const rec = (window as unknown as { __rec?: { samples: [number, number, number, number][]; events: [string, number, number][] } }).__rec;
    return { samples: rec?.samples.splice(0) ?? [], events: rec?.events.splice(0) ?? [] };
  });
  const toServer = (pageMs: number): number => performance.timeOrigin + pageMs - client.offset;
  for (const [display, mediaTime, now, currentTime] of samples) client.samples.push({ at: toServer(display), mediaTime, clockAt: toServer(now), currentTime });
  for (const [type, at, rate] of events) client.events.push({ type, at: toServer(at), rate });
}

/**
 * How much media time one player loses at a playbackRate change (the drift controller's
 * nudgeEntryCostMs): the media clock against performance.now(), averaged over 300 ms before and
 * 400 ms after each change, minus what the new rate explains. A string for the same reason as
 * RECORDER.
 */
const RATE_COST_PROBE = `(async () => {
  const video = document.querySelector('video');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let last = 0, integral = 0, rate = 1, start = 0;
  const offset = () => { const t = performance.now(); integral += ((t - last) / 1000) * rate; last = t; return video.currentTime - start - integral; };
  const average = async () => { let sum = 0; for (let i = 0; i < 10; i++) { sum += offset(); await sleep(30); } return (sum / 10) * 1000; };
  video.currentTime = 0.5;
  await new Promise((r) => video.addEventListener('seeked', r, { once: true }));
  await video.play();
  await sleep(800);
  last = performance.now(); start = video.currentTime;
  const leave = [], back = [];
  for (let i = 0; i < 4; i++) {
    for (const [to, list] of [[1.005, leave], [1, back]]) {
      const before = await average();
      offset(); rate = to; video.playbackRate = to;
      await sleep(400);
      list.push(before - (await average()));
    }
  }
  video.pause();
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { leave: mean(leave), back: mean(back) };
})()`;

async function measureRateChangeCost(browser: Browser): Promise<{ leave: number; back: number }> {
  const naive = await startNaiveServer(VIDEO, serverNow);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${naive.port}/`);
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 60_000 });
    return (await page.evaluate(RATE_COST_PROBE)) as { leave: number; back: number };
  } finally {
    await context.close();
    await naive.close();
  }
}

// ---- analysis ---------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Each client's error (ms) against the timeline at every presented frame while it plays. */
function errorSeries(client: Client, states: readonly PlayheadState[]): Sample[] {
  const series: Sample[] = [];
  for (const s of client.samples) {
    const state = governingState(states, s.at);
    if (!state || state.paused) continue;
    series.push({ at: s.at, mediaTime: (expectedPosition(state, s.at) - s.mediaTime) * 1000 });
  }
  return series;
}

/** At each grid instant in [from, to): every client's latest error, or null if one has none. */
function gridErrors(series: readonly Sample[][], from: number, to: number): { at: number; errors: number[] | null }[] {
  const cursors = series.map(() => 0);
  const points: { at: number; errors: number[] | null }[] = [];
  for (let at = from; at < to; at += GRID_MS) {
    const errors: number[] = [];
    for (let c = 0; c < series.length; c++) {
      const s = series[c]!;
      while (cursors[c]! + 1 < s.length && s[cursors[c]! + 1]!.at <= at) cursors[c]!++;
      const sample = s[cursors[c]!];
      if (sample && sample.at <= at && at - sample.at <= STALE_MS) errors.push(sample.mediaTime);
    }
    points.push({ at, errors: errors.length === series.length ? errors : null });
  }
  return points;
}

const spreadOf = (errors: readonly number[]): number => Math.max(...errors) - Math.min(...errors);

function spreadStats(points: readonly { errors: number[] | null }[]): Spread {
  const spreads = points.flatMap((p) => (p.errors ? [spreadOf(p.errors)] : [])).sort((a, b) => a - b);
  return { p50: percentile(spreads, 50), p95: percentile(spreads, 95), p99: percentile(spreads, 99), max: spreads.at(-1) ?? Number.NaN, points: spreads.length };
}

/** First time (ms after `from`) from which every complete grid point until `to` meets `ok`. */
function timeUntil(points: readonly { at: number; errors: number[] | null }[], from: number, ok: (errors: number[]) => boolean): number | null {
  let since: number | null = null;
  for (const p of points) {
    if (!p.errors) continue;
    if (ok(p.errors)) since ??= p.at;
    else since = null;
  }
  return since === null ? null : since - from;
}

// ---- one scenario -----------------------------------------------------------------------------

interface Harness {
  clients: Client[];
  states(): PlayheadState[];
  command(command: PlayheadCommand): Promise<void>;
  /** Loads the page of client `index` again: the late joiner. */
  reload(index: number): Promise<void>;
  close(): Promise<void>;
}

async function openPages(browser: Browser, urls: string[], cookies: { name: string; value: string }[][], names: string[]): Promise<Client[]> {
  return Promise.all(
    urls.map(async (url, i) => {
      const context = await browser.newContext({ locale: 'nl-NL' });
      const origin = new URL(url).origin;
      if (cookies[i]!.length) await context.addCookies(cookies[i]!.map((c) => ({ ...c, url: origin })));
      const page = await context.newPage();
      await page.addInitScript({ content: RECORDER });
      await page.goto(url);
      return { name: names[i]!, page, offset: 0, offsetRtt: 0, samples: [], events: [] };
    }),
  );
}

const cookiesOf = (http: HttpClient) =>
  http.cookieHeader.split('; ').filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });

async function proxiesFor(network: Network, port: number): Promise<{ ports: number[]; proxies: DelayProxy[] }> {
  if (network === 'loopback') return { ports: ROUND_TRIPS.map(() => port), proxies: [] };
  const proxies = await Promise.all(ROUND_TRIPS.map((rttMs) => startDelayProxy(port, { rttMs, jitterMs: JITTER_MS })));
  return { ports: proxies.map((p) => p.port), proxies };
}

async function syncHarness(browser: Browser, server: TestServer, admin: HttpClient, network: Network): Promise<Harness> {
  const demo = await admin.post<Room>('/api/demo');
  if (demo.status !== 201) throw new Error(`demo room: ${demo.status}`);
  const room = demo.body;
  const guests: HttpClient[] = [];
  for (const [role, name] of [['coach', 'Coen'], ['klantmanager', 'Karin'], ['onderzoeker', 'Olga'], ['collega', 'Cor']] as const) {
    guests.push((await joinAsGuest(server, room.id, (await invite(admin, room.id, role)).token, name)).guest);
  }
  const people = [admin, ...guests];
  const port = Number(new URL(server.url).port);
  const { ports, proxies } = await proxiesFor(network, port);

  // The controller: the host's own extra connection, looking "on its own" so the room ignores it.
  const controller: Socket<ServerToClient, ClientToServer> = connectSocket(server.url, {
    auth: { roomId: room.id },
    query: roomQuery(room.id),
    extraHeaders: { cookie: admin.cookieHeader },
    transports: ['websocket'],
  });
  const states: PlayheadState[] = [];
  controller.on('playhead:state', (s) => states.push(s));
  await new Promise<void>((resolve) => controller.once('connect', () => resolve()));
  const snapshot = await new Promise<{ states: PlayheadState[] }>((resolve) =>
    controller.emit('playhead:join', (reply) => resolve(reply.ok ? reply.value! : { states: [] })),
  );
  states.unshift(...snapshot.states);
  await new Promise((resolve) => controller.emit('playhead:solo', { solo: true }, resolve));

  const urls = ports.map((p) => `http://127.0.0.1:${p}/kamer/${room.id}`);
  const clients = await openPages(browser, urls, people.map(cookiesOf), ['host', 'coach', 'klantmanager', 'onderzoeker', 'collega']);
  // Followers are ready once their video exists and shows the room's (paused) first frame.
  for (const c of clients) await c.page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 60_000 });
  return {
    clients,
    states: () => [...states].sort((a, b) => a.version - b.version),
    command: (command) =>
      new Promise<void>((resolve, reject) =>
        controller.emit('playhead:command', command, (reply) => (reply.ok ? resolve() : reject(new Error(reply.error.message)))),
      ),
    reload: async (index) => {
      const c = clients[index]!;
      await c.page.reload();
      await c.page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1, null, { timeout: 60_000 });
    },
    close: async () => {
      controller.disconnect();
      await Promise.all(clients.map((c) => c.page.context().close()));
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
}

async function naiveHarness(browser: Browser, network: Network): Promise<Harness> {
  const naive: NaiveServer = await startNaiveServer(VIDEO, serverNow);
  const { ports, proxies } = await proxiesFor(network, naive.port);
  const clients = await openPages(browser, ports.map((p) => `http://127.0.0.1:${p}/`), ports.map(() => []), ['c1', 'c2', 'c3', 'c4', 'c5']);
  for (const c of clients) await c.page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 60_000 });
  // The relay's pages need a moment to open their sockets; commands before that would be lost.
  await sleep(1500);
  return {
    clients,
    states: () => naive.states,
    command: async (command) => naive.relay(command),
    reload: async () => {
      throw new Error('a relay keeps no state for a late joiner');
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.page.context().close()));
      await Promise.all(proxies.map((p) => p.close()));
      await naive.close();
    },
  };
}

async function runScenario(mode: Mode, network: Network, h: Harness): Promise<ScenarioResult> {
  const { clients } = h;
  const loadBefore = loadavg()[0]!;
  const log = (msg: string) => console.log(`  [${mode}/${network}] ${msg}`);
  const collectAll = () => Promise.all(clients.map(collect));
  for (const c of clients) await measureOffset(c);
  const series = () => clients.map((c) => errorSeries(c, h.states()));
  const countEvents = (type: string, from: number, to: number) =>
    clients.reduce((n, c) => n + c.events.filter((e) => e.type === type && e.at >= from && e.at < to).length, 0);

  // Steady playback from the start.
  await h.command({ type: 'seek', position: 0.5 });
  await sleep(1500);
  await h.command({ type: 'play' });
  log('playing; settling');
  await sleep(SETTLE_MS);
  await collectAll();
  const steadyFrom = serverNow();
  await sleep(STEADY_MS);
  await collectAll();
  const steadyTo = serverNow();
  const steadyPoints = gridErrors(series(), steadyFrom, steadyTo);
  const steady = spreadStats(steadyPoints);
  const ownErrorP99 = series().map((s) =>
    percentile(
      s.filter((x) => x.at >= steadyFrom && x.at < steadyTo).map((x) => Math.abs(x.mediaTime)).sort((a, b) => a - b),
      99,
    ),
  );
  if (process.env.DUMP) {
    // Raw steady-window data for tuning: each client's error series and its rate/seek events.
    const window = <T extends { at: number }>(xs: readonly T[]) => xs.filter((x) => x.at >= steadyFrom && x.at < steadyTo).map((x) => ({ ...x, at: x.at - steadyFrom }));
    // The media clock's own error too, to tell the players' clocks apart from the frames their renderers pick.
    const clockErrors = (c: Client) =>
      c.samples.flatMap((s) => {
        const state = governingState(h.states(), s.clockAt);
        return state && !state.paused ? [{ at: s.clockAt, error: (expectedPosition(state, s.clockAt) - s.currentTime) * 1000 }] : [];
      });
    writeFileSync(
      `${process.env.DUMP}-${mode}-${network}.json`,
      JSON.stringify(clients.map((c, i) => ({ errors: window(series()[i]!), clockErrors: window(clockErrors(c)), events: window(c.events) }))),
    );
  }
  const correctiveSeeks = countEvents('seeking', steadyFrom, steadyTo);
  const rateChanges = countEvents('ratechange', steadyFrom, steadyTo);
  log(`steady spread p50 ${steady.p50.toFixed(1)} p95 ${steady.p95.toFixed(1)} p99 ${steady.p99.toFixed(1)} max ${steady.max.toFixed(1)} ms`);
  log(`median error per client: ${series().map((s) => percentile(s.filter((x) => x.at >= steadyFrom && x.at < steadyTo).map((x) => x.mediaTime).sort((a, b) => a - b), 50).toFixed(1)).join(' / ')} ms`);

  // Seeks while playing.
  const seeks: ScenarioResult['seeks'] = [];
  for (const target of [2, 9]) {
    const from = serverNow();
    await h.command({ type: 'seek', position: target });
    await sleep(SEEK_WATCH_MS);
    await collectAll();
    const points = gridErrors(series(), from, from + SEEK_WATCH_MS);
    const after2s = points.filter((p) => p.at >= from + 2000 && p.errors).map((p) => spreadOf(p.errors!));
    seeks.push({
      allWithinMs: timeUntil(points, from, (e) => spreadOf(e) <= SEEK_GOAL_MS),
      maxAfter2s: after2s.length ? Math.max(...after2s) : null,
    });
    log(`seek to ${target}s: all within ${SEEK_GOAL_MS} ms after ${seeks.at(-1)!.allWithinMs ?? 'never'} ms`);
  }

  // A late joiner: the last client loads the page again while the room plays.
  let lateJoinMs: number | null = null;
  if (mode === 'sync') {
    await h.command({ type: 'seek', position: 3 });
    await sleep(2500);
    await collectAll();
    const late = clients.at(-1)!;
    const from = serverNow();
    await h.reload(clients.length - 1);
    await measureOffset(late);
    await sleep(LATE_WATCH_MS);
    await collectAll();
    const all = series();
    const points = gridErrors(all, from, from + LATE_WATCH_MS + 1000);
    // The joiner against the others' mean error: the common bias of the renderer cancels out.
    lateJoinMs = timeUntil(points, from, (e) => {
      const others = e.slice(0, -1);
      return Math.abs(e.at(-1)! - others.reduce((a, b) => a + b, 0) / others.length) <= LATE_GOAL_MS;
    });
    log(`late joiner within ${LATE_GOAL_MS} ms after ${lateJoinMs ?? 'never'} ms`);
  }

  // Pauses: every client should stop on the very same frame.
  const pauses: ScenarioResult['pauses'] = [];
  for (let i = 0; i < PAUSES; i++) {
    await h.command({ type: 'seek', position: 2 + i * 3 });
    await sleep(800);
    await h.command({ type: 'play' });
    await sleep(1200 + Math.random() * 400);
    await h.command({ type: 'pause' });
    await sleep(600);
    const frames = (await Promise.all(clients.map((c) => settledFrame(c.page)))).map((s) => s.frame);
    pauses.push({ sameFrame: frames.every((f) => f === frames[0]), frames });
    log(`pause ${i + 1}: frames ${frames.join(', ')}`);
  }

  return {
    mode,
    network,
    steady,
    ownErrorP99,
    correctiveSeeks,
    rateChanges,
    pauses,
    seeks,
    lateJoinMs,
    clockUncertaintyMs: Math.max(...clients.map((c) => c.offsetRtt / 2)),
    load: [loadBefore, loadavg()[0]!],
  };
}

// ---- report -----------------------------------------------------------------------------------

const f1 = (n: number | null): string => (n === null || Number.isNaN(n) ? '–' : n.toFixed(1));
const ratio = (naive: number, sync: number): string => (sync > 0 ? `${(naive / sync).toFixed(1)}×` : '∞');

function report(results: ScenarioResult[], machine: string, rateCost: { leave: number; back: number }): string {
  const find = (mode: Mode, network: Network) => results.find((r) => r.mode === mode && r.network === network)!;
  const lines: string[] = [];
  lines.push('## bench:sync', '', machine, '');
  lines.push('Spread between the 5 clients of their error against the ideal timeline, sampled every 5 ms (ms):', '');
  lines.push('| mode | network | p50 | p95 | p99 | max | corrective seeks | rate changes | own error p99 per client | clock mapping ± | load avg (1 min) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(
      `| ${r.mode} | ${r.network} | ${f1(r.steady.p50)} | ${f1(r.steady.p95)} | ${f1(r.steady.p99)} | ${f1(r.steady.max)} | ${r.correctiveSeeks} | ${r.rateChanges} | ${r.ownErrorP99.map(f1).join(' / ')} | ${f1(r.clockUncertaintyMs)} | ${r.load.map((l) => l.toFixed(1)).join(' → ')} |`,
    );
  }
  lines.push('', 'Naive ÷ synced (higher is better for the shared playhead):', '');
  lines.push('| network | p50 | p95 | p99 | max |', '|---|---|---|---|---|');
  for (const network of ['loopback', 'jitter'] as const) {
    const s = find('sync', network).steady;
    const n = find('naive', network).steady;
    lines.push(`| ${network} | ${ratio(n.p50, s.p50)} | ${ratio(n.p95, s.p95)} | ${ratio(n.p99, s.p99)} | ${ratio(n.max, s.max)} |`);
  }
  lines.push(
    '',
    `Media time one Chromium player loses at a playbackRate change (mean of 4, one page alone): ${f1(rateCost.leave)} ms leaving rate 1, ${f1(rateCost.back)} ms returning to it. The client's drift controller sizes its first nudge out of rate 1 for this (nudgeEntryCostMs = 20) and then stays off 1 until the timeline changes, switching between 1 ± 0.12 %.`,
  );
  lines.push('', 'Events:', '');
  lines.push('| mode | network | pause → same frame | seek → all within 35 ms after (ms) | max spread 2–4 s after seek (ms) | late joiner within 25 ms after (ms) |');
  lines.push('|---|---|---|---|---|---|');
  for (const r of results) {
    const same = r.pauses.filter((p) => p.sameFrame).length;
    lines.push(
      `| ${r.mode} | ${r.network} | ${same}/${r.pauses.length}${same < r.pauses.length ? ` (e.g. frames ${r.pauses.find((p) => !p.sameFrame)!.frames.join(', ')})` : ''} | ${r.seeks.map((s) => s.allWithinMs ?? 'never').join(' / ')} | ${r.seeks.map((s) => f1(s.maxAfter2s)).join(' / ')} | ${r.mode === 'naive' ? 'n/a (relay keeps no state)' : (r.lateJoinMs ?? 'never')} |`,
    );
  }
  return lines.join('\n');
}

function writeSection(section: string): void {
  const existing = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const start = existing.indexOf('## bench:sync');
  let next: string;
  if (start === -1) next = `${existing.trimEnd()}\n\n${section}\n`;
  else {
    const after = existing.indexOf('\n## ', start + 1);
    next = `${existing.slice(0, start)}${section}\n${after === -1 ? '' : existing.slice(after + 1)}`;
  }
  writeFileSync(RESULTS, next);
}

async function main(): Promise<void> {
  const server = await startServer();
  const browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
  const results: ScenarioResult[] = [];
  try {
    const admin = await signedInAdmin(server);
    const rateCost = await measureRateChangeCost(browser);
    console.log(`rate change costs ${rateCost.leave.toFixed(1)} ms leaving 1, ${rateCost.back.toFixed(1)} ms returning`);
    for (const network of ['loopback', 'jitter'] as const) {
      for (const mode of ['sync', 'naive'] as const) {
        if (process.env.ONLY && process.env.ONLY !== `${mode}/${network}`) continue;
        console.log(`${mode} on ${network}${network === 'jitter' ? ` (round trips ${ROUND_TRIPS.join('/')} ms ± ${JITTER_MS} ms)` : ''}`);
        const harness = mode === 'sync' ? await syncHarness(browser, server, admin, network) : await naiveHarness(browser, network);
        try {
          results.push(await runScenario(mode, network, harness));
        } finally {
          await harness.close();
        }
      }
    }
    const machine = `${new Date().toISOString().slice(0, 10)} · ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}) · Chromium ${browser.version()} headless · Node ${process.version} · fixture tests/fixtures/gesprek.mp4 (H.264, 25 fps)`;
    if (results.length < 4) return;
    const section = report(results, machine, rateCost);
    console.log(`\n${section}\n`);
    writeSection(section);
    console.log(`written to ${RESULTS}`);
  } finally {
    await browser.close();
    await server.dispose();
  }
}

const guard = setTimeout(() => {
  console.error(`bench:sync gave up after ${BENCH_TIMEOUT_MS / 60_000} minutes`);
  process.exit(1);
}, BENCH_TIMEOUT_MS);
guard.unref();
await main();

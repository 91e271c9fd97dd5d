/**
 * `npm run bench:sync`: how closely 5 Chromium pages in one room play the test video together with
 * the shared playhead, against a naive relay (bench/naive.ts) measured in the same run, on
 * loopback and with unequal, jittery delays (round trips 20/60/120/200/300 ms ± 50 ms through a
 * delaying proxy per page, bench/delay-proxy.ts).
 *
 * A run first proves it can see the floor: the naive relay on loopback, whose pages all start on
 * one message, must come out at a presented-frame spread p99 ≤ 20 ms (about one display refresh).
 * If it does not, the machine is too busy to tell the product from the harness: the run is written
 * down as too noisy, without figures, and stops.
 *
 * Keeping the harness cheap: one headless Chromium with a context per page (one browser and one
 * compositor, a renderer process per page), the light 320×240 H.264 fixture, audio muted, no GPU,
 * no background throttling; the DevTools protocol is only used between measurement windows (to
 * map clocks and collect what the pages recorded). With PIN=1 the bench process (which hosts the
 * server) runs on CPU 0 and Chromium on the others (`taskset`); by default nothing is pinned, as
 * the runs below measured that better here (see RESULTS.md).
 *
 * Measures, per page, from requestVideoFrameCallback:
 * - presented frames: the timeline's position at the frame's expectedDisplayTime minus its
 *   mediaTime (what people see; quantized by frame and display refresh);
 * - the media clock: the timeline's position when the callback runs minus currentTime read in it
 *   (the players' clocks themselves).
 * At each instant of a 5 ms grid each page's latest error counts (if at most 100 ms old and the
 * timeline plays); the spread is max − min over the pages.
 * Events (each repeated, median and worst):
 * - seek while playing → the time from the command until all 5 media clocks are within 35 ms of
 *   each other and stay so for the rest of a 4 s window (a page that is paused or has no fresh
 *   frame counts as not yet; afterwards a gap of up to 300 ms in a page's frames is tolerated),
 *   with where the time went (last `seeked`, the scheduled resume);
 * - late join → from the Join click of a new guest (invite link, name, "Deelnemen") until its
 *   media clock is within 25 ms of the others' mean and stays so for the rest of a 6 s window;
 *   and whether anyone else paused meanwhile;
 * - pause → whether all 5 pages show the same frame (the burned-in frame code).
 *
 * One common clock: the server runs in this process, so its clock (performance.timeOrigin +
 * performance.now()) is the bench's; each page's performance.now() is mapped onto it with the
 * lowest-round-trip of 25 DevTools evaluations (uncertainty ≤ that round trip / 2, reported).
 * Commands come from the host's own extra connection that looks "on its own", so it is not counted
 * in the room's delays, barrier or seek waits.
 *
 * The machine is shared: before the floor check the bench waits (up to QUIET_WAIT_S, default 600 s)
 * for the 1-minute load average to fall to QUIET_LOAD (default 2), and it tries the floor up to
 * FLOOR_TRIES times (default 5), each time with fresh pages.
 *
 * Results are printed and written to bench/RESULTS.md under "## bench:sync" (the section keeps a
 * table of every run). For working on it, printed but not written: `ONLY=loopback` or
 * `ONLY=jitter` runs one network; SEEKS, JOINS, PAUSES set the repetitions; FORCE=1 goes on
 * after a failed floor check; DUMP=/tmp/x writes the raw data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { Room } from '../shared/api/schemas.ts';
import { expectedPosition, governingState, type PlayheadCommand, type PlayheadState } from '../shared/playhead/index.ts';
import { roomQuery, type ClientToServer, type ServerToClient } from '../shared/realtime/events.ts';
import { serverNow } from '../server/src/playhead/feature.ts';
import { CHROMIUM_PATH } from '../tests/helpers/browser.ts';
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
/** A page's last frame older than this is no reading for the instant (paused, seeking, stalled). */
const STALE_MS = 100;
/**
 * Once all pages were within the goal, a page may miss frames for up to this long (a renderer busy
 * elsewhere on this 2-core machine) without that counting as falling out of step.
 */
const GAP_MS = 300;
const SETTLE_MS = 4000;
const STEADY_MS = 15_000;
const SEEK_WINDOW_MS = 4000;
const JOIN_WINDOW_MS = 6000;
const SEEK_GOAL_MS = 35;
const JOIN_GOAL_MS = 25;
/** The naive relay on loopback must reach this presented-frame spread p99 (ms) for a run to count. */
const FLOOR_MS = 20;
const REPS = {
  seeks: Number(process.env.SEEKS ?? 10),
  joins: Number(process.env.JOINS ?? 10),
  pauses: Number(process.env.PAUSES ?? 20),
};
const PIN = process.env.PIN === '1';
const QUIET_LOAD = Number(process.env.QUIET_LOAD ?? 2);
const QUIET_WAIT_MS = Number(process.env.QUIET_WAIT_S ?? 600) * 1000;
const FLOOR_TRIES = Number(process.env.FLOOR_TRIES ?? 5);
const FORCE = process.env.FORCE === '1';
/** Only the floor check, FLOOR_TRIES times whatever it shows: for comparing ways to run the pages. */
const FLOOR_ONLY = process.env.FLOOR_ONLY === '1';
const WRITE = !process.env.ONLY && !FORCE && !FLOOR_ONLY && !process.env.SEEKS && !process.env.JOINS && !process.env.PAUSES;
/** Hard cap, so a hung browser cannot keep the bench running. */
const BENCH_TIMEOUT_MS = 40 * 60_000;

type Mode = 'sync' | 'naive';
type Network = 'loopback' | 'jitter';

/** One reading of a page's error against the timeline (ms, positive = behind), at bench time `at`. */
interface Reading {
  at: number;
  error: number;
}

interface PageEvent {
  type: string;
  at: number;
}

interface Client {
  name: string;
  page: Page;
  /** Page performance.now() minus bench performance.now() (ms). */
  offset: number;
  /** Round trip of the evaluation the offset came from (ms). */
  offsetRtt: number;
  /** Presented frames: display time and mediaTime; callbacks: their time and currentTime. */
  frames: { display: number; mediaTime: number; at: number; currentTime: number }[];
  events: PageEvent[];
  clicks: number[];
}

interface Spread {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  points: number;
}

interface SeekRep {
  /** ms after the command: all within SEEK_GOAL_MS from then on (null: not within the window). */
  within: number | null;
  /** ms after the command: the last page's `seeked`, and the scheduled resume. */
  lastSeeked: number | null;
  resumeAt: number | null;
}

interface JoinRep {
  within: number | null;
  /** ms after the click: the requests for the room, the media facts and the video began (resource timing). */
  requests: { room: number | null; media: number | null; video: number | null };
  /** ms of main-thread tasks over 50 ms in the joiner's page between the click and its metadata. */
  longTasksMs: number;
  /** ms after the click: the video element's metadata, its first seeked, its first play(). */
  metadata: number | null;
  seeked: number | null;
  play: number | null;
  /** pause events of the other pages during the window. */
  othersPaused: number;
}

interface ScenarioResult {
  mode: Mode;
  network: Network;
  presented: Spread;
  clock: Spread;
  /** Each page's own |media clock error| p99 in the steady window (ms). */
  ownClockP99: number[];
  correctiveSeeks: number;
  rateChanges: number;
  seeks: SeekRep[];
  joins: JoinRep[];
  pauses: { sameFrame: boolean; frames: number[] }[];
  clockUncertaintyMs: number;
  /** 1-minute load average at the start and the end of the scenario (the machine is shared). */
  load: [number, number];
}

// ---- page instrumentation ---------------------------------------------------------------------

/**
 * Runs in every page before its own scripts: records each presented frame and each video event of
 * whatever video element the page shows (the room renders it after the join), and every click.
 * A string, so that no transform of this file can add helpers to it that do not exist in the page.
 */
const RECORDER = `
  const rec = { frames: [], events: [], clicks: [], longTasks: [] };
  window.__rec = rec;
  document.addEventListener('click', (e) => rec.clicks.push(e.timeStamp), true);
  // Main-thread tasks over 50 ms: where a page's own work holds things up.
  new PerformanceObserver((list) => { for (const e of list.getEntries()) rec.longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  let current = null;
  const types = ['seeking', 'seeked', 'play', 'playing', 'pause', 'ratechange', 'waiting', 'loadedmetadata', 'canplay'];
  const attach = () => {
    const video = document.querySelector('video');
    if (video && video !== current) {
      current = video;
      const onFrame = (now, meta) => {
        rec.frames.push([meta.expectedDisplayTime, meta.mediaTime, performance.now(), video.currentTime]);
        if (current === video) video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      for (const type of types) video.addEventListener(type, () => rec.events.push([type, performance.now()]));
    }
    setTimeout(attach, 20);
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

/** Moves what the page recorded since the last call into the client, on the bench (server) clock. */
async function collect(client: Client): Promise<void> {
  const got = await client.page.evaluate(() => {
    const rec = (window as unknown as { __rec?: { frames: number[][]; events: [string, number][]; clicks: number[] } }).__rec;
    return { frames: rec?.frames.splice(0) ?? [], events: rec?.events.splice(0) ?? [], clicks: rec?.clicks.splice(0) ?? [] };
  });
  const toBench = (pageMs: number): number => performance.timeOrigin + pageMs - client.offset;
  for (const [display, mediaTime, at, currentTime] of got.frames) {
    client.frames.push({ display: toBench(display!), mediaTime: mediaTime!, at: toBench(at!), currentTime: currentTime! });
  }
  for (const [type, at] of got.events) client.events.push({ type, at: toBench(at) });
  for (const at of got.clicks) client.clicks.push(toBench(at));
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

const median = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);

/** A page's errors against the timeline while it plays: presented frames, or media clock readings. */
function readings(client: Client, states: readonly PlayheadState[], kind: 'presented' | 'clock'): Reading[] {
  const out: Reading[] = [];
  for (const f of client.frames) {
    const at = kind === 'presented' ? f.display : f.at;
    const state = governingState(states, at);
    if (!state || state.paused) continue;
    out.push({ at, error: (expectedPosition(state, at) - (kind === 'presented' ? f.mediaTime : f.currentTime)) * 1000 });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** At each grid instant in [from, to): each page's latest fresh error, or null for a page without one. */
function grid(series: readonly Reading[][], from: number, to: number, staleMs = STALE_MS): { at: number; errors: (number | null)[] }[] {
  const cursors = series.map(() => -1);
  const points: { at: number; errors: (number | null)[] }[] = [];
  for (let at = from; at < to; at += GRID_MS) {
    const errors = series.map((s, c) => {
      while (cursors[c]! + 1 < s.length && s[cursors[c]! + 1]!.at <= at) cursors[c]!++;
      const r = s[cursors[c]!];
      return r && at - r.at <= staleMs ? r.error : null;
    });
    points.push({ at, errors });
  }
  return points;
}

const complete = (errors: readonly (number | null)[]): errors is number[] => errors.every((e) => e !== null);
const spreadOf = (errors: readonly number[]): number => Math.max(...errors) - Math.min(...errors);

function spreadStats(points: readonly { errors: (number | null)[] }[]): Spread {
  const spreads = points.flatMap((p) => (complete(p.errors) ? [spreadOf(p.errors)] : [])).sort((a, b) => a - b);
  return { p50: percentile(spreads, 50), p95: percentile(spreads, 95), p99: percentile(spreads, 99), max: spreads.at(-1) ?? Number.NaN, points: spreads.length };
}

/**
 * The first grid instant from which every point up to the end of the window meets `ok`, in ms
 * after `from`; null when the window ends without one. The first point needs a fresh reading of
 * every page; after it, a reading up to GAP_MS old still counts.
 */
function settledAfter(series: readonly Reading[][], from: number, to: number, ok: (errors: (number | null)[]) => boolean): number | null {
  const fresh = grid(series, from, to);
  const recent = grid(series, from, to, GAP_MS);
  let since: number | null = null;
  for (const [i, p] of fresh.entries()) {
    if (since === null ? ok(p.errors) : ok(recent[i]!.errors)) since ??= p.at;
    else since = null;
  }
  return since === null ? null : since - from;
}

/** With DUMP=/tmp/x: each page's events and media clock errors in a window, for working on the sync. */
function dump(name: string, from: number, to: number, clients: readonly Client[], states: readonly PlayheadState[]): void {
  if (!process.env.DUMP) return;
  const inWindow = <T extends { at: number }>(xs: readonly T[]) => xs.filter((x) => x.at >= from - 500 && x.at < to).map((x) => ({ ...x, at: Math.round((x.at - from) * 10) / 10 }));
  writeFileSync(
    `${process.env.DUMP}-${name}.json`,
    JSON.stringify({
      states: states.filter((s) => s.atServerTime >= from - 2000).map((s) => ({ ...s, atServerTime: s.atServerTime - from })),
      clients: clients.map((c) => ({ name: c.name, events: inWindow(c.events), clock: inWindow(readings(c, states, 'clock')).map((r) => [r.at, Math.round(r.error * 10) / 10]) })),
    }),
  );
}

// ---- harnesses --------------------------------------------------------------------------------

interface Harness {
  clients: Client[];
  states(): PlayheadState[];
  command(command: PlayheadCommand): Promise<void>;
  /** A new guest opens an invite link, gives a name and clicks "Deelnemen": the late joiner. */
  newGuest?(name: string): Promise<Client>;
  close(): Promise<void>;
}

async function openPage(browser: Browser, url: string, cookies: { name: string; value: string }[], name: string): Promise<Client> {
  const context = await browser.newContext({ locale: 'nl-NL' });
  const origin = new URL(url).origin;
  if (cookies.length) await context.addCookies(cookies.map((c) => ({ ...c, url: origin })));
  const page = await context.newPage();
  await page.addInitScript({ content: RECORDER });
  await page.goto(url);
  return { name, page, offset: 0, offsetRtt: 0, frames: [], events: [], clicks: [] };
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

const videoReady = (page: Page, readyState: number) =>
  page.waitForFunction((r) => (document.querySelector('video')?.readyState ?? 0) >= r, readyState, { timeout: 60_000 });

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
  // The late joiners come in over the slowest path, the worst case.
  const joinPort = ports.at(-1)!;

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

  const names = ['host', 'coach', 'klantmanager', 'onderzoeker', 'collega'];
  const clients: Client[] = [];
  for (const [i, p] of ports.entries()) clients.push(await openPage(browser, `http://127.0.0.1:${p}/kamer/${room.id}`, cookiesOf(people[i]!), names[i]!));
  // Followers are ready once their video exists and shows the room's (paused) first frame.
  for (const c of clients) await videoReady(c.page, 2);
  const joiners: Client[] = [];
  return {
    clients,
    states: () => [...states].sort((a, b) => a.version - b.version),
    command: (command) =>
      new Promise<void>((resolve, reject) =>
        controller.emit('playhead:command', command, (reply) => (reply.ok ? resolve() : reject(new Error(reply.error.message)))),
      ),
    newGuest: async (name) => {
      const { url } = await invite(admin, room.id, 'meekijker');
      const link = new URL(url);
      const joiner = await openPage(browser, `http://127.0.0.1:${joinPort}${link.pathname}${link.hash}`, [], name);
      joiners.push(joiner);
      await joiner.page.getByLabel('Je naam zoals anderen die zien').waitFor();
      await measureOffset(joiner);
      await joiner.page.getByLabel('Je naam zoals anderen die zien').fill(name);
      await joiner.page.getByRole('button', { name: 'Deelnemen' }).click();
      return joiner;
    },
    close: async () => {
      controller.disconnect();
      await Promise.all([...clients, ...joiners].map((c) => c.page.context().close().catch(() => undefined)));
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
}

async function naiveHarness(browser: Browser, network: Network): Promise<Harness> {
  const naive: NaiveServer = await startNaiveServer(VIDEO, serverNow);
  const { ports, proxies } = await proxiesFor(network, naive.port);
  const clients: Client[] = [];
  for (const [i, p] of ports.entries()) clients.push(await openPage(browser, `http://127.0.0.1:${p}/`, [], `c${i + 1}`));
  for (const c of clients) await videoReady(c.page, 2);
  // The relay's pages need a moment to open their sockets; commands before that would be lost.
  await sleep(1500);
  return {
    clients,
    states: () => naive.states,
    command: async (command) => naive.relay(command),
    close: async () => {
      await Promise.all(clients.map((c) => c.page.context().close()));
      await Promise.all(proxies.map((p) => p.close()));
      await naive.close();
    },
  };
}

// ---- one scenario -----------------------------------------------------------------------------

async function runScenario(mode: Mode, network: Network, h: Harness, steadyOnly = false): Promise<ScenarioResult> {
  const { clients } = h;
  const loadBefore = loadavg()[0]!;
  const log = (msg: string) => console.log(`  [${mode}/${network}] ${msg}`);
  const collectAll = () => Promise.all(clients.map(collect));
  for (const c of clients) await measureOffset(c);
  const series = (kind: 'presented' | 'clock') => clients.map((c) => readings(c, h.states(), kind));
  const countEvents = (type: string, from: number, to: number, among = clients) =>
    among.reduce((n, c) => n + c.events.filter((e) => e.type === type && e.at >= from && e.at < to).length, 0);

  // Steady playback.
  await h.command({ type: 'seek', position: 0.5 });
  await sleep(1500);
  await h.command({ type: 'play' });
  await sleep(SETTLE_MS);
  await collectAll();
  const steadyFrom = serverNow();
  await sleep(STEADY_MS);
  await collectAll();
  const steadyTo = serverNow();
  const presented = spreadStats(grid(series('presented'), steadyFrom, steadyTo));
  const clockPoints = grid(series('clock'), steadyFrom, steadyTo);
  const clock = spreadStats(clockPoints);
  const ownClockP99 = series('clock').map((s) =>
    percentile(
      s.filter((r) => r.at >= steadyFrom && r.at < steadyTo).map((r) => Math.abs(r.error)).sort((a, b) => a - b),
      99,
    ),
  );
  const correctiveSeeks = countEvents('seeking', steadyFrom, steadyTo);
  const rateChanges = countEvents('ratechange', steadyFrom, steadyTo);
  log(`steady spread presented p99 ${presented.p99.toFixed(1)} ms, media clock p99 ${clock.p99.toFixed(1)} ms; ${correctiveSeeks} seeks, ${rateChanges} rate changes`);
  if (process.env.DUMP) {
    const window = (xs: readonly Reading[]) => xs.filter((r) => r.at >= steadyFrom && r.at < steadyTo).map((r) => ({ ...r, at: r.at - steadyFrom }));
    writeFileSync(
      `${process.env.DUMP}-${mode}-${network}-steady.json`,
      JSON.stringify(clients.map((c, i) => ({ presented: window(series('presented')[i]!), clock: window(series('clock')[i]!), events: c.events.filter((e) => e.at >= steadyFrom && e.at < steadyTo) }))),
    );
  }
  const result: ScenarioResult = {
    mode,
    network,
    presented,
    clock,
    ownClockP99,
    correctiveSeeks,
    rateChanges,
    seeks: [],
    joins: [],
    pauses: [],
    clockUncertaintyMs: Math.max(...clients.map((c) => c.offsetRtt / 2)),
    load: [loadBefore, loadBefore],
  };
  if (steadyOnly) {
    result.load[1] = loadavg()[0]!;
    return result;
  }

  // Seeks while playing, back and forth within the recording.
  for (let i = 0; i < REPS.seeks; i++) {
    const target = 2 + ((i * 7) % 12) + Math.random();
    const from = serverNow();
    await h.command({ type: 'seek', position: target });
    await sleep(SEEK_WINDOW_MS);
    await collectAll();
    const within = settledAfter(series('clock'), from, from + SEEK_WINDOW_MS, (e) => complete(e) && spreadOf(e) <= SEEK_GOAL_MS);
    const seeked = clients.map((c) => c.events.find((e) => e.type === 'seeked' && e.at >= from)?.at ?? null);
    const resume = h.states().find((s) => !s.paused && s.atServerTime >= from);
    const rep: SeekRep = {
      within,
      lastSeeked: seeked.every((t) => t !== null) ? Math.max(...(seeked as number[])) - from : null,
      resumeAt: resume ? resume.atServerTime - from : null,
    };
    result.seeks.push(rep);
    dump(`${mode}-${network}-seek${i + 1}`, from, from + SEEK_WINDOW_MS, clients, h.states());
    log(`seek ${i + 1} to ${target.toFixed(2)} s: all within ${SEEK_GOAL_MS} ms after ${rep.within ?? 'never'} ms (last seeked ${rep.lastSeeked?.toFixed(0)}, resume ${rep.resumeAt?.toFixed(0)})`);
  }

  // Late joiners while the room plays.
  if (h.newGuest) {
    for (let i = 0; i < REPS.joins; i++) {
      await h.command({ type: 'seek', position: 1 + ((i * 3) % 6) });
      await sleep(2500);
      await collectAll();
      const joiner = await h.newGuest(`Laat ${i + 1}`);
      await collect(joiner);
      const clickAt = joiner.clicks.at(-1) ?? Number.NaN;
      await sleep(JOIN_WINDOW_MS);
      await collectAll();
      await collect(joiner);
      const all = [...clients, joiner].map((c) => readings(c, h.states(), 'clock'));
      const within = settledAfter(all, clickAt, clickAt + JOIN_WINDOW_MS, (e) => {
        const others = e.slice(0, -1);
        const mine = e.at(-1);
        if (mine === null || mine === undefined || !complete(others)) return false;
        return Math.abs(mine - others.reduce((a, b) => a + b, 0) / others.length) <= JOIN_GOAL_MS;
      });
      const first = (type: string) => {
        const at = joiner.events.find((e) => e.type === type && e.at >= clickAt)?.at;
        return at === undefined ? null : at - clickAt;
      };
      const { requests, longTasks } = await joiner.page.evaluate(() => ({
        requests: performance.getEntriesByType('resource').map((e) => ({ name: new URL(e.name).pathname, start: e.startTime })),
        longTasks: (window as unknown as { __rec: { longTasks: [number, number][] } }).__rec.longTasks,
      }));
      const toClick = (pageMs: number) => performance.timeOrigin + pageMs - joiner.offset - clickAt;
      const began = (pattern: RegExp) => {
        const entry = requests.find((r) => pattern.test(r.name));
        return entry ? toClick(entry.start) : null;
      };
      const metadataAt = joiner.events.find((e) => e.type === 'loadedmetadata' && e.at >= clickAt)?.at ?? clickAt + JOIN_WINDOW_MS;
      const rep: JoinRep = {
        within,
        requests: { room: began(/^\/api\/rooms\/[^/]+$/), media: began(/\/media$/), video: began(/\/media\/video$/) },
        longTasksMs: longTasks.filter(([start]) => toClick(start) >= 0 && toClick(start) < metadataAt - clickAt).reduce((sum, [, duration]) => sum + duration, 0),
        metadata: first('loadedmetadata'),
        seeked: first('seeked'),
        play: first('play'),
        othersPaused: countEvents('pause', clickAt, clickAt + JOIN_WINDOW_MS),
      };
      result.joins.push(rep);
      dump(`${mode}-${network}-join${i + 1}`, clickAt, clickAt + JOIN_WINDOW_MS, [...clients, joiner], h.states());
      log(
        `join ${i + 1}: within ${JOIN_GOAL_MS} ms after ${rep.within ?? 'never'} ms (requests room ${rep.requests.room?.toFixed(0)}, media ${rep.requests.media?.toFixed(0)}, video ${rep.requests.video?.toFixed(0)}; long tasks ${rep.longTasksMs.toFixed(0)} ms; metadata ${rep.metadata?.toFixed(0)}, seeked ${rep.seeked?.toFixed(0)}, play ${rep.play?.toFixed(0)}); others paused ${rep.othersPaused}×`,
      );
      await joiner.page.context().close();
    }
  }

  // Pauses: every page should stop on the very same frame.
  for (let i = 0; i < REPS.pauses; i++) {
    await h.command({ type: 'seek', position: 2 + ((i * 5) % 14) + Math.random() });
    await sleep(800);
    await h.command({ type: 'play' });
    await sleep(1200 + Math.random() * 400);
    await h.command({ type: 'pause' });
    await sleep(600);
    const frames = (await Promise.all(clients.map((c) => settledFrame(c.page)))).map((s) => s.frame);
    result.pauses.push({ sameFrame: frames.every((f) => f === frames[0]), frames });
    log(`pause ${i + 1}: frames ${frames.join(', ')}`);
  }
  result.load[1] = loadavg()[0]!;
  return result;
}

// ---- report -----------------------------------------------------------------------------------

const f1 = (n: number | null | undefined): string => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(1));
const f0 = (n: number | null | undefined): string => (n === null || n === undefined || Number.isNaN(n) ? 'never' : n.toFixed(0));
const ratio = (naive: number, sync: number): string => (sync > 0 ? `${(naive / sync).toFixed(1)}×` : '∞');
/** Median and worst of repeated timings, where "never" (null) is the worst. */
function medianWorst(values: readonly (number | null)[]): { median: number | null; worst: number | null } {
  if (values.length === 0) return { median: null, worst: null };
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  const mid = sorted[Math.ceil(sorted.length / 2) - 1]!;
  return { median: mid, worst: sorted.at(-1)! };
}
const verdict = (met: boolean): string => (met ? 'met' : '**NOT met**');

interface Run {
  when: string;
  machine: string;
  floor: Spread;
  load: [number, number];
  results: ScenarioResult[];
}

function report(run: Run, rateCost: { leave: number; back: number } | null): string {
  const find = (mode: Mode, network: Network) => run.results.find((r) => r.mode === mode && r.network === network);
  const lines: string[] = [];
  lines.push(`Run ${run.when} · ${run.machine} · load average (1 min) ${run.load[0].toFixed(1)} at the start, ${run.load[1].toFixed(1)} at the end.`, '');
  lines.push(
    `Setup: one headless Chromium, a context per page, 5 pages in one room playing tests/fixtures/gesprek.mp4 (320×240 H.264, 25 fps, audio muted); the server in the bench process${PIN ? ' (pinned to CPU 0, Chromium to the others)' : ''}; jitter: round trips ${ROUND_TRIPS.join('/')} ms ± ${JITTER_MS / 2} ms per leg through a delaying proxy per page. Errors are against the ideal timeline; spreads are max − min over the pages on a 5 ms grid. Naive baseline: bench/naive.ts in the same run.`,
    '',
  );
  lines.push(
    `**Floor check:** naive relay on loopback, presented-frame spread p99 ${f1(run.floor.p99)} ms (must be ≤ ${FLOOR_MS} ms): the run ${run.floor.p99 <= FLOOR_MS ? 'counts' : 'is **too noisy** and gives no figures'}.`,
    '',
  );
  if (run.floor.p99 > FLOOR_MS && !FORCE) return lines.join('\n');

  lines.push('Steady playback, spread between the 5 pages (ms):', '');
  lines.push('| mode | network | presented p50 | p95 | p99 | max | media clock p50 | p95 | p99 | max | corrective seeks | rate changes | own clock error p99 per page | clock mapping ± | load avg |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of run.results) {
    lines.push(
      `| ${r.mode} | ${r.network} | ${f1(r.presented.p50)} | ${f1(r.presented.p95)} | ${f1(r.presented.p99)} | ${f1(r.presented.max)} | ${f1(r.clock.p50)} | ${f1(r.clock.p95)} | ${f1(r.clock.p99)} | ${f1(r.clock.max)} | ${r.correctiveSeeks} | ${r.rateChanges} | ${r.ownClockP99.map(f1).join(' / ')} | ${f1(r.clockUncertaintyMs)} | ${r.load.map((l) => l.toFixed(1)).join(' → ')} |`,
    );
  }
  lines.push('', 'Naive ÷ synced, steady spread (higher is better for the shared playhead):', '');
  lines.push('| network | presented p95 | presented p99 | media clock p95 | media clock p99 |', '|---|---|---|---|---|');
  for (const network of ['loopback', 'jitter'] as const) {
    const s = find('sync', network);
    const n = find('naive', network);
    if (!s || !n) continue;
    lines.push(`| ${network} | ${ratio(n.presented.p95, s.presented.p95)} | ${ratio(n.presented.p99, s.presented.p99)} | ${ratio(n.clock.p95, s.clock.p95)} | ${ratio(n.clock.p99, s.clock.p99)} |`);
  }

  lines.push('', 'Events (median / worst over the repetitions; ms after the command or the Join click):', '');
  lines.push('| mode | network | seek → all within 35 ms | … last page seeked | … resume scheduled at | late join → within 25 ms | … video requested / metadata / seeked / play() | others paused during joins | pause → same frame |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of run.results) {
    const seek = medianWorst(r.seeks.map((s) => s.within));
    const lastSeeked = medianWorst(r.seeks.map((s) => s.lastSeeked));
    const resume = medianWorst(r.seeks.map((s) => s.resumeAt));
    const join = medianWorst(r.joins.map((j) => j.within));
    const steps = [medianWorst(r.joins.map((j) => j.requests.video)).median, ...(['metadata', 'seeked', 'play'] as const).map((k) => medianWorst(r.joins.map((j) => j[k])).median)].map(f0).join(' / ');
    const same = r.pauses.filter((p) => p.sameFrame).length;
    const sameText = `${same}/${r.pauses.length}${same < r.pauses.length ? ` (e.g. frames ${r.pauses.find((p) => !p.sameFrame)!.frames.join(', ')})` : ''}`;
    lines.push(
      `| ${r.mode} | ${r.network} | ${f0(seek.median)} / ${f0(seek.worst)} (${r.seeks.length}×) | ${f0(lastSeeked.median)} | ${r.mode === 'naive' ? 'n/a' : f0(resume.median)} | ${r.mode === 'naive' ? 'n/a (the relay keeps no state)' : `${f0(join.median)} / ${f0(join.worst)} (${r.joins.length}×)`} | ${r.mode === 'naive' ? '' : steps} | ${r.mode === 'naive' ? '' : `${r.joins.filter((j) => j.othersPaused > 0).length}/${r.joins.length}`} | ${sameText} |`,
    );
  }

  const sl = find('sync', 'loopback');
  const sj = find('sync', 'jitter');
  const nj = find('naive', 'jitter');
  const nl = find('naive', 'loopback');
  lines.push('', 'Goals (issue 14):', '', '| goal | measured | |', '|---|---|---|');
  if (sl) {
    const seek = medianWorst(sl.seeks.map((s) => s.within));
    lines.push(`| seek while playing → all within 35 ms: median ≤ 600 ms, worst ≤ 1 s (loopback) | ${f0(seek.median)} / ${f0(seek.worst)} ms | ${verdict(seek.median !== null && seek.median <= 600 && seek.worst !== null && seek.worst <= 1000)} |`);
    const join = medianWorst(sl.joins.map((j) => j.within));
    lines.push(`| late join → within 25 ms ≤ 1 s after the Join click (loopback, every join) | ${f0(join.median)} / ${f0(join.worst)} ms | ${verdict(join.worst !== null && join.worst <= 1000)} |`);
    lines.push(`| a join pauses nobody | ${sl.joins.filter((j) => j.othersPaused > 0).length} of ${sl.joins.length} joins paused someone | ${verdict(sl.joins.every((j) => j.othersPaused === 0))} |`);
  }
  for (const r of [sl, sj].filter((x): x is ScenarioResult => x !== undefined)) {
    const same = r.pauses.filter((p) => p.sameFrame).length;
    lines.push(`| pause → same frame in 100 % of ≥ 20 pauses (${r.network}) | ${same}/${r.pauses.length} | ${verdict(same === r.pauses.length && r.pauses.length >= 20)} |`);
  }
  if (sl && nl) {
    lines.push(`| steady media clock spread p99 ≤ 8 ms (loopback) | ${f1(sl.clock.p99)} ms | ${verdict(sl.clock.p99 <= 8)} |`);
    lines.push(`| steady presented-frame spread p99 ≤ one display refresh (16.7 ms) and never worse than naive (loopback) | ${f1(sl.presented.p99)} ms (naive ${f1(nl.presented.p99)} ms) | ${verdict(sl.presented.p99 <= 1000 / 60 + 0.05 && sl.presented.p99 <= nl.presented.p99)} |`);
    lines.push(`| 0 corrective seeks in steady state | ${sl.correctiveSeeks}${sj ? ` (jitter ${sj.correctiveSeeks})` : ''} | ${verdict(sl.correctiveSeeks === 0 && (sj?.correctiveSeeks ?? 0) === 0)} |`);
  }
  if (sj && nj) {
    lines.push(`| jitter: presented-frame spread p95 ≤ 25 ms and ≥ 5× tighter than naive | ${f1(sj.presented.p95)} ms, ${ratio(nj.presented.p95, sj.presented.p95)} | ${verdict(sj.presented.p95 <= 25 && nj.presented.p95 >= 5 * sj.presented.p95)} |`);
  }
  if (rateCost) {
    lines.push(
      '',
      `Media time one Chromium player loses at a playbackRate change (mean of 4, one page alone): ${f1(rateCost.leave)} ms leaving rate 1, ${f1(rateCost.back)} ms returning to it (the drift controller's nudgeEntryCostMs is 20).`,
    );
  }
  return lines.join('\n');
}

/** One line per run in the section's run table, kept across runs. */
function runLine(run: Run): string {
  const sl = run.results.find((r) => r.mode === 'sync' && r.network === 'loopback');
  const sj = run.results.find((r) => r.mode === 'sync' && r.network === 'jitter');
  const counts = run.floor.p99 <= FLOOR_MS;
  const seek = sl ? medianWorst(sl.seeks.map((s) => s.within)) : null;
  const join = sl ? medianWorst(sl.joins.map((j) => j.within)) : null;
  const pauses = [sl, sj].flatMap((r) => r?.pauses ?? []);
  return `| ${run.when} | ${run.load.map((l) => l.toFixed(1)).join(' → ')} | ${f1(run.floor.p99)} | ${counts ? 'counts' : 'too noisy'} | ${counts && sl ? `${f1(sl.clock.p99)} / ${f1(sl.presented.p99)}` : ''} | ${counts && seek ? `${f0(seek.median)} / ${f0(seek.worst)}` : ''} | ${counts && join ? `${f0(join.median)} / ${f0(join.worst)}` : ''} | ${counts && pauses.length ? `${pauses.filter((p) => p.sameFrame).length}/${pauses.length}` : ''} | ${counts && sj ? f1(sj.presented.p95) : ''} |`;
}

const RUNS_HEADER = [
  '### bench:sync runs',
  '',
  'Every run, also the ones too noisy to count (naive floor = naive loopback presented-frame spread p99; sync figures on loopback unless marked).',
  '',
  '| when | load avg | naive floor p99 (ms) | verdict | steady p99 media clock / presented (ms) | seek → within 35 ms, median / worst (ms) | late join → within 25 ms, median / worst (ms) | pauses on one frame | jitter presented p95 (ms) |',
  '|---|---|---|---|---|---|---|---|---|',
];

function writeSection(section: string, line: string): void {
  const existing = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const start = existing.indexOf('## bench:sync');
  const after = start === -1 ? -1 : existing.indexOf('\n## ', start + 1);
  const old = start === -1 ? '' : existing.slice(start, after === -1 ? undefined : after);
  const keptRuns = old.includes('### bench:sync runs') ? old.slice(old.indexOf('### bench:sync runs')).split('\n').filter((l) => /^\| \d{4}-/.test(l)) : [];
  const body = ['## bench:sync', '', section, '', ...RUNS_HEADER, ...keptRuns, line, '', ''].join('\n');
  const next = start === -1 ? `${existing.trimEnd()}\n\n${body}` : `${existing.slice(0, start)}${body}${after === -1 ? '' : existing.slice(after + 1)}`;
  writeFileSync(RESULTS, next);
}

// ---- main -------------------------------------------------------------------------------------

async function launch(): Promise<Browser> {
  let executablePath = CHROMIUM_PATH;
  if (PIN) {
    // Chromium and every process it starts on the CPUs the bench process does not use.
    const wrapper = '/tmp/kijkkamer-bench-chromium.sh';
    writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c 1-${availableParallelism() - 1} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 });
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    executablePath = wrapper;
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--mute-audio',
      '--autoplay-policy=no-user-gesture-required',
      // Never slow down a page's timers or rendering because it seems to be in the background.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      ...(process.env.CHROMIUM_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
  });
}

async function main(): Promise<void> {
  const server = await startServer();
  const browser = await launch();
  const loadStart = loadavg()[0]!;
  const results: ScenarioResult[] = [];
  const networks = (['loopback', 'jitter'] as const).filter((n) => !process.env.ONLY || process.env.ONLY === n);
  try {
    const admin = await signedInAdmin(server);
    let floor: Spread | null = null;
    let loadAtStart = loadStart;
    for (let attempt = 1; attempt <= FLOOR_TRIES && (FLOOR_ONLY || !(floor && floor.p99 <= FLOOR_MS)); attempt++) {
      const waitUntil = Date.now() + QUIET_WAIT_MS;
      while (loadavg()[0]! > QUIET_LOAD && Date.now() < waitUntil) {
        console.log(`waiting for a quieter machine: load average ${loadavg()[0]!.toFixed(1)} > ${QUIET_LOAD}`);
        await sleep(15_000);
      }
      loadAtStart = loadavg()[0]!;
      console.log(`floor check ${attempt}/${FLOOR_TRIES}: naive relay on loopback (load average ${loadAtStart.toFixed(1)})`);
      const harness = await naiveHarness(browser, 'loopback');
      try {
        floor = (await runScenario('naive', 'loopback', harness, true)).presented;
      } finally {
        await harness.close();
      }
      console.log(`naive floor: presented-frame spread p99 ${floor.p99.toFixed(1)} ms (p95 ${floor.p95.toFixed(1)}, load average now ${loadavg()[0]!.toFixed(1)})`);
    }
    if (FLOOR_ONLY) return;
    const counts = floor!.p99 <= FLOOR_MS;
    console.log(counts ? 'the run counts' : 'too noisy');
    let rateCost: { leave: number; back: number } | null = null;
    if (counts || FORCE) {
      rateCost = await measureRateChangeCost(browser);
      console.log(`rate change costs ${rateCost.leave.toFixed(1)} ms leaving 1, ${rateCost.back.toFixed(1)} ms returning`);
      for (const network of networks) {
        for (const mode of ['naive', 'sync'] as const) {
          console.log(`${mode} on ${network}${network === 'jitter' ? ` (round trips ${ROUND_TRIPS.join('/')} ms ± ${JITTER_MS / 2} ms per leg)` : ''}`);
          const harness = mode === 'sync' ? await syncHarness(browser, server, admin, network) : await naiveHarness(browser, network);
          try {
            results.push(await runScenario(mode, network, harness));
          } finally {
            await harness.close();
          }
        }
      }
    }
    const run: Run = {
      when: new Date().toISOString().slice(0, 19) + 'Z',
      machine: `${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}) · Chromium ${browser.version()} headless · Node ${process.version}`,
      floor: floor!,
      load: [loadAtStart, loadavg()[0]!],
      results,
    };
    const section = report(run, rateCost);
    console.log(`\n${section}\n`);
    if (!WRITE) return;
    writeSection(section, runLine(run));
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

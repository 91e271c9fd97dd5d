/**
 * `npm run bench:voice` — the room's call in real Chromium pages, on loopback.
 *
 * The Kijkkamer server (dist/server/src/main.js) runs as a child process; Chromium (Debian's, via
 * playwright-core) with a WAV file as fake microphone; every page is a separate browser context
 * (its own renderer process), as separate people are. The pages are watched from outside: an init
 * script keeps a reference to each microphone track and each received track, and puts an onset
 * detector (an AudioWorklet) on them. The app itself is not changed for the bench.
 *
 * Measured:
 *   1. Mouth-to-ear latency, p50/p99: a 5 ms click every 500 ms (tests/fixtures/voice-clicks.wav).
 *      "Mouth" is when the sender's page receives the click on its microphone track (after echo
 *      cancellation, noise suppression and gain control, just before it is encoded); "ear" is when
 *      the receiver's page gets it on the received track (decoded, just before it would go to the
 *      speaker). Both times are mapped from each page's audio clock to the system clock. One
 *      direction at a time, the other side muted, so echo cancellation never sees the same clicks
 *      from both ends.
 *   2. CPU per participant with five in a call (tests/fixtures/voice-speech.wav: everyone talks):
 *      CPU time of all Chromium processes over the measuring window, divided by five.
 *   3. Time from opening the room to hearing each other: from page.goto of both pages to the first
 *      click each hears from the other (the bench clicks "Deelnemen aan het gesprek" as soon as
 *      it shows). Clicks come every 500 ms, so a connection can be up to 0.5 s older than this.
 *
 * Baselines, in the same run and the same browser: for 1 and 3, two bare pages (in two contexts)
 * with one RTCPeerConnection each, the same microphone constraints, signalled directly by the
 * bench with complete ICE gathering (no server, no app); for 2, the same five pages open in the
 * room but not in the call. A run counts only when its baselines reach their floors (FLOORS);
 * otherwise the machine was too busy and the run is reported as too noisy.
 *
 * Results go to stdout and to the "## bench:voice" section of bench/RESULTS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Room } from '../shared/api/schemas.ts';
import { CHROMIUM_PATH } from '../tests/helpers/browser.ts';
import { HttpClient } from '../tests/helpers/http.ts';
import { invite } from '../tests/helpers/scenario.ts';
import { CLICKS_WAV, fakeMediaArgs, SPEECH_WAV } from '../tests/helpers/voice-browser.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = join(ROOT, 'bench', 'RESULTS.md');
const SECTION = '## bench:voice';
const ADMIN = { email: 'bench@kijkkamer.test', password: 'bench-wachtwoord-lang' };

const CFG = {
  /** Seconds of clicks per direction and block; blocks alternate baseline and Kijkkamer. */
  latencySeconds: Number(process.env.BENCH_VOICE_SECONDS ?? 20),
  latencyBlocks: 3,
  clickPeriodMs: 500,
  participants: 5,
  settleSeconds: 5,
  cpuSeconds: Number(process.env.BENCH_VOICE_CPU_SECONDS ?? 20),
  joinRuns: Number(process.env.BENCH_VOICE_JOIN_RUNS ?? 5),
};

/**
 * What the baselines reach on this machine (2 × AMD EPYC, first runs 2026-12-07): bare WebRTC
 * mouth-to-ear p50 34 ms with the machine quiet and 50–60 ms at a load average of 10; bare pages
 * hearing each other 1.1 s after opening (1.5–1.9 s at load 10); five room pages not in the call
 * 0.2 % of a core each. Beyond these floors other work on the machine set the figures, not the call.
 */
const FLOORS = { latencyP50Ms: 80, joinMs: 2500, idleCpuPerParticipant: 0.03 };

// ---- the watching script, run in every page before its own code -------------------------------

interface Watched {
  /** System-clock times (ms) of click onsets on the page's microphone tracks, and on its received audio tracks. */
  mic: number[];
  remote: number[];
}

/** An AudioWorklet that reports the start of each click: above the threshold after 100 ms below a quarter of it. */
const ONSET_WORKLET = `
class Onset extends AudioWorkletProcessor {
  constructor() { super(); this.armed = true; this.quiet = 0; }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const a = Math.abs(channel[i]);
      if (this.armed && a > 0.02) { this.port.postMessage(currentTime + i / sampleRate); this.armed = false; this.quiet = 0; }
      else if (!this.armed) { if (a < 0.005) { if (++this.quiet > sampleRate / 10) this.armed = true; } else this.quiet = 0; }
    }
    return true;
  }
}
registerProcessor('onset', Onset);
`;

/** Keeps the page's connections in `__pcs`; with a worklet, also detects clicks on every microphone and received track. */
function watchPage({ worklet }: { worklet: string | null }): void {
  const watched: Watched = { mic: [], remote: [] };
  const w = window as unknown as { __watched: Watched; __pcs: RTCPeerConnection[] };
  w.__watched = watched;
  w.__pcs = [];
  const context = worklet ? new AudioContext() : null;
  const module = worklet ? context!.audioWorklet.addModule(URL.createObjectURL(new Blob([worklet], { type: 'text/javascript' }))) : null;
  const detect = (track: MediaStreamTrack, into: number[]) => {
    if (!context || !module) return;
    void module.then(() => {
      const node = new AudioWorkletNode(context, 'onset');
      // The onset's place on the audio clock, mapped to the system clock through the output timestamp.
      node.port.onmessage = ({ data }: MessageEvent<number>) => {
        const stamp = context.getOutputTimestamp();
        const perf = stamp.performanceTime && stamp.contextTime ? stamp.performanceTime + (data - stamp.contextTime) * 1000 : performance.now() - (context.currentTime - data) * 1000;
        into.push(performance.timeOrigin + perf);
      };
      context.createMediaStreamSource(new MediaStream([track])).connect(node);
    });
  };
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    for (const track of stream.getAudioTracks()) detect(track, watched.mic);
    return stream;
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      w.__pcs.push(this);
      this.addEventListener('track', ({ track }) => {
        if (track.kind === 'audio') detect(track, watched.remote);
      });
    }
  };
}

// ---- processes --------------------------------------------------------------------------------

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    if (await fetch(url).then((r) => r.status < 500, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of these processes so far, from /proc (Linux, 100 ticks/s). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended meanwhile
    }
  }
  return ticks / 100;
}

/** Every process below `root`, from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // ended meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(below);
}

// ---- pages ------------------------------------------------------------------------------------

interface Bench {
  base: string;
  host: HttpClient;
  server: ChildProcess;
}

async function launch(wav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The bench starts audio without a click on the bare baseline pages; the app's pages get clicks anyway.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required', ...fakeMediaArgs(wav)],
  });
}

/**
 * A person: a context of its own, watched. With `detect`, click detectors on its audio, which need
 * bypassCSP to load their worklet from a blob; without, for CPU, nothing runs that the page does not.
 */
async function person(browser: Browser, base: string, cookies: HttpClient | null, detect = true): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: base, bypassCSP: detect, locale: 'nl-NL' });
  await context.addInitScript(watchPage, { worklet: detect ? ONSET_WORKLET : null });
  if (cookies) {
    await context.addCookies(
      cookies.cookieHeader.split('; ').map((pair) => {
        const eq = pair.indexOf('=');
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: base };
      }),
    );
  }
  return { context, page: await context.newPage() };
}

const watched = (page: Page) => page.evaluate(() => (window as unknown as { __watched: Watched }).__watched);
const callRegion = (page: Page) => page.getByRole('region', { name: 'Gesprek' });

async function connectedLinks(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState === 'connected').length);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

async function newRoom(bench: Bench, title: string): Promise<Room> {
  const res = await bench.host.post<Room>('/api/rooms', { title, recordedOn: '2026-12-01' });
  if (res.status !== 201) throw new Error(`room: ${res.status}`);
  return res.body;
}

/** A guest's cookies for the room, from its invite link, as the join page would get them. */
async function guestOf(bench: Bench, roomId: string, name: string): Promise<HttpClient> {
  const guest = new HttpClient(bench.base);
  const res = await guest.post(`/api/rooms/${roomId}/join`, { token: (await invite(bench.host, roomId, 'coach')).token, displayName: name });
  if (res.status !== 201) throw new Error(`join: ${res.status}`);
  return guest;
}

/** Two people with a fresh room's cookies (host and coach), pages not yet opened. */
async function roomOfTwo(bench: Bench, browser: Browser): Promise<{ pages: Page[]; path: string; close(): Promise<void> }> {
  const room = await newRoom(bench, 'Bench');
  const people = [await person(browser, bench.base, bench.host), await person(browser, bench.base, await guestOf(bench, room.id, 'Coen'))];
  return {
    pages: people.map((p) => p.page),
    path: `/kamer/${room.id}`,
    close: async () => {
      for (const p of people) await p.context.close();
    },
  };
}

async function joinCall(page: Page): Promise<void> {
  await callRegion(page).getByRole('button', { name: 'Deelnemen aan het gesprek' }).click();
}

/**
 * Bare pages, one RTCPeerConnection per pair of them, signalled directly by the bench with complete
 * ICE gathering: WebRTC with the same microphone constraints, and nothing else (no server, no app).
 */
async function bareMesh(browser: Browser, base: string, size: number, detect = true): Promise<{ pages: Page[]; open(): Promise<void>; mute(index: number, muted: boolean): Promise<void>; close(): Promise<void> }> {
  const people: { context: BrowserContext; page: Page }[] = [];
  for (let i = 0; i < size; i++) people.push(await person(browser, base, null, detect));
  const pages = people.map((p) => p.page);
  const setup = async (page: Page) => {
    await page.goto('/api/health');
    await page.evaluate(async () => {
      const w = window as unknown as { mic: MediaStreamTrack; links: Map<number, { pc: RTCPeerConnection; sender: RTCRtpSender }> };
      w.mic = (await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } })).getAudioTracks()[0]!;
      w.links = new Map();
    });
  };
  /** Makes page's connection to `other` and returns its complete local description (offer, or answer to `remote`). */
  const describe = (page: Page, other: number, remote: RTCSessionDescriptionInit | null) =>
    page.evaluate(
      async ([peer, offer]) => {
        const w = window as unknown as { mic: MediaStreamTrack; links: Map<number, { pc: RTCPeerConnection; sender: RTCRtpSender }> };
        let link = w.links.get(peer);
        if (!link) {
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
          // addTrack, not addTransceiver: the answering page's track then joins the offer's audio section.
          link = { pc, sender: pc.addTrack(w.mic) };
          pc.addEventListener('track', ({ track }) => {
            const audio = new Audio();
            audio.srcObject = new MediaStream([track]);
            void audio.play();
          });
          w.links.set(peer, link);
        }
        const { pc } = link;
        if (offer) await pc.setRemoteDescription(offer);
        await pc.setLocalDescription();
        if (pc.iceGatheringState !== 'complete') await new Promise<void>((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
        return pc.localDescription!.toJSON();
      },
      [other, remote] as const,
    );
  return {
    pages,
    open: async () => {
      await Promise.all(pages.map(setup));
      for (let i = 0; i < size; i++) {
        for (let j = i + 1; j < size; j++) {
          const offer = await describe(pages[i]!, j, null);
          const answer = await describe(pages[j]!, i, offer);
          await pages[i]!.evaluate(([peer, a]) => (window as unknown as { links: Map<number, { pc: RTCPeerConnection }> }).links.get(peer)!.pc.setRemoteDescription(a), [j, answer] as const);
        }
      }
    },
    mute: async (index, muted) => {
      await pages[index]!.evaluate(async (m) => {
        const w = window as unknown as { mic: MediaStreamTrack; links: Map<number, { sender: RTCRtpSender }> };
        for (const { sender } of w.links.values()) await sender.replaceTrack(m ? null : w.mic);
      }, muted);
    },
    close: async () => {
      for (const p of people) await p.context.close();
    },
  };
}

// ---- 1. latency ---------------------------------------------------------------------------------

/** Pairs each click heard with the latest click sent before it, less than a period earlier. */
function latencies(mouth: number[], ear: number[]): number[] {
  const out: number[] = [];
  for (const e of ear) {
    let m: number | undefined;
    for (const t of mouth) if (t <= e && e - t < CFG.clickPeriodMs * 0.9) m = t;
    if (m !== undefined) out.push(e - m);
  }
  return out;
}

/** Clicks from `from` heard on `to` for the configured time, the other way muted. */
async function oneWay(from: Page, to: Page, mute: (page: Page, muted: boolean) => Promise<void>): Promise<number[]> {
  await mute(from, false);
  await mute(to, true);
  // A moment for the muting to reach the other side and for the gain control to settle.
  await sleep(1500);
  const [m0, e0] = [(await watched(from)).mic.length, (await watched(to)).remote.length];
  await sleep(CFG.latencySeconds * 1000);
  return latencies((await watched(from)).mic.slice(m0), (await watched(to)).remote.slice(e0));
}

async function appMute(page: Page, muted: boolean): Promise<void> {
  const button = callRegion(page).getByRole('button', { name: muted ? 'Microfoon uit (M)' : 'Microfoon aan (M)' });
  if (await button.count()) await button.click();
}

async function measureLatency(bench: Bench, browser: Browser): Promise<{ app: number[]; base: number[] }> {
  const app: number[] = [];
  const base: number[] = [];
  for (let block = 0; block < CFG.latencyBlocks; block++) {
    const bare = await bareMesh(browser, bench.base, 2);
    await bare.open();
    await until('bare pair connected', async () => (await Promise.all(bare.pages.map(connectedLinks))).every((n) => n === 1));
    const bareMute = (page: Page, muted: boolean) => bare.mute(bare.pages.indexOf(page), muted);
    base.push(...(await oneWay(bare.pages[0]!, bare.pages[1]!, bareMute)), ...(await oneWay(bare.pages[1]!, bare.pages[0]!, bareMute)));
    await bare.close();

    const room = await roomOfTwo(bench, browser);
    for (const page of room.pages) await page.goto(room.path);
    for (const page of room.pages) await joinCall(page);
    await until('call connected', async () => (await Promise.all(room.pages.map(connectedLinks))).every((n) => n === 1));
    app.push(...(await oneWay(room.pages[0]!, room.pages[1]!, appMute)), ...(await oneWay(room.pages[1]!, room.pages[0]!, appMute)));
    await room.close();
    console.log(`latency block ${block + 1}: ${base.length} baseline and ${app.length} Kijkkamer clicks so far`);
    if (process.env.BENCH_VOICE_DUMP) console.log(JSON.stringify({ base: base.map(Math.round), app: app.map(Math.round) }));
  }
  return { app, base };
}

// ---- 2. CPU -------------------------------------------------------------------------------------

interface Cpu {
  /** Share of one core per participant: all Chromium processes over the window, divided by the participants. */
  perParticipant: number;
  /** The same split by Chromium process type (renderer, utility: audio and network services, browser). */
  byType: Record<string, number>;
}

/** CPU of Chromium's processes over one window, after letting things settle. */
async function cpuWindow(browserPids: () => number[]): Promise<Cpu> {
  await sleep(CFG.settleSeconds * 1000);
  const pids = browserPids();
  const typeOf = (pid: number) => {
    try {
      return /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
    } catch {
      return 'gone';
    }
  };
  const types = new Map(pids.map((pid) => [pid, typeOf(pid)]));
  const before = new Map(pids.map((pid) => [pid, cpuSeconds([pid])]));
  await sleep(CFG.cpuSeconds * 1000);
  const byType: Record<string, number> = {};
  let total = 0;
  for (const pid of pids) {
    const used = (cpuSeconds([pid]) - before.get(pid)!) / CFG.cpuSeconds / CFG.participants;
    total += used;
    byType[types.get(pid)!] = (byType[types.get(pid)!] ?? 0) + used;
  }
  return { perParticipant: total, byType };
}

async function measureCpu(bench: Bench, browser: Browser, browserPids: () => number[]): Promise<{ idle: Cpu; call: Cpu; bare: Cpu; server: number }> {
  const room = await newRoom(bench, 'Bench CPU');
  const people = [await person(browser, bench.base, bench.host, false)];
  for (let i = 1; i < CFG.participants; i++) people.push(await person(browser, bench.base, await guestOf(bench, room.id, `Deelnemer ${i}`), false));
  const pages = people.map((p) => p.page);
  let result: { idle: Cpu; call: Cpu; server: number };
  try {
    for (const page of pages) await page.goto(`/kamer/${room.id}`);
    for (const page of pages) await callRegion(page).getByRole('button', { name: 'Deelnemen aan het gesprek' }).waitFor();
    const idle = await cpuWindow(browserPids);
    for (const page of pages) await joinCall(page);
    await until('mesh connected', async () => (await Promise.all(pages.map(connectedLinks))).every((n) => n === CFG.participants - 1), 60_000);
    const s0 = cpuSeconds([bench.server.pid!]);
    const call = await cpuWindow(browserPids);
    result = { idle, call, server: (cpuSeconds([bench.server.pid!]) - s0) / (CFG.cpuSeconds + CFG.settleSeconds) };
  } finally {
    for (const p of people) await p.context.close();
  }
  const bare = await bareMesh(browser, bench.base, CFG.participants, false);
  try {
    await bare.open();
    await until('bare mesh connected', async () => (await Promise.all(bare.pages.map(connectedLinks))).every((n) => n === CFG.participants - 1), 60_000);
    return { ...result, bare: await cpuWindow(browserPids) };
  } finally {
    await bare.close();
  }
}

// ---- 3. time to hear each other ------------------------------------------------------------------

async function measureJoin(bench: Bench, browser: Browser): Promise<{ app: number[]; appReady: number[]; base: number[] }> {
  const app: number[] = [];
  const appReady: number[] = [];
  const base: number[] = [];
  const firstHeard = async (pages: Page[], t0: number): Promise<number> => {
    await until('both hear the other', async () => (await Promise.all(pages.map(watched))).every((w) => w.remote.length > 0));
    const heard = await Promise.all(pages.map(async (p) => (await watched(p)).remote[0]!));
    return Math.max(...heard) - t0;
  };
  for (let run = 0; run < CFG.joinRuns; run++) {
    const bare = await bareMesh(browser, bench.base, 2);
    let t0 = Date.now();
    await bare.open();
    base.push(await firstHeard(bare.pages, t0));
    await bare.close();

    const room = await roomOfTwo(bench, browser);
    const readyAt: number[] = [];
    t0 = Date.now();
    await Promise.all(
      room.pages.map(async (page) => {
        await page.goto(room.path);
        const button = callRegion(page).getByRole('button', { name: 'Deelnemen aan het gesprek' });
        await button.waitFor();
        readyAt.push(Date.now() - t0);
        await button.click();
      }),
    );
    app.push(await firstHeard(room.pages, t0));
    appReady.push(Math.max(...readyAt));
    await room.close();
    console.log(`join run ${run + 1}: baseline ${base.at(-1)!.toFixed(0)} ms, Kijkkamer ${app.at(-1)!.toFixed(0)} ms (room ready ${appReady.at(-1)!.toFixed(0)} ms)`);
  }
  return { app, appReady, base };
}

// ---- report -------------------------------------------------------------------------------------

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const ms = (v: number) => `${v.toFixed(1)} ms`;
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const byType = (cpu: Cpu) =>
  Object.entries(cpu.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, share]) => `${type} ${pct(share)}`)
    .join(', ');

function machine(): string {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return `${cpus().length} × ${cpu}`;
}

interface Results {
  latency: { app: number[]; base: number[] };
  cpu: { idle: Cpu; call: Cpu; bare: Cpu; server: number };
  join: { app: number[]; appReady: number[]; base: number[] };
  chromium: string;
  load: [number, number];
}

function report(r: Results): string {
  const table = (rows: string[][]) => [`| ${rows[0]!.join(' | ')} |`, `| ${rows[0]!.map(() => '---').join(' | ')} |`, ...rows.slice(1).map((row) => `| ${row.join(' | ')} |`)].join('\n');
  const latencyP50 = median(r.latency.base);
  const joinBase = median(r.join.base);
  const floors = [
    [`bare WebRTC mouth-to-ear p50 ≤ ${FLOORS.latencyP50Ms} ms`, latencyP50 <= FLOORS.latencyP50Ms, ms(latencyP50)],
    [`bare pages hearing each other (median) ≤ ${FLOORS.joinMs} ms`, joinBase <= FLOORS.joinMs, ms(joinBase)],
    [`idle room page CPU per participant ≤ ${pct(FLOORS.idleCpuPerParticipant)} of a core`, r.cpu.idle.perParticipant <= FLOORS.idleCpuPerParticipant, pct(r.cpu.idle.perParticipant)],
  ] as const;
  const counts = floors.every(([, ok]) => ok);
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return [
    SECTION,
    '',
    `Run ${when} on ${machine()}, ${r.chromium} headless, Node ${process.version} (\`npm run bench:voice\`); 1-minute load average at the start ${r.load[0].toFixed(1)}, at the end ${r.load[1].toFixed(1)}.`,
    '',
    `Setup: the real server in a child process; each person a separate Chromium context (own renderer process) with a WAV file as microphone, over loopback with host candidates only (no STUN/TURN). Latency: a 5 ms click every ${CFG.clickPeriodMs} ms, one direction at a time (the other side muted), ${CFG.latencySeconds} s per direction in ${CFG.latencyBlocks} blocks alternating with the baseline; "mouth" is the click arriving on the sender's processed microphone track, "ear" the click on the receiver's decoded track, both mapped from the page's audio clock to the system clock (output device latency, the same on both sides, is not included). Baseline: two bare pages with one RTCPeerConnection each, the same microphone constraints, signalled directly by the bench. CPU: all Chromium processes (browser, renderers, audio and network services) over ${CFG.cpuSeconds} s after ${CFG.settleSeconds} s to settle, divided by ${CFG.participants}; everyone's fake microphone talks (a spoken question, then silence, every 6 s); no click detectors in these pages; baselines: the same ${CFG.participants} pages in the room, not in the call, and ${CFG.participants} bare pages in a full mesh (one RTCPeerConnection per pair, the same microphone constraints). Time to hear: from opening both pages to the first click each hears from the other (the bench clicks "Deelnemen aan het gesprek" as soon as it shows; clicks every ${CFG.clickPeriodMs} ms, so the call can be up to that much older); baseline: two bare pages from opening to hearing, signalled by the bench; median of ${CFG.joinRuns}.`,
    '',
    counts
      ? 'The baselines reached their floors: the run counts.'
      : `**Too noisy: this run does not count.** A baseline missed its floor (${floors
          .filter(([, ok]) => !ok)
          .map(([what, , got]) => `${what}: got ${got}`)
          .join('; ')}), so the machine's other work set the figures.`,
    '',
    table([
      ['Metric', 'Kijkkamer', 'baseline', 'ratio'],
      ['mouth-to-ear latency, p50', ms(median(r.latency.app)), ms(latencyP50), ratio(median(r.latency.app), latencyP50)],
      ['mouth-to-ear latency, p99', ms(quantile(r.latency.app, 0.99)), ms(quantile(r.latency.base, 0.99)), ratio(quantile(r.latency.app, 0.99), quantile(r.latency.base, 0.99))],
      ['… clicks measured', String(r.latency.app.length), String(r.latency.base.length), ''],
      [`CPU per participant, ${CFG.participants} in the call, vs the same pages not in the call (share of one core)`, pct(r.cpu.call.perParticipant), pct(r.cpu.idle.perParticipant), ratio(r.cpu.call.perParticipant, r.cpu.idle.perParticipant)],
      [`… vs a bare WebRTC mesh of ${CFG.participants} (no app)`, pct(r.cpu.call.perParticipant), pct(r.cpu.bare.perParticipant), ratio(r.cpu.call.perParticipant, r.cpu.bare.perParticipant)],
      ['… by Chromium process type (call / bare mesh)', byType(r.cpu.call), byType(r.cpu.bare), ''],
      ['… server CPU during the call (signalling only, whole server)', pct(r.cpu.server * CFG.participants), '', ''],
      ['opening the room → hearing each other, median', ms(median(r.join.app)), ms(joinBase), ratio(median(r.join.app), joinBase)],
      ['… each run', r.join.app.map((v) => v.toFixed(0)).join(', ') + ' ms', r.join.base.map((v) => v.toFixed(0)).join(', ') + ' ms', ''],
      ['… of which the room page until its join button shows, median', ms(median(r.join.appReady)), '', ''],
    ]),
    '',
    table([
      ['Floor (baseline)', 'Result', ''],
      ...floors.map(([what, ok, got]) => [what, got, ok ? 'reached' : '**missed**']),
    ]),
    '',
  ].join('\n');
}

/** Replaces only our own section; other engineers keep theirs. */
function writeSection(section: string): void {
  let current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Benchmark results\n';
  const start = current.indexOf(`\n${SECTION}\n`);
  if (start === -1) {
    current = `${current.replace(/\n*$/, '\n')}\n${section}`;
  } else {
    const next = current.indexOf('\n## ', start + SECTION.length + 1);
    current = `${current.slice(0, start + 1)}${section}${next === -1 ? '' : `\n${current.slice(next + 1)}`}`;
  }
  writeFileSync(RESULTS_FILE, current.replace(/\n*$/, '\n'));
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-bench-voice-'));
  const port = await freePort();
  const server = spawn(process.execPath, ['--enable-source-maps', 'dist/server/src/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', KIJKKAMER_ADMIN_EMAIL: ADMIN.email, KIJKKAMER_ADMIN_PASSWORD: ADMIN.password },
  });
  const browsers: Browser[] = [];
  const load0 = loadavg()[0]!;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/api/health`, server);
    const host = new HttpClient(base);
    if ((await host.post('/api/auth/signin', ADMIN)).status !== 200) throw new Error('bench sign-in failed');
    const bench: Bench = { base, host, server };
    const chromiumPids = () => descendants(process.pid).filter((pid) => pid !== server.pid);

    const clicks = await launch(CLICKS_WAV);
    browsers.push(clicks);
    const version = `Chromium ${clicks.version()}`;
    const latency = await measureLatency(bench, clicks);
    const join = await measureJoin(bench, clicks);
    await clicks.close();

    const speech = await launch(SPEECH_WAV);
    browsers.push(speech);
    const cpu = await measureCpu(bench, speech, chromiumPids);
    await speech.close();

    const section = report({ latency, cpu, join, chromium: version, load: [load0, loadavg()[0]!] });
    console.log(`\n${section}`);
    writeSection(section);
  } finally {
    for (const b of browsers) await b.close().catch(() => undefined);
    server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

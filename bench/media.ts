/**
 * `npm run bench:media` — video upload and streaming on the real server.
 *
 * Three processes, so every figure belongs to one server: the Kijkkamer server (server/src/main.ts)
 * and a baseline static server (plain node:http + fs.createReadStream piped raw, no auth) run as
 * children; this parent generates the upload and reads the ranges.
 *
 * Measured:
 *   1. RSS of the Kijkkamer server during a large tus upload (default 2 GiB: the synthetic fixture
 *      followed by an MP4 `free` box of filler, generated while it is sent, never held in memory),
 *      including the finishing work (sha256 over the whole file, ffprobe, poster frame);
 *   2. Range throughput of GET /api/rooms/:id/media/video (authorised, If-Range/ETag logic)
 *      against two baselines serving the same file, one with createReadStream's default 64 KiB
 *      buffer (what a plain static server does) and one with the 256 KiB buffer Kijkkamer uses,
 *      so the cost of the framework shows apart from the buffer size: 4 concurrent clients
 *      reading 8 MiB ranges, and one client reading one long range; both over the first GiB of
 *      the file; rounds rotate the servers' order so all see the same machine state (page cache
 *      warmed first).
 * Results go to stdout and to the "## bench:media" section of bench/RESULTS.md (latest run in
 * full, plus one history row per run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { MediaInfo } from '../shared/api/media-schemas.ts';
import type { Room } from '../shared/api/schemas.ts';
import { HttpClient } from '../tests/helpers/http.ts';
import { consentBody } from '../tests/helpers/media.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = join(ROOT, 'bench', 'RESULTS.md');
const SECTION = '## bench:media';
const FIXTURE = readFileSync(join(ROOT, 'tests', 'fixtures', 'gesprek.mp4'));
const ADMIN = { email: 'bench@kijkkamer.test', password: 'bench-wachtwoord-lang' };
const MiB = 1024 * 1024;

const CFG = {
  uploadBytes: Number(process.env.BENCH_MEDIA_BYTES ?? 2 * 1024 * MiB),
  patchBytes: 256 * MiB,
  rounds: Number(process.env.BENCH_MEDIA_ROUNDS ?? 5),
  rangeBytes: 8 * MiB,
  /** Bytes read per measurement: enough to be steady, little enough to keep the run short. */
  readBytes: 1024 * MiB,
  concurrency: 4,
  rssEveryMs: 50,
};
const GOALS = { rangeRatio: 0.9, rssGrowthMiB: 50 };

// ---- processes ------------------------------------------------------------------------------

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
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux, 100 ticks/s). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a process in bytes, from /proc (Linux). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

const BASELINE_SERVER = `
import http from 'node:http';
import fs from 'node:fs';
const [file, port, highWaterMark] = process.argv.slice(1).map((a, i) => (i === 0 ? a : Number(a)));
const size = fs.statSync(file).size;
http.createServer((req, res) => {
  const m = /^bytes=(\\d+)-(\\d*)$/.exec(req.headers.range ?? '');
  if (!m) {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size, 'accept-ranges': 'bytes' });
    fs.createReadStream(file, { highWaterMark }).pipe(res);
    return;
  }
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  res.writeHead(206, { 'content-type': 'video/mp4', 'content-length': end - start + 1, 'content-range': 'bytes ' + start + '-' + end + '/' + size });
  fs.createReadStream(file, { start, end, highWaterMark }).pipe(res);
}).listen(Number(port), '127.0.0.1');
`;

// ---- upload ---------------------------------------------------------------------------------

/**
 * The upload's bytes: the fixture, then one `free` box (64-bit size) of filler, so the result is
 * a valid MP4 that ffprobe reads. Produced in pieces for any [start, end), nothing kept.
 */
function* uploadBytes(total: number, start: number, end: number): Generator<Uint8Array> {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1, 0);
  header.write('free', 4, 'latin1');
  header.writeBigUInt64BE(BigInt(total - FIXTURE.byteLength), 8);
  const filler = Buffer.alloc(MiB);
  for (let i = 0; i < filler.length; i++) filler[i] = (i * 2654435761) >>> 24;
  const regions: [number, number, (from: number, to: number) => Uint8Array][] = [
    [0, FIXTURE.byteLength, (a, b) => FIXTURE.subarray(a, b)],
    [FIXTURE.byteLength, FIXTURE.byteLength + 16, (a, b) => header.subarray(a - FIXTURE.byteLength, b - FIXTURE.byteLength)],
    [FIXTURE.byteLength + 16, total, (a, b) => filler.subarray(0, b - a)],
  ];
  let at = start;
  while (at < end) {
    const [, rEnd, slice] = regions.find(([s, e]) => at >= s && at < e)!;
    const to = Math.min(end, rEnd, at + MiB);
    yield slice(at, to);
    at = to;
  }
}

async function patch(url: string, cookie: string, total: number, offset: number, end: number): Promise<Response> {
  const pieces = uploadBytes(total, offset, end);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return fetch(url, {
    method: 'PATCH',
    headers: { 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', cookie },
    body,
    duplex: 'half',
  } as RequestInit);
}

// ---- range reads ----------------------------------------------------------------------------

/** node:http with keep-alive: a lighter client than fetch, so the servers and not the reader set the pace. */
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function drain(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers }, (res) => {
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        res.resume();
        reject(new Error(`${url}: ${res.statusCode}`));
        return;
      }
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
}

interface Server {
  name: string;
  url: string;
  headers: Record<string, string>;
  pid: number;
}
/** Throughput (bytes/s) and the server's own CPU time per GiB served, which load elsewhere on the machine disturbs less. */
interface Measure {
  bps: number;
  cpuPerGiB: number;
}

async function measure(srv: Server, bytesExpected: number, run: () => Promise<number>): Promise<Measure> {
  const cpu0 = cpuOf(srv.pid);
  const t0 = performance.now();
  const bytes = await run();
  const seconds = (performance.now() - t0) / 1000;
  if (bytes !== bytesExpected) throw new Error(`${srv.name}: read ${bytes} of ${bytesExpected} bytes`);
  return { bps: bytes / seconds, cpuPerGiB: ((cpuOf(srv.pid) - cpu0) / bytes) * 1024 ** 3 };
}

/** `concurrency` clients reading consecutive ranges over the first `size` bytes. */
function rangeReads(srv: Server, size: number): Promise<Measure> {
  return measure(srv, size, async () => {
    const offsets: number[] = [];
    for (let o = 0; o < size; o += CFG.rangeBytes) offsets.push(o);
    let next = 0;
    let bytes = 0;
    await Promise.all(
      Array.from({ length: CFG.concurrency }, async () => {
        while (next < offsets.length) {
          const start = offsets[next++]!;
          // Awaited first: `bytes += await …` would read `bytes` before the other clients add theirs.
          const got = await drain(srv.url, { ...srv.headers, range: `bytes=${start}-${Math.min(start + CFG.rangeBytes, size) - 1}` });
          bytes += got;
        }
      }),
    );
    return bytes;
  });
}

/** One client reading the first `size` bytes in one response. */
const longRange = (srv: Server, size: number): Promise<Measure> => measure(srv, size, () => drain(srv.url, { ...srv.headers, range: `bytes=0-${size - 1}` }));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mibs = (bps: number) => `${(bps / MiB).toFixed(0)} MiB/s`;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-bench-media-'));
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    const server = spawn(process.execPath, ['--enable-source-maps', 'dist/server/src/main.js'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        KIJKKAMER_ADMIN_EMAIL: ADMIN.email,
        KIJKKAMER_ADMIN_PASSWORD: ADMIN.password,
        KIJKKAMER_MAX_UPLOAD_BYTES: String(CFG.uploadBytes),
      },
    });
    children.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/api/health`, server);

    const host = new HttpClient(base);
    if ((await host.post('/api/auth/signin', ADMIN)).status !== 200) throw new Error('sign-in failed');
    const room = (await host.post<Room>('/api/rooms', { title: 'Benchmark' })).body;
    if ((await host.post(`/api/rooms/${room.id}/consent`, consentBody())).status !== 201) throw new Error('consent failed');

    // 1. RSS during the upload and its finishing work.
    const total = CFG.uploadBytes;
    await new Promise((r) => setTimeout(r, 1000));
    const rssBefore = rssOf(server.pid!);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(server.pid!))), CFG.rssEveryMs);
    const created = await fetch(`${base}/api/rooms/${room.id}/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(total), cookie: host.cookieHeader },
    });
    if (created.status !== 201) throw new Error(`tus create: ${created.status} ${await created.text()}`);
    const uploadUrl = new URL(created.headers.get('location')!, base).toString();
    const t0 = performance.now();
    let lastPatchMs = 0;
    for (let offset = 0; offset < total; offset += CFG.patchBytes) {
      const end = Math.min(offset + CFG.patchBytes, total);
      const tp = performance.now();
      const res = await patch(uploadUrl, host.cookieHeader, total, offset, end);
      if (res.status !== 204) throw new Error(`PATCH at ${offset}: ${res.status} ${await res.text()}`);
      lastPatchMs = performance.now() - tp;
    }
    const uploadMs = performance.now() - t0;
    clearInterval(sampler);
    const rssAfter = rssOf(server.pid!);
    const info = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body;
    if (!info.video || info.video.size !== total) throw new Error(`upload not attached: ${JSON.stringify(info)}`);
    const file = join(dataDir, 'media', room.id, `${info.video.id}.mp4`);

    // 2. Range throughput against the baselines, same file, page cache warm.
    const videoUrl = `${base}/api/rooms/${room.id}/media/video`;
    const servers: Server[] = [{ name: 'kijkkamer', url: videoUrl, headers: { cookie: host.cookieHeader }, pid: server.pid! }];
    for (const [name, highWaterMark] of [['plain', 64 * 1024], ['buffer', 256 * 1024]] as const) {
      const basePort = await freePort();
      const child = spawn(process.execPath, ['--input-type=module', '-e', BASELINE_SERVER, file, String(basePort), String(highWaterMark)], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      await waitFor(`http://127.0.0.1:${basePort}/video`, child);
      servers.push({ name, url: `http://127.0.0.1:${basePort}/video`, headers: {}, pid: child.pid! });
    }
    const readBytes = Math.min(total, CFG.readBytes);
    const ranges = new Map(servers.map((srv) => [srv.name, [] as Measure[]]));
    const longs = new Map(servers.map((srv) => [srv.name, [] as Measure[]]));
    // Warm-up: page cache for the file, JIT for servers and client.
    for (const srv of servers) {
      await longRange(srv, total);
      await rangeReads(srv, readBytes);
    }
    const load = loadavg()[0]!;
    for (let round = 0; round < CFG.rounds; round++) {
      // Rotate the order, so no server always follows the same one.
      for (let i = 0; i < servers.length; i++) {
        const srv = servers[(i + round) % servers.length]!;
        ranges.get(srv.name)!.push(await rangeReads(srv, readBytes));
        longs.get(srv.name)!.push(await longRange(srv, readBytes));
      }
      process.stdout.write(`round ${round + 1}/${CFG.rounds} done\n`);
    }
    const med = (m: Map<string, Measure[]>, name: string, key: keyof Measure = 'bps') => median(m.get(name)!.map((x) => x[key]));

    const rangeRatio = med(ranges, 'kijkkamer') / med(ranges, 'plain');
    const longRatio = med(longs, 'kijkkamer') / med(longs, 'plain');
    const rangeRatioBuffer = med(ranges, 'kijkkamer') / med(ranges, 'buffer');
    const longRatioBuffer = med(longs, 'kijkkamer') / med(longs, 'buffer');
    const growth = rssPeak - rssBefore;
    const met = (ok: boolean) => (ok ? 'met' : '**NOT met**');
    const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
    const row = (label: string, m: Map<string, Measure[]>) =>
      `| ${label} (median of ${CFG.rounds}) | ${mibs(med(m, 'kijkkamer'))} | ${mibs(med(m, 'plain'))} | ${(med(m, 'kijkkamer') / med(m, 'plain')).toFixed(2)}× | ${mibs(med(m, 'buffer'))} | ${(med(m, 'kijkkamer') / med(m, 'buffer')).toFixed(2)}× |`;
    const cpu = (m: Map<string, Measure[]>, name: string) => `${(med(m, name, 'cpuPerGiB') * 1000).toFixed(0)} ms`;
    const cpuRow = (label: string, m: Map<string, Measure[]>) =>
      `| … server CPU per GiB served | ${cpu(m, 'kijkkamer')} | ${cpu(m, 'plain')} | ${(med(m, 'kijkkamer', 'cpuPerGiB') / med(m, 'plain', 'cpuPerGiB')).toFixed(2)}× | ${cpu(m, 'buffer')} | ${(med(m, 'kijkkamer', 'cpuPerGiB') / med(m, 'buffer', 'cpuPerGiB')).toFixed(2)}× |`.replace('…', `… ${label}:`);
    const rows = [
      row(`Range reads, ${CFG.concurrency} clients × ${CFG.rangeBytes / MiB} MiB ranges over ${mib(readBytes)}`, ranges),
      cpuRow('range reads', ranges),
      row(`One long range of ${mib(readBytes)}, 1 client`, longs),
      cpuRow('long range', longs),
    ];
    const section = [
      SECTION,
      '',
      `Run ${when} on ${machine} (\`npm run bench:media\`).`,
      '',
      `Setup: the real server (\`server/src/main.ts\`) and two baselines (plain \`node:http\` + \`fs.createReadStream\` piped raw, no auth, no headers beyond Content-Range; "plain" with the default 64 KiB read buffer, "same buffer" with the 256 KiB Kijkkamer uses) each in their own child process; the upload and all reads from this parent over loopback with node:http keep-alive clients, after a warm-up of every server; rounds rotate the order and the figures are medians. Throughput on a shared machine depends on what else runs (load average ${load.toFixed(1)} on ${cpus().length} cores at the start of the rounds); the server's own CPU time per GiB (from /proc) is the steadier comparison. The upload is ${mib(total)}: the synthetic fixture plus an MP4 \`free\` box of filler, generated while it is sent, in tus PATCH requests of ${CFG.patchBytes / MiB} MiB. RSS is the server's VmRSS from /proc, sampled every ${CFG.rssEveryMs} ms from just before the upload until the last PATCH (which includes the finishing work: sha256 over the whole file, ffprobe, poster frame) returned.`,
      '',
      '| Metric | Kijkkamer | plain baseline | ratio | same-buffer baseline | ratio |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      '| Metric | Result | Goal |  |',
      '| --- | --- | --- | --- |',
      `| Range throughput vs plain baseline | ${rangeRatio.toFixed(2)}× | ≥ ${GOALS.rangeRatio}× | ${met(rangeRatio >= GOALS.rangeRatio)} |`,
      `| … vs same-buffer baseline | ${rangeRatioBuffer.toFixed(2)}× | ≥ ${GOALS.rangeRatio}× | ${met(rangeRatioBuffer >= GOALS.rangeRatio)} |`,
      `| RSS growth during the ${mib(total)} upload (peak − before) | ${mib(growth)} | < ${GOALS.rssGrowthMiB} MiB | ${met(growth < GOALS.rssGrowthMiB * MiB)} |`,
      `| … RSS before / peak / after | ${mib(rssBefore)} / ${mib(rssPeak)} / ${mib(rssAfter)} |  |  |`,
      `| … upload time (throughput), of which the last PATCH with finishing work | ${(uploadMs / 1000).toFixed(1)} s (${mibs(total / (uploadMs / 1000))}), ${(lastPatchMs / 1000).toFixed(1)} s |  |  |`,
      '',
      '### bench:media runs',
      '',
      '| When | Machine | Range ratio (plain / same buffer) | Long-range ratio (plain / same buffer) | RSS growth (upload size) |',
      '| --- | --- | --- | --- | --- |',
      ...previousRuns(),
      `| ${when} | ${machine} | ${rangeRatio.toFixed(2)}× / ${rangeRatioBuffer.toFixed(2)}× | ${longRatio.toFixed(2)}× / ${longRatioBuffer.toFixed(2)}× | ${mib(growth)} (${mib(total)}) |`,
      '',
    ].join('\n');
    console.log(`\n${section}`);
    writeSection(section);
  } finally {
    for (const child of children) child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** History rows of earlier runs, kept when the section is rewritten. */
function previousRuns(): string[] {
  if (!existsSync(RESULTS_FILE)) return [];
  const text = readFileSync(RESULTS_FILE, 'utf8');
  const start = text.indexOf('### bench:media runs');
  if (start === -1) return [];
  return text
    .slice(start)
    .split('\n')
    .filter((line) => /^\| \d{4}-\d{2}-\d{2}T/.test(line));
}

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

await main();

/**
 * What bench:notes and bench:load share: starting the compiled server pinned to one core (with an
 * event-loop probe preloaded), /proc figures of a process, quantiles, the machine line, and
 * writing a section of bench/RESULTS.md.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/cluster/parts.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS_FILE = join(ROOT, 'bench', 'RESULTS.md');
export const ADMIN = { email: 'bench@kijkkamer.test', password: 'bench-wachtwoord-lang' };
export const NODE = process.execPath;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
export const sortNum = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
export const median = (xs: readonly number[]) => quantile(sortNum(xs), 0.5);
export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '—');
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The second core for clients when the machine has one: `taskset -c <core>` prefix, else nothing. */
export function pinned(core: number, cmd: string[]): string[] {
  return cpus().length > 1 && existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', String(core), ...cmd] : cmd;
}

/** `fork` of a bench script (IPC included) pinned to a core, the way `pinned` pins a command. */
export function forkPinned(core: number, script: string, args: string[]): ChildProcess {
  const [cmd, ...pre] = pinned(core, [NODE]);
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  return cmd === NODE ? fork(script, args, { stdio }) : fork(script, args, { execPath: cmd!, execArgv: pre, stdio });
}

export { freePort };

/** CPU time (ms) and RSS (bytes) of a process, from /proc. */
export function procStat(pid: number): { cpuMs: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 Hz)
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  return { cpuMs: ticks * 10, rss };
}

/** CPU share of one core between two `procStat` readings. */
export const cpuShare = (a: { cpuMs: number }, b: { cpuMs: number }, wallMs: number) => (b.cpuMs - a.cpuMs) / wallMs;

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** A child that answers `{ id, cmd }` messages (the event-loop probe, a load generator). */
export class Rpc {
  private nextId = 1;
  private readonly pending = new Map<number, (v: unknown) => void>();
  readonly proc: ChildProcess;
  constructor(proc: ChildProcess) {
    this.proc = proc;
    proc.on('message', (msg: { id?: number; result?: unknown }) => {
      if (msg.id === undefined) return;
      this.pending.get(msg.id)?.(msg.result);
      this.pending.delete(msg.id);
    });
  }
  call<T>(cmd: string, arg?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, resolve as (v: unknown) => void);
      this.proc.send({ id, cmd, arg });
    });
  }
}

export interface BenchServer {
  url: string;
  rpc: Rpc;
  pid: number;
  /** Resets the server's event-loop delay histogram; `loopDelay` reads it. */
  resetLoopDelay(): Promise<void>;
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

/**
 * The compiled server exactly as `npm start` runs it (`node dist/server/src/main.js`), pinned to
 * core 0, with bench/lib/loop-probe.ts preloaded so the bench can read its event-loop delay.
 */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const main = join(ROOT, 'dist', 'server', 'src', 'main.js');
  if (!existsSync(main)) throw new Error('dist/ is missing: run `npm run build` first');
  const port = await freePort();
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it exits (where the time goes).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const [cmd, ...args] = pinned(0, [NODE, '--enable-source-maps', ...profile, '--import', join(ROOT, 'bench', 'lib', 'loop-probe.ts'), main]);
  const proc = spawn(cmd!, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      KIJKKAMER_ADMIN_EMAIL: ADMIN.email,
      KIJKKAMER_ADMIN_PASSWORD: ADMIN.password,
      KIJKKAMER_ROOM_LIMIT: '10000',
      KIJKKAMER_SIGNIN_LIMIT: '10000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${out}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`server did not start: ${out}`);
    await sleep(100);
  }
  const rpc = new Rpc(proc);
  return {
    url,
    rpc,
    pid: proc.pid!,
    resetLoopDelay: () => rpc.call('reset'),
    loopDelay: () => rpc.call<LoopDelay>('loopDelay'),
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

export function machine(): string {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    // not Linux
  }
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}

export const load1 = () => loadavg()[0]!;

export function table(rows: string[][]): string {
  const head = `| ${rows[0]!.join(' | ')} |`;
  const sep = `| ${rows[0]!.map(() => '---').join(' | ')} |`;
  return [head, sep, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Replaces only the section that starts with `heading`; the other benches keep theirs. */
export function writeSection(heading: string, body: string): void {
  let current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Benchmark results\n';
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = current.indexOf(`\n${heading}\n`);
  if (start === -1) current = `${current.replace(/\n*$/, '\n')}\n${section}`;
  else {
    const next = current.indexOf('\n## ', start + heading.length + 1);
    current = `${current.slice(0, start + 1)}${section}${next === -1 ? '' : `\n${current.slice(next + 1)}`}`;
  }
  writeFileSync(RESULTS_FILE, current.replace(/\n*$/, '\n'));
}

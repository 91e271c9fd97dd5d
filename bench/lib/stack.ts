/**
 * The server side of a bench run, as bench:load and bench:cluster start it: one compiled Kijkkamer
 * process reached directly, or N behind HAProxy (room affinity) with Redis; optionally pinned to a
 * core and with the event-loop probe preloaded. It knows the pid of every part, so the bench can
 * read their CPU and memory from /proc.
 *
 * Open files: each participant is 2 connections, each of them 2 file descriptors at HAProxy (client
 * and process side), so 2 000 rooms × 4 need 32 000 there. The bench raises its own limit (children
 * inherit it) where it may; where it may not (a container without CAP_SYS_RESOURCE, as here:
 * 20 000), several HAProxy processes share the listening port (SO_REUSEPORT, HAProxy's default;
 * the kernel spreads connections over them) with the same configuration, so the same room still
 * goes to the same process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startHaproxy, startKijkkamer, startRedis, type Haproxy, type KijkkamerProcess, type RedisServer } from '../../scripts/cluster/parts.ts';
import { ADMIN, ROOT, Rpc, sleep, type LoopDelay } from './common.ts';

/** The open-file limit the bench asks for (soft = hard). */
export const FD_WANTED = 100_000;

/** An open-file limit of a process, from /proc/<pid>/limits (soft limit). */
export function maxOpenFiles(pid: number | 'self'): number {
  return Number(/^Max open files\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1]);
}

/**
 * Raises this process's open-file limit to FD_WANTED, so that every process it starts inherits it;
 * returns the limit it has afterwards (unchanged when not allowed).
 */
export function raiseFdLimit(): { limit: number; raised: boolean; refusal: string | null } {
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${FD_WANTED}:${FD_WANTED}`], { stdio: 'pipe' });
    return { limit: maxOpenFiles('self'), raised: true, refusal: null };
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    return { limit: maxOpenFiles('self'), raised: false, refusal: why };
  }
}

/** HAProxy processes needed for `connections` client connections under an open-file limit (2 per connection, 10 % headroom). */
export const haproxiesFor = (connections: number, fdLimit: number) => Math.max(1, Math.ceil((2 * connections) / (0.9 * fdLimit)));

/** As bench:load has always run its server: the bench creates rooms and guests faster than any person would. */
export const benchEnv = (dataDir: string): Record<string, string> => ({
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  KIJKKAMER_ADMIN_EMAIL: ADMIN.email,
  KIJKKAMER_ADMIN_PASSWORD: ADMIN.password,
  KIJKKAMER_ROOM_LIMIT: '10000',
  KIJKKAMER_SIGNIN_LIMIT: '10000',
});

export interface StackOptions {
  /** Kijkkamer processes; with `proxied` false exactly 1, reached directly. */
  processes: number;
  proxied: boolean;
  dataDir: string;
  /** Added to the bench environment (DATABASE_URL). */
  env?: Record<string, string>;
  /** Pin every server-side part here; undefined: unpinned. */
  core?: number;
  /** Preload bench/lib/loop-probe.ts (event-loop delay over IPC). */
  probe?: boolean;
  /** HAProxy processes sharing the port (see above); default 1. */
  haproxies?: number;
}

export interface Stack {
  url: string;
  readonly kijkkamer: KijkkamerProcess[];
  readonly haproxies: Haproxy[];
  readonly redis: RedisServer | null;
  /** Resets every process's event-loop delay histogram (with `probe`). */
  resetLoopDelay(): Promise<void>;
  /** The worst p99 (and max) over the processes (with `probe`). */
  loopDelay(): Promise<LoopDelay>;
  /** Starts a killed process again on its port, with the same settings. */
  restart(p: KijkkamerProcess): Promise<KijkkamerProcess>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  if (!options.proxied && options.processes !== 1) throw new Error('without HAProxy there is exactly one process');
  const base = { ...process.env, ...benchEnv(options.dataDir), ...options.env };
  const kijkkamer: KijkkamerProcess[] = [];
  const probes = new Map<KijkkamerProcess, Rpc>();
  const haproxies: Haproxy[] = [];
  let redis: RedisServer | null = null;
  const stop = async () => {
    for (const p of [...haproxies, ...kijkkamer, redis]) await p?.stop('SIGKILL');
  };
  let env: NodeJS.ProcessEnv = base;
  const start = async (name: string, port: number) => {
    const p = await startKijkkamer({
      name,
      port,
      env,
      core: options.core,
      nodeArgs: options.probe ? ['--import', join(ROOT, 'bench', 'lib', 'loop-probe.ts')] : [],
      ipc: options.probe,
    });
    if (options.probe) probes.set(p, new Rpc(p.proc));
    return p;
  };
  try {
    let url: string;
    if (options.proxied) {
      redis = await startRedis({ core: options.core });
      const proxyPort = await freePort();
      url = `http://127.0.0.1:${proxyPort}`;
      env = { ...base, REDIS_URL: redis.url, PUBLIC_URL: url };
      // One at a time: the first creates the schema (and the administrator), the others find them.
      for (let i = 0; i < options.processes; i++) kijkkamer.push(await start(`p${i + 1}`, await freePort()));
      for (let i = 0; i < (options.haproxies ?? 1); i++) {
        haproxies.push(await startHaproxy(options.dataDir, kijkkamer.map((p) => ({ name: p.name, port: p.port })), { port: proxyPort, core: options.core, servedByHeader: true }));
      }
      // A second HAProxy that could not bind the port exits; the first already answers on it.
      await sleep(500);
      const dead = haproxies.find((h) => h.proc.exitCode !== null);
      if (dead) throw new Error(`an HAProxy process exited:\n${dead.output()}`);
    } else {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      env = { ...base, PUBLIC_URL: url };
      kijkkamer.push(await start('direct', port));
    }
    return {
      url,
      kijkkamer,
      haproxies,
      redis,
      async resetLoopDelay() {
        await Promise.all(kijkkamer.map((p) => probes.get(p)!.call('reset')));
      },
      async loopDelay() {
        const all = await Promise.all(kijkkamer.map((p) => probes.get(p)!.call<LoopDelay>('loopDelay')));
        return { p50: Math.max(...all.map((d) => d.p50)), p99: Math.max(...all.map((d) => d.p99)), max: Math.max(...all.map((d) => d.max)) };
      },
      async restart(p) {
        const back = await start(p.name, p.port);
        kijkkamer[kijkkamer.indexOf(p)] = back;
        return back;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The pid of the PostgreSQL server a client is connected to: the parent of its backend process. */
export function postmasterOf(backendPid: number): number | null {
  try {
    return parentOf(backendPid);
  } catch {
    return null; // not on this machine
  }
}

const parentOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};

/** A PostgreSQL server's processes on this machine: the postmaster and its children (backends, writers, autovacuum). */
export function postgresPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parentOf(Number(entry)) === postmaster) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

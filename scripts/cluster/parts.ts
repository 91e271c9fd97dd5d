/**
 * The parts of a Kijkkamer cluster on one machine — a throwaway Redis, compiled Kijkkamer
 * processes, HAProxy in front with room affinity — for `npm run cluster`, the cluster tests and
 * bench:cluster. Debian's binaries (redis-server, haproxy); nothing is downloaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export class MissingBinary extends Error {}

/** The binary on the PATH or at Debian's place, or a message saying what to install. */
export function findBinary(name: string, debianPath: string, aptPackage: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  if (existsSync(debianPath)) return debianPath;
  throw new MissingBinary(`${name} is not installed: the cluster needs it (Debian: apt-get install ${aptPackage}; .ci/run installs it).`);
}

/** Asks the OS for a free loopback port (a process prints its URL from PORT, so 0 would print ":0"). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Spawned {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** SIGTERM (graceful) or SIGKILL; resolves when the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `taskset -c <core>` in front of a command, so benchmarks can give servers and clients their own core. */
const onCore = (core: number | undefined, command: string, args: string[]): [string, string[]] =>
  core === undefined || !existsSync('/usr/bin/taskset') ? [command, args] : ['/usr/bin/taskset', ['-c', String(core), command, ...args]];

function run(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; echo?: boolean; core?: number; ipc?: boolean } = {}): Spawned {
  [command, args] = onCore(options.core, command, args);
  const proc = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
    if (options.echo) process.stdout.write(d.toString().replace(/^(?=.)/gm, `[${name}] `));
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  return {
    name,
    proc,
    exited,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!gone) proc.kill(signal);
      await exited;
    },
  };
}

/** Resolves once something accepts TCP connections on the port, or fails after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, isDead: () => boolean = () => false): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !isDead()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

export interface RedisServer extends Spawned {
  url: string;
}

/** redis-server on a loopback port, nothing saved to disk. */
export async function startRedis(options: { echo?: boolean; core?: number } = {}): Promise<RedisServer> {
  const binary = findBinary('redis-server', '/usr/bin/redis-server', 'redis-server');
  const port = await freePort();
  const redis = run('redis', binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()], options);
  try {
    await waitForPort(port, 10_000, () => redis.proc.exitCode !== null);
  } catch {
    await redis.stop('SIGKILL');
    throw new Error(`redis-server did not start:\n${redis.output()}`);
  }
  return Object.assign(redis, { url: `redis://127.0.0.1:${port}` });
}

export interface Backend {
  name: string;
  port: number;
}

/**
 * HAProxy with room affinity: a request that belongs to a room (its HTTP routes under
 * /api/rooms/<id>/, its Yjs WebSockets /yjs/<id>, its socket.io connection /socket.io/?room=<id>)
 * goes to the process the room id hashes to — consistent hashing, so a process that leaves or
 * comes back moves only its own rooms; everything else goes round robin. Dead processes are taken
 * out by health checks on /api/health.
 */
export function haproxyConfig(options: { port: number; backends: Backend[]; host?: string; servedByHeader?: boolean }): string {
  const servers = (extra: string) =>
    options.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check inter 500ms fall 2 rise 2${extra}`).join('\n');
  return `# Kijkkamer behind HAProxy: one room, one process (generated by scripts/cluster/parts.ts).
global
  # No maxconn: HAProxy derives it from the open-file limit (each connection is two: client and process).

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # WebSockets (socket.io, Yjs) stay open for a whole session.
  timeout tunnel 2h
  timeout http-request 10s
  # A request that could not reach its process is tried again, the last time on another one.
  retries 3
  option redispatch
  # The client's address for the processes (their rate limits count per client; TRUST_PROXY).
  option forwardfor

frontend kijkkamer
  bind ${options.host ?? '127.0.0.1'}:${options.port}
  # The room a request belongs to: /api/rooms/<id>/…, /yjs/<id>[/private], /socket.io/?room=<id>.
  http-request set-var(txn.room) path,field(4,/) if { path_beg /api/rooms/ }
  http-request set-var(txn.room) path,field(3,/) if { path_beg /yjs/ }
  http-request set-var(txn.room) url_param(room) if { path_beg /socket.io/ }
  use_backend rooms if { var(txn.room) -m len gt 0 }
  default_backend anywhere
${options.servedByHeader ? '  # Development and tests only: which process answered.\n  http-response set-header X-Served-By %s\n' : ''}
backend rooms
  balance hash var(txn.room)
  hash-type consistent
  option httpchk GET /api/health
  http-check expect status 200
${servers('')}

backend anywhere
  balance roundrobin
  option httpchk GET /api/health
  http-check expect status 200
${servers('')}
`;
}

export interface Haproxy extends Spawned {
  url: string;
  port: number;
  configPath: string;
}

export async function startHaproxy(dir: string, backends: Backend[], options: { port?: number; echo?: boolean; servedByHeader?: boolean; core?: number } = {}): Promise<Haproxy> {
  const binary = findBinary('haproxy', '/usr/sbin/haproxy', 'haproxy');
  const port = options.port ?? (await freePort());
  const configPath = join(dir, 'haproxy.cfg');
  writeFileSync(configPath, haproxyConfig({ port, backends, servedByHeader: options.servedByHeader }));
  // -db: stay in the foreground; -W would fork a master we would have to find again.
  const haproxy = run('haproxy', binary, ['-f', configPath, '-db'], { echo: options.echo, core: options.core });
  try {
    await waitForPort(port, 10_000, () => haproxy.proc.exitCode !== null);
  } catch {
    await haproxy.stop('SIGKILL');
    throw new Error(`haproxy did not start:\n${haproxy.output()}`);
  }
  return Object.assign(haproxy, { url: `http://127.0.0.1:${port}`, port, configPath });
}

export interface KijkkamerProcess extends Spawned {
  port: number;
  url: string;
}

/**
 * One compiled Kijkkamer process (`npm run build` first), healthy when this resolves. `nodeArgs`
 * and `ipc` let a benchmark preload its probe and talk to it.
 */
export async function startKijkkamer(options: {
  name: string;
  port: number;
  env: NodeJS.ProcessEnv;
  echo?: boolean;
  timeoutMs?: number;
  core?: number;
  nodeArgs?: string[];
  ipc?: boolean;
}): Promise<KijkkamerProcess> {
  const main = join(ROOT, 'dist/server/src/main.js');
  if (!existsSync(main)) throw new Error('the compiled server is missing: run `npm run build` first');
  const proc = run(options.name, process.execPath, ['--enable-source-maps', ...(options.nodeArgs ?? []), main], {
    env: { ...options.env, PORT: String(options.port), HOST: '127.0.0.1' },
    echo: options.echo,
    core: options.core,
    ipc: options.ipc,
  });
  const url = `http://127.0.0.1:${options.port}`;
  const end = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < end && proc.proc.exitCode === null && proc.proc.signalCode === null) {
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return Object.assign(proc, { port: options.port, url });
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await proc.stop('SIGKILL');
  throw new Error(`${options.name} did not become healthy:\n${proc.output()}`);
}

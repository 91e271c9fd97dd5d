/**
 * The compiled server as a child process, exactly as `npm start` runs it (`npm test` builds it
 * first): for what only a real process shows — a SIGTERM, a `kill -9`, a restart on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ADMIN } from './server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Other engineers run tests on this 2-core machine too: start-up alone can take seconds. */
const START_TIMEOUT_MS = 60_000;

export interface ChildServer {
  proc: ChildProcess;
  port: number;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const running = new Set<ChildProcess>();

/** Asks the OS for a free loopback port. main.ts prints its URL from PORT, so 0 would print ":0". */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Starts `dist/server/src/main.js` on `dataDir` and waits until /api/health answers. With `port`
 * it listens there (a restart that reconnecting clients find again); otherwise on a free port.
 */
export async function startChildServer(dataDir: string, port?: number): Promise<ChildServer> {
  let lastError = '';
  // A free port can be taken between probing and binding, and a port just released may still be
  // held for a moment: try a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const listenOn = port ?? (await freePort());
    const proc = spawn(process.execPath, ['--enable-source-maps', 'dist/server/src/main.js'], {
      cwd: ROOT,
      // A minimal env, so nothing from the shell running the tests (a PORT, a KIJKKAMER_*) leaks in.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? ROOT,
        TMPDIR: tmpdir(),
        DATA_DIR: dataDir,
        PORT: String(listenOn),
        HOST: '127.0.0.1',
        KIJKKAMER_ADMIN_EMAIL: ADMIN.email,
        KIJKKAMER_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(proc);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    let hasExited = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => {
        hasExited = true;
        running.delete(proc);
        resolve({ code, signal });
      }),
    );
    const url = `http://127.0.0.1:${listenOn}`;
    const end = Date.now() + START_TIMEOUT_MS;
    while (!hasExited && Date.now() < end) {
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return { proc, port: listenOn, url, exited, output: () => out };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    lastError = out;
    if (!hasExited) {
      proc.kill('SIGKILL');
      await exited;
    }
    if (!/EADDRINUSE/.test(out)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server child did not become healthy:\n${lastError}`);
}

/** Kills whatever child servers are still running (for afterAll). */
export async function killChildServers(): Promise<void> {
  await Promise.all(
    [...running].map(
      (proc) =>
        new Promise<void>((resolve) => {
          proc.once('exit', () => resolve());
          proc.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * The compiled server as a child process, exactly as `npm start` runs it (`npm test` builds it
 * first), for what only a real process shows: a SIGTERM, a `kill -9`, a restart on the same data,
 * the ops scripts beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/cluster/parts.ts';
import { HttpClient } from './http.ts';
import { ADMIN } from './server.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Other engineers run tests on this 2-core machine too: start-up alone can take seconds. */
const START_TIMEOUT_MS = 60_000;

export interface ChildServer {
  proc: ChildProcess;
  port: number;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

export const children = new Set<ChildProcess>();

/** A minimal env, so nothing from the shell running the tests (a PORT, a KIJKKAMER_*) leaks in. */
export const childEnv = (dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? ROOT,
  TMPDIR: tmpdir(),
  DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  KIJKKAMER_ADMIN_EMAIL: ADMIN.email,
  KIJKKAMER_ADMIN_PASSWORD: ADMIN.password,
  LOG_LEVEL: 'silent',
  ...extra,
});

/**
 * Starts `dist/server/src/main.js` on `dataDir` and waits until /api/health answers. With `port`
 * it listens there (a restart that reconnecting clients find again); otherwise on a free port.
 */
export async function startChild(dataDir: string, env: Record<string, string> = {}, options: { port?: number } = {}): Promise<ChildServer> {
  let lastError = '';
  // A free port can be taken by someone else between probing and binding, and a port just
  // released may still be held for a moment: try a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    const proc = spawn(process.execPath, ['--enable-source-maps', 'dist/server/src/main.js'], {
      cwd: ROOT,
      env: childEnv(dataDir, { ...env, PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(proc);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    let hasExited = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => {
        hasExited = true;
        children.delete(proc);
        resolve({ code, signal });
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    const end = Date.now() + START_TIMEOUT_MS;
    while (!hasExited && Date.now() < end) {
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return { proc, port, url, exited, output: () => out };
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

export async function killChildren(): Promise<void> {
  for (const proc of [...children]) {
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
  }
}

export async function signIn(url: string): Promise<HttpClient> {
  const http = new HttpClient(url);
  const res = await http.post('/api/auth/signin', ADMIN);
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return http;
}

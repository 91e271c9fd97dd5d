/**
 * A cluster setting that can only be checked by trying: an unreachable Redis stops the compiled
 * server at start with a clear message and exit code 2 — not a crash or a stream of retries later.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/cluster/parts.ts';
import { childEnv, ROOT } from '../helpers/child.ts';

describe('cluster configuration at start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-redis-config-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start when Redis cannot be reached, naming REDIS_URL without its password', async () => {
    const [closed, port] = [await freePort(), await freePort()]; // nothing listens on `closed`
    const proc = spawn(process.execPath, ['dist/server/src/main.js'], {
      cwd: ROOT,
      env: childEnv(dataDir, { PORT: String(port), REDIS_URL: `redis://kijkkamer:geheim@127.0.0.1:${closed}` }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code).toBe(2);
    expect(out).toMatch(/Kijkkamer: cannot reach Redis at REDIS_URL=redis:\/\/\*\*\*@127\.0\.0\.1:\d+/);
    expect(out).not.toMatch(/geheim/);
  });
});

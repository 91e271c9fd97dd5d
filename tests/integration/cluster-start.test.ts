/**
 * Several compiled processes started at the same moment on one fresh data folder (one SQLite
 * file), as a service manager starts a cluster: one creates the schema and the administrator,
 * the others wait for it and find them, and every one of them comes up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, signIn, startChild } from '../helpers/child.ts';

describe('processes starting at once on one SQLite file', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await killChildren();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('all come up on the same schema and the same administrator', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kijkkamer-start-'));
    dirs.push(dir);
    const servers = await Promise.all([startChild(dir), startChild(dir), startChild(dir)]);
    for (const server of servers) await signIn(server.url);
    expect(new Set(servers.map((s) => s.port)).size).toBe(3);
  });
});

/**
 * The cluster's jobs after a kill -9: two compiled Kijkkamer processes behind HAProxy on one Redis
 * and one SQLite file. The leader (holder of the leader lease) is killed; the other takes the lease
 * once it runs out and runs the jobs on taking over — here, removing an expired session.
 */
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../server/src/ids.ts';
import { signIn } from '../helpers/child.ts';
import { startCluster, type TestCluster } from '../helpers/cluster.ts';
import { until } from '../helpers/yjs.ts';

describe('the cluster jobs when their leader is killed', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster(2);
  }, 120_000);
  afterAll(() => cluster?.dispose());

  it('moves to the other process, which runs them on taking over', { timeout: 120_000 }, async () => {
    const leader = await cluster.leader();
    expect(leader).not.toBeNull();
    const other = 1 - leader!;

    // A session past its end, which only the expired-sessions job removes (nobody uses it).
    const expiring = await signIn(cluster.url);
    const token = decodeURIComponent(/kk_staff=([^;]+)/.exec(expiring.cookieHeader)![1]!);
    const db = new DatabaseSync(join(cluster.dataDir, 'kijkkamer.sqlite'));
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      const sessionRows = () => (db.prepare('SELECT count(*) AS n FROM sessions WHERE token_hash = ?').get(hashToken(token)) as { n: number }).n;
      expect(db.prepare('UPDATE sessions SET expires_at = 1 WHERE token_hash = ?').run(hashToken(token)).changes).toBe(1);

      await cluster.kill(leader!);
      // Its lease runs out (3 s) and the other takes it.
      await until(async () => (await cluster.leader()) === other, 30_000);
      await until(() => sessionRows() === 0, 30_000);
    } finally {
      db.close();
    }
  });
});

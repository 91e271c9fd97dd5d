// `npm run cluster`: several Kijkkamer processes behind HAProxy on this machine, for development
// and trying out failover. KIJKKAMER_PROCESSES (default 3) processes on free loopback ports share
// DATA_DIR (default ./data); HAProxy listens on PORT (default 8080) with room affinity; Redis is
// REDIS_URL, or a throwaway redis-server when unset. Ctrl-C stops everything it started.
// Needs Debian's haproxy and (without REDIS_URL) redis-server; the compiled server (`npm run build`,
// which the npm script's `precluster` does through scripts/ensure.mjs).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, MissingBinary, startHaproxy, startKijkkamer, startRedis } from './cluster/parts.ts';

const count = Number(process.env.KIJKKAMER_PROCESSES || 3);
const port = Number(process.env.PORT || 8080);
if (!Number.isInteger(count) || count < 1 || count > 32) {
  console.error(`KIJKKAMER_PROCESSES must be a whole number from 1 to 32, got "${process.env.KIJKKAMER_PROCESSES}"`);
  process.exit(2);
}
const dataDir = resolve(process.env.DATA_DIR || 'data');
mkdirSync(dataDir, { recursive: true });
const publicUrl = process.env.PUBLIC_URL || `http://127.0.0.1:${port}`;
const work = mkdtempSync(join(tmpdir(), 'kijkkamer-cluster-'));
const started = [];

async function stopAll() {
  // Processes first (gracefully: each hands its rooms back and frees its leases), then the proxy and Redis.
  for (const p of started.filter((s) => s.name.startsWith('p')).reverse()) await p.stop('SIGTERM');
  for (const p of started.filter((s) => !s.name.startsWith('p'))) await p.stop('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}

try {
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const redis = await startRedis();
    started.push(redis);
    redisUrl = redis.url;
  }
  const backends = [];
  // One at a time: the first creates the schema (and the administrator), the others find them.
  for (let i = 0; i < count; i++) {
    const name = `p${i + 1}`;
    // HAProxy (on loopback) names the client in X-Forwarded-For: the rate limits count per client.
    const env = { ...process.env, DATA_DIR: dataDir, REDIS_URL: redisUrl, PUBLIC_URL: publicUrl, TRUST_PROXY: '127.0.0.1' };
    const proc = await startKijkkamer({ name, port: await freePort(), env, echo: true });
    started.push(proc);
    backends.push({ name, port: proc.port });
  }
  const haproxy = await startHaproxy(work, backends, { port, echo: true, servedByHeader: true });
  started.push(haproxy);
  console.log(`\nKijkkamer-cluster: ${count} processen achter HAProxy / ${count} processes behind HAProxy at ${publicUrl}`);
  for (const b of backends) console.log(`  ${b.name}: http://127.0.0.1:${b.port} (pid ${started.find((s) => s.name === b.name).proc.pid})`);
  console.log(`  HAProxy: ${haproxy.configPath}; Redis: ${redisUrl.replace(/\/\/([^@/]*)@/, '//***@')}\n`);
} catch (err) {
  console.error(err instanceof MissingBinary ? `Kijkkamer: ${err.message}` : err);
  await stopAll();
  process.exit(2);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void stopAll().then(() => process.exit(0));
  });
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ensureFirstAdmin } from '../../server/src/access/bootstrap.ts';
import { buildApp } from '../../server/src/app.ts';
import { loadConfig } from '../../server/src/config.ts';

export const ADMIN = { email: 'beheer@kijkkamer.test', password: 'een-lang-wachtwoord' };

export interface TestServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  setupUrl: string | null;
  /** Stops the server; the data dir stays until `dispose` so restart tests can reuse it. */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** The real server on port 0 with a temporary data dir, configured through the same env vars as production. */
export async function startServer(env: Record<string, string> = {}, reuseDataDir?: string, logStream?: NodeJS.WritableStream): Promise<TestServer> {
  const dataDir = reuseDataDir ?? mkdtempSync(join(tmpdir(), 'kijkkamer-test-'));
  const withAdmin = 'KIJKKAMER_ADMIN_EMAIL' in env ? {} : { KIJKKAMER_ADMIN_EMAIL: ADMIN.email, KIJKKAMER_ADMIN_PASSWORD: ADMIN.password };
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ...withAdmin, ...env }, process.cwd());
  const app = await buildApp(config, { logStream });
  const { setupUrl } = await ensureFirstAdmin(app.services);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;
  // Links the server hands out must point at where it really listens.
  app.services.config.publicUrl = url;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    app,
    url,
    dataDir,
    setupUrl: setupUrl?.replace(/^https?:\/\/[^/]+/, url) ?? null,
    stop,
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

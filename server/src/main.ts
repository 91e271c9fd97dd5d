import { ensureFirstAdmin } from './access/bootstrap.ts';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { SchemaError } from './db/database.ts';
import { DatabaseConfigError } from './db/postgres.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Kijkkamer: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  let app;
  try {
    app = await buildApp(config);
  } catch (err) {
    // Bad configuration (database, or what can only be checked by trying: Redis reachable) is said
    // in a sentence at start, not as a stack trace (or later).
    if (err instanceof ConfigError || err instanceof DatabaseConfigError || err instanceof SchemaError) {
      console.error(`Kijkkamer: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const { setupUrl } = await ensureFirstAdmin(app.services);
  await app.listen({ port: config.port, host: config.host });

  const lines = [`Kijkkamer draait op / is running at ${config.publicUrl}`];
  if (setupUrl) {
    lines.push('', 'Eerste keer? Maak het beheerdersaccount aan via / First run? Create the admin account at:', `  ${setupUrl}`);
  } else if (config.adminEmail) {
    lines.push(`Inloggen / sign in: ${config.adminEmail}`);
  }
  console.log(`\n${lines.join('\n')}\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // Fastify stops accepting, closes sockets (socket.io, WebSockets) and runs onClose (database).
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();

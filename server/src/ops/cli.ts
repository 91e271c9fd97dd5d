import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { OpsError } from './archive.ts';

/** These commands copy the SQLite file; PostgreSQL has its own tools for a consistent copy. */
const POSTGRES_REFUSAL =
  'DATABASE_URL is gezet: de gegevens staan in PostgreSQL. Maak de back-up met pg_dump en zet hem terug met pg_restore, en kopieer DATA_DIR/media apart (zie docs/operations.md). / ' +
  'DATABASE_URL is set: the data is in PostgreSQL. Back it up with pg_dump, restore with pg_restore, and copy DATA_DIR/media separately (see docs/operations.md).';

/**
 * Runs an ops command with the server's own configuration (DATA_DIR and the rest), the folder
 * argument taken relative to where `npm run` was typed. Refusals print their reason and exit 1.
 */
export async function runOps(usage: string, command: (config: Config, folder: string) => Promise<void>): Promise<number> {
  const arg = process.argv[2];
  if (!arg || process.argv.length > 3) {
    console.error(`Gebruik / usage: ${usage}`);
    return 2;
  }
  try {
    const config = loadConfig();
    if (config.databaseUrl) throw new OpsError(POSTGRES_REFUSAL);
    await command(config, resolve(process.env.INIT_CWD ?? process.cwd(), arg));
    return 0;
  } catch (err) {
    if (err instanceof OpsError || err instanceof ConfigError) {
      console.error(`Kijkkamer: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

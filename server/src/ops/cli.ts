import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { OpsError } from './archive.ts';

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
    await command(loadConfig(), resolve(process.env.INIT_CWD ?? process.cwd(), arg));
    return 0;
  } catch (err) {
    if (err instanceof OpsError || err instanceof ConfigError) {
      console.error(`Kijkkamer: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

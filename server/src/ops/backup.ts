/**
 * `npm run backup -- <folder>`: a consistent backup of DATA_DIR into a new folder, while the server
 * runs. See docs/operations.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import { backupBytes, backupDataDir } from './archive.ts';
import { runOps } from './cli.ts';

const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

process.exitCode = await runOps('npm run backup -- <map>', async (config, target) => {
  const started = performance.now();
  const manifest = await backupDataDir(config.dataDir, target, version);
  const seconds = (performance.now() - started) / 1000;
  const mib = backupBytes(manifest) / 1024 ** 2;
  console.log(`Back-up gemaakt / backup made: ${target}`);
  console.log(`  database ${manifest.database.bytes} bytes, ${manifest.files.length} video- en posterbestanden / video and poster files, ${mib.toFixed(1)} MiB in ${seconds.toFixed(2)} s`);
  for (const path of manifest.missing) console.warn(`  let op / note: ${path} werd verwijderd tijdens de back-up / was deleted during the backup (consent withdrawn or retention passed)`);
});

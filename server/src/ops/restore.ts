/**
 * `npm run restore -- <folder>`: checks a backup's checksums and restores it into an empty
 * DATA_DIR; start the server afterwards. See docs/operations.md.
 */
import { backupBytes, restoreDataDir } from './archive.ts';
import { runOps } from './cli.ts';

process.exitCode = await runOps('npm run restore -- <map>', async (config, source) => {
  const started = performance.now();
  const manifest = await restoreDataDir(source, config.dataDir);
  const seconds = (performance.now() - started) / 1000;
  console.log(`Teruggezet / restored: back-up van / backup of ${manifest.createdAt} naar / into ${config.dataDir}`);
  console.log(`  ${manifest.files.length} bestanden / files, ${(backupBytes(manifest) / 1024 ** 2).toFixed(1)} MiB in ${seconds.toFixed(2)} s, alle checksums kloppen / every checksum matches`);
});

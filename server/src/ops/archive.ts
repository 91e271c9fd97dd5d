/**
 * Online backup and restore of a data folder: the SQLite database through SQLite's backup API
 * (one consistent moment, taken while the server keeps writing), the recordings and poster frames
 * that database refers to, and a manifest with the size and SHA-256 of every file. A restore
 * checks every checksum first and writes only into an empty data folder. docs/operations.md.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Db, schemaVersion } from '../db/database.ts';
import { MIGRATIONS } from '../db/migrations.ts';

export const DATABASE_FILE = 'kijkkamer.sqlite';
export const MANIFEST_FILE = 'manifest.json';
const FORMAT = 'kijkkamer-backup';

export interface ManifestFile {
  /** Relative to the data folder (and to the backup folder, which mirrors it). */
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  appVersion: string;
  schemaVersion: number;
  database: ManifestFile;
  files: ManifestFile[];
  /** Files the database referred to that were deleted (consent withdrawn, retention) before they could be copied. */
  missing: string[];
}

/** Something the operator must fix; the message says what, in Dutch and English. */
export class OpsError extends Error {}

/** Copies a file while hashing it, so every byte is read once. */
async function copyHashed(from: string, to: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await mkdir(dirname(to), { recursive: true });
  await pipeline(
    createReadStream(from),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        done(null, chunk);
      },
    }),
    createWriteStream(to, { flags: 'wx' }),
  );
  return { bytes, sha256: hash.digest('hex') };
}

async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** A manifest path may only name a file below the folder: never absolute, never `..`. */
function safeRelative(path: string): string {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`) || clean.includes(`${sep}..${sep}`)) {
    throw new OpsError(`Ongeldig pad in de back-up / invalid path in the backup: ${path}`);
  }
  return clean;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  return (await readdir(dir)).length === 0;
}

/**
 * Backs `dataDir` up into `target` (which must not exist yet, or be empty) while the server runs.
 * The manifest is written last: a folder without one is an unfinished backup.
 */
export async function backupDataDir(dataDir: string, target: string, appVersion: string): Promise<Manifest> {
  const source = join(dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new OpsError(`Geen database in / no database in ${dataDir}`);
  if (!(await isEmptyDir(target))) throw new OpsError(`De doelmap is niet leeg / the target folder is not empty: ${target}`);
  await mkdir(target, { recursive: true });

  const copy = join(target, DATABASE_FILE);
  // Opened for reading only in effect; a read-only connection could not open a WAL database whose server is stopped.
  const live = new Db(source);
  try {
    await live.backup(copy);
  } finally {
    live.close();
  }

  // What to copy besides is what this copy of the database refers to, no more and no less.
  const snapshot = new Db(copy);
  let paths: string[];
  let version: number;
  try {
    const check = snapshot.pragma('integrity_check');
    if (check !== 'ok') throw new OpsError(`De kopie van de database is niet in orde / the database copy is damaged: ${String(check)}`);
    version = schemaVersion(snapshot);
    paths = snapshot
      .prepare<[], { path: string }>('SELECT file_path AS path FROM media WHERE file_path IS NOT NULL UNION SELECT poster_path FROM media WHERE poster_path IS NOT NULL ORDER BY 1')
      .all()
      .map((r) => safeRelative(r.path));
  } finally {
    snapshot.close();
  }

  const files: ManifestFile[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    try {
      files.push({ path, ...(await copyHashed(join(dataDir, path), join(target, path))) });
    } catch (err) {
      // Removed after the database moment (withdrawal, retention): the restored server reports it gone.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.push(path);
    }
  }

  const manifest: Manifest = {
    format: FORMAT,
    version: 1,
    createdAt: new Date().toISOString(),
    appVersion,
    schemaVersion: version,
    database: { path: DATABASE_FILE, ...(await hashFile(copy)) },
    files,
    missing,
  };
  await writeFile(join(target, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  return manifest;
}

export async function readManifest(backupDir: string): Promise<Manifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(backupDir, MANIFEST_FILE), 'utf8'));
  } catch {
    throw new OpsError(`Geen (leesbaar) manifest.json in / no readable manifest.json in ${backupDir}: is the backup complete?`);
  }
  const m = raw as Partial<Manifest>;
  if (m.format !== FORMAT || m.version !== 1 || !m.database || !Array.isArray(m.files)) {
    throw new OpsError(`Dit is geen Kijkkamer-back-up / this is not a Kijkkamer backup: ${backupDir}`);
  }
  return m as Manifest;
}

/** Every file in the manifest is there, with its size and checksum. Returns the problems. */
export async function verifyBackup(backupDir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const file of [manifest.database, ...manifest.files]) {
    const path = join(backupDir, safeRelative(file.path));
    const found = await hashFile(path).catch(() => null);
    if (!found) problems.push(`${file.path}: ontbreekt / missing`);
    else if (found.bytes !== file.bytes || found.sha256 !== file.sha256) problems.push(`${file.path}: beschadigd / damaged (checksum differs)`);
  }
  return problems;
}

/** Restores a verified backup into an empty data folder. */
export async function restoreDataDir(backupDir: string, dataDir: string): Promise<Manifest> {
  const manifest = await readManifest(backupDir);
  const problems = await verifyBackup(backupDir, manifest);
  if (problems.length > 0) throw new OpsError(`De back-up is beschadigd / the backup is damaged:\n  ${problems.join('\n  ')}`);
  const newest = Math.max(...MIGRATIONS.map((m) => m.version));
  if (manifest.schemaVersion > newest) {
    throw new OpsError(`Deze back-up komt van een nieuwere Kijkkamer (schema ${manifest.schemaVersion} > ${newest}) / this backup needs a newer Kijkkamer`);
  }
  if (!(await isEmptyDir(dataDir))) throw new OpsError(`De datamap is niet leeg / the data folder is not empty: ${dataDir}. Restore into an empty folder.`);
  await mkdir(dataDir, { recursive: true });

  for (const file of manifest.files) await copyHashed(join(backupDir, safeRelative(file.path)), join(dataDir, safeRelative(file.path)));
  // The database last, under a temporary name: a data folder with a database is a complete one.
  const partial = join(dataDir, `${DATABASE_FILE}.restoring`);
  const copied = await copyHashed(join(backupDir, DATABASE_FILE), partial);
  if (copied.sha256 !== manifest.database.sha256) {
    await rm(partial, { force: true });
    throw new OpsError('De database veranderde tijdens het terugzetten / the database changed while it was restored');
  }
  await rename(partial, join(dataDir, DATABASE_FILE));
  const restored = new Db(join(dataDir, DATABASE_FILE));
  try {
    const check = restored.pragma('integrity_check');
    if (check !== 'ok') throw new OpsError(`De teruggezette database is niet in orde / the restored database is damaged: ${String(check)}`);
  } finally {
    restored.close();
  }
  return manifest;
}

/** Total bytes of a backup: database and files. */
export const backupBytes = (m: Manifest): number => m.database.bytes + m.files.reduce((n, f) => n + f.bytes, 0);


/**
 * Backup and restore as an operator runs them: the compiled server writing under load (writers
 * on the observations, rooms and consent records created over HTTP), `npm run backup`'s script
 * beside it, the restore script into an empty data folder, and a server on the restored folder —
 * which must hold every note acknowledged before the backup began, every room and consent record
 * confirmed before then, the recording byte for byte, and the participants' sessions.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Consent } from '../../shared/api/media-schemas.ts';
import type { Room } from '../../shared/api/schemas.ts';
import { readObservations } from '../../shared/notes/doc.ts';
import type { Manifest } from '../../server/src/ops/archive.ts';
import { childEnv, killChildren, ROOT, signIn, startChild } from '../helpers/child.ts';
import { FIXTURE, FIXTURE_SHA256, giveConsent, TusClient } from '../helpers/media.ts';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, invite } from '../helpers/scenario.ts';
import { Client, lostWrites, Writer } from '../helpers/writers.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const WRITERS = 4;
const WRITE_EVERY_MS = 50;

/** Runs an ops script of the build as `npm run backup` / `npm run restore` do. */
function ops(script: 'backup' | 'restore', folder: string, dataDir: string): Promise<{ code: number | null; out: string; ms: number }> {
  const started = performance.now();
  const proc = spawn(process.execPath, ['--enable-source-maps', `dist/server/src/ops/${script}.js`, folder], { cwd: ROOT, env: childEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, out, ms: performance.now() - started })));
}

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `kijkkamer-${name}-`));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('backup under write load and restore', () => {
  const dirs: string[] = [];
  const open: TestProvider[] = [];
  afterAll(async () => {
    for (const p of open) p.destroy();
    await killChildren();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('restores every acknowledged note, room, consent record and recording from a backup made while writing', async () => {
    const dataDir = tmp('live');
    const backupRoot = tmp('backups');
    const restoredDir = tmp('restored');
    dirs.push(dataDir, backupRoot, restoredDir);
    const backupDir = join(backupRoot, 'maandag');

    const live = await startChild(dataDir, { KIJKKAMER_ROOM_LIMIT: '10000' });
    const host = await signIn(live.url);
    const room = await createRoom(host, 'Kamer met opname');
    await giveConsent(host, room.id, { allowedRoles: ['klantmanager'] });
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    const guest = new HttpClient(live.url);
    expect((await guest.post(`/api/rooms/${room.id}/join`, { token: (await invite(host, room.id, 'klantmanager')).token, displayName: 'Karin' })).status).toBe(201);

    // Load: writers on the observations, and rooms with consent records made one after another.
    const provider = () => {
      const p = openProvider(host, room.id);
      open.push(p);
      return p;
    };
    const reader = new Client(provider());
    const writers = Array.from({ length: WRITERS }, (_, i) => new Writer(i, provider(), WRITE_EVERY_MS));
    const clients: Client[] = [reader, ...writers];
    await Promise.all(clients.map((c) => synced(c.p)));
    writers.forEach((w, i) => w.start((i * WRITE_EVERY_MS) / WRITERS));
    const allWrites = () => writers.flatMap((w) => w.writes);
    const acknowledged = () => allWrites().filter((w) => clients.some((c) => c !== writers[w.writer] && c.saw(w)));

    const confirmed: { room: Room; consent: Consent }[] = [];
    let loading = true;
    const httpLoad = (async () => {
      for (let i = 0; loading; i++) {
        const r = await createRoom(host, `Kamer ${i}`);
        confirmed.push({ room: r, consent: await giveConsent(host, r.id, { clientLabel: `Cliënt ${i}`, allowedRoles: ['coach'] }) });
      }
    })();

    await until(() => acknowledged().length >= 100 && confirmed.length >= 5, 60_000);
    // What was acknowledged before the backup began must be in it; what came during may be.
    const ackedBefore = acknowledged();
    const roomsBefore = [...confirmed];
    const backup = await ops('backup', backupDir, dataDir);
    const duringBackup = acknowledged().length - ackedBefore.length;
    expect(backup.code, backup.out).toBe(0);
    loading = false;
    await httpLoad;
    for (const w of writers) w.stop();
    for (const p of open.splice(0)) p.destroy();
    live.proc.kill('SIGTERM');
    await live.exited;

    const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.files.map((f) => f.path).sort()).toEqual(readdirSync(join(backupDir, 'media', room.id)).map((f) => `media/${room.id}/${f}`).sort());
    expect(manifest.files.find((f) => f.sha256 === FIXTURE_SHA256)).toBeDefined();
    expect(manifest.missing).toEqual([]);
    const bytes = manifest.database.bytes + manifest.files.reduce((n, f) => n + f.bytes, 0);

    const restore = await ops('restore', backupDir, restoredDir);
    expect(restore.code, restore.out).toBe(0);
    console.log(
      `backup under load: ${bytes} bytes (database ${manifest.database.bytes}, ${manifest.files.length} files) in ${Math.round(backup.ms)} ms ` +
        `(process start included); restore ${Math.round(restore.ms)} ms; ${ackedBefore.length} notes acknowledged before, ${duringBackup} during the backup`,
    );

    const restored = await startChild(restoredDir);
    const again = await signIn(restored.url);
    // Rooms and consent records.
    const rooms = (await again.get<{ rooms: Room[] }>('/api/rooms')).body.rooms;
    for (const { room: r, consent } of roomsBefore) {
      expect(rooms.find((x) => x.id === r.id)).toMatchObject({ title: r.title });
      const overview = await again.get<{ current: Consent; history: Consent[] }>(`/api/rooms/${r.id}/consent`);
      expect(overview.body.current).toEqual(consent);
    }
    // The recording, byte for byte, and the poster frame.
    const video = await fetch(`${restored.url}/api/rooms/${room.id}/media/video`, { headers: { cookie: again.cookieHeader } });
    expect(video.status).toBe(200);
    expect(sha256(new Uint8Array(await video.arrayBuffer()))).toBe(FIXTURE_SHA256);
    expect((await fetch(`${restored.url}/api/rooms/${room.id}/media/poster`, { headers: { cookie: again.cookieHeader } })).status).toBe(200);
    // The participant's session came along: the invited klantmanager is still in the room.
    const guestThere = await fetch(`${restored.url}/api/rooms/${room.id}`, { headers: { cookie: guest.cookieHeader } });
    expect(guestThere.status).toBe(200);
    // Every note acknowledged before the backup began.
    const fresh = openProvider(again, room.id);
    open.push(fresh);
    await synced(fresh);
    const texts = new Map(readObservations(fresh.doc).map((o) => [o.id, o.text]));
    expect(lostWrites(texts, ackedBefore, allWrites())).toEqual([]);
  }, 240_000);

  it('refuses a damaged backup, a data folder that is not empty, and a backup folder in use', async () => {
    const dataDir = tmp('source');
    const backupDir = join(tmp('backups'), 'b');
    dirs.push(dataDir, join(backupDir, '..'));
    const live = await startChild(dataDir);
    const host = await signIn(live.url);
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    expect((await ops('backup', backupDir, dataDir)).code).toBe(0);

    const again = await ops('backup', backupDir, dataDir);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/not empty/);

    const intoLive = await ops('restore', backupDir, dataDir);
    expect(intoLive.code).toBe(1);
    expect(intoLive.out).toMatch(/data folder is not empty/);
    live.proc.kill('SIGTERM');
    await live.exited;

    // One flipped byte in the recording: the restore names the file and writes nothing.
    const damaged = tmp('damaged');
    dirs.push(damaged);
    rmSync(damaged, { recursive: true });
    cpSync(backupDir, damaged, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(damaged, 'manifest.json'), 'utf8')) as Manifest;
    const video = manifest.files.find((f) => f.sha256 === FIXTURE_SHA256)!;
    const bytes = readFileSync(join(damaged, video.path));
    bytes[1000] = bytes[1000]! ^ 0xff;
    writeFileSync(join(damaged, video.path), bytes);
    const target = tmp('target');
    dirs.push(target);
    const refused = await ops('restore', damaged, target);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`${video.path}: beschadigd / damaged`);
    expect(readdirSync(target)).toEqual([]);

    const empty = tmp('empty');
    dirs.push(empty);
    const notABackup = await ops('restore', target, empty);
    expect(notABackup.code).toBe(1);
    expect(notABackup.out).toMatch(/manifest\.json/);
  }, 120_000);
});

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Conversion, MediaInfo } from '../../shared/api/media-schemas.ts';
import type { ServerToClient } from '../../shared/realtime/events.ts';
import type { SpreektijdView } from '../../shared/spreektijd/schemas.ts';
import { HttpClient } from '../helpers/http.ts';
import { filesUnder, FIXTURE, giveConsent, localDay, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket, type TestSocket } from '../helpers/sockets.ts';
import { until } from '../helpers/yjs.ts';

type ErrorBody = { error: { code: string; message: string } };
type Change = Parameters<ServerToClient['media:changed']>[0];

/** An HEVC/AAC MP4 like a phone makes (browsers cannot play it), made here with ffmpeg's test sources. */
async function makeHevc(path: string, seconds: number, size: string): Promise<Buffer> {
  await promisify(execFile)('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1',
    '-c:a', 'aac', '-shortest', path,
  ]);
  return readFileSync(path);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Processes whose command line mentions `text` (an ffmpeg converting this room's file). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) found.push(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

let work: string;
/** 2 s at 160×120: converts in well under a second. */
let shortClip: Buffer;
/** 20 s at 320×240: converts for a few seconds, long enough to stop it midway. */
let longClip: Buffer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kijkkamer-hevc-'));
  [shortClip, longClip] = await Promise.all([makeHevc(join(work, 'short.mp4'), 2, '160x120'), makeHevc(join(work, 'long.mp4'), 20, '320x240')]);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('converting an unplayable video to H.264/AAC', () => {
  let server: TestServer;
  let host: HttpClient;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    // Every test leaves the server's one conversion slot free.
    await server.app.services.media.stopConversions();
  });
  afterAll(() => server.dispose());

  /** A room with consent for the klantmanager and the given clip uploaded. */
  async function roomWith(clip: Uint8Array, name = 'IMG_0042.MOV') {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { allowedRoles: ['klantmanager'] });
    const res = await new TusClient(host, room.id).upload(clip, 256 * 1024, name);
    expect(res.status).toBe(204);
    // The upload starts a speaker analysis, whose ffmpeg reads the file too: once it has finished,
    // the processes this file looks for are the conversion's alone.
    await expect
      .poll(async () => (await host.get<SpreektijdView>(`/api/rooms/${room.id}/spreektijd`)).body.status.state, { timeout: 30_000 })
      .toMatch(/^(done|failed)$/);
    const info = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body;
    return { room, info, dir: join(server.dataDir, 'media', room.id) };
  }

  /** A klantmanager's live connection to the room, recording what it hears about the video. */
  async function listener(roomId: string) {
    const km = await invite(host, roomId, 'klantmanager');
    const { guest } = await joinAsGuest(server, roomId, km.token, 'Karin');
    const socket = roomSocket(guest, roomId);
    sockets.push(socket);
    const conversions: Conversion[] = [];
    const changes: Change[] = [];
    socket.on('media:conversion', (c) => conversions.push(c));
    socket.on('media:changed', (c) => changes.push(c));
    await connected(socket);
    return { guest, conversions, changes };
  }

  const start = (client: HttpClient, roomId: string) => client.post<Conversion & ErrorBody>(`/api/rooms/${roomId}/media/conversion`, {});
  const cancel = (client: HttpClient, roomId: string) => client.del<ErrorBody>(`/api/rooms/${roomId}/media/conversion`);

  it('converts an HEVC upload, shows its progress live and serves the new file', async () => {
    const { room, info, dir } = await roomWith(shortClip);
    expect(info.video).toMatchObject({ videoCodec: 'hevc', audioCodec: 'aac', playability: 'unsupported', sha256: sha256(shortClip) });
    expect(info.conversion).toEqual({ available: true, state: 'idle', percent: 0, error: null });
    const { guest, conversions, changes } = await listener(room.id);
    // Participants may follow it, but not start it.
    expect((await guest.get<Conversion>(`/api/rooms/${room.id}/media/conversion`)).body).toMatchObject({ available: true, state: 'idle' });

    const res = await start(host, room.id);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ available: true, state: 'running', error: null });

    await until(() => changes.some((c) => c.reason === 'converted'), 30_000);
    await until(() => conversions.at(-1)?.state === 'idle');
    expect(conversions[0]).toEqual({ available: true, state: 'running', percent: 0, error: null });
    expect(conversions.at(-2)).toMatchObject({ state: 'running', percent: 100 });
    expect(conversions.at(-1)).toEqual({ available: true, state: 'idle', percent: 0, error: null });
    const percents = conversions.filter((c) => c.state === 'running').map((c) => c.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    const after = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body;
    const video = after.video!;
    expect(video).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', playability: 'playable', container: 'mp4', mimeType: 'video/mp4', fileName: 'IMG_0042.mp4', width: 160, height: 120 });
    expect(video.id).not.toBe(info.video!.id);
    expect(video.sha256).not.toBe(info.video!.sha256);
    expect(video.durationSeconds).toBeCloseTo(2, 0);
    expect(video.createdAt).toBe(info.video!.createdAt);
    expect(after.conversion).toEqual({ available: true, state: 'idle', percent: 0, error: null });
    // Only the new file and its poster are left: no original, no temporary output.
    expect(await filesUnder(dir)).toEqual([`${video.id}.jpg`, `${video.id}.mp4`]);

    const whole = await fetch(`${server.url}${video.src}`, { headers: { cookie: host.cookieHeader } });
    const body = Buffer.from(await whole.arrayBuffer());
    expect(body.byteLength).toBe(video.size);
    expect(sha256(body)).toBe(video.sha256);
    const part = await fetch(`${server.url}${video.src}`, { headers: { cookie: guest.cookieHeader, range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${video.size}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(body.subarray(0, 100));
    // `-movflags +faststart`: the index (moov) comes before the media data.
    expect(body.indexOf('moov')).toBeLessThan(body.indexOf('mdat'));

    // Now browsers play it: nothing more to convert.
    const again = await start(host, room.id);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already play/);
  }, 60_000);

  it('refuses a second start in the room and anywhere on the server, and cancels midway leaving the original', async () => {
    const { room, info, dir } = await roomWith(longClip);
    const other = await roomWith(shortClip);
    const before = await filesUnder(dir);
    const { guest, conversions } = await listener(room.id);

    expect((await start(host, room.id)).status).toBe(202);
    const twice = await start(host, room.id);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toEqual({ code: 'conflict', message: expect.stringMatching(/already being converted/) });
    const elsewhere = await start(host, other.room.id);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.message).toMatch(/converting another video/);
    expect((await host.get<MediaInfo>(`/api/rooms/${other.room.id}/media`)).body.conversion.state).toBe('idle');

    // Only the host: a participant can neither start nor stop it.
    expect((await start(guest, room.id)).status).toBe(403);
    expect((await cancel(guest, room.id)).status).toBe(403);

    await until(() => conversions.some((c) => c.state === 'running' && c.percent > 0), 30_000);
    expect((await guest.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body.conversion).toMatchObject({ state: 'running' });
    expect((await filesUnder(dir)).some((f) => f.endsWith('.converting'))).toBe(true);

    expect((await cancel(host, room.id)).status).toBe(204);
    expect(conversions.at(-1)).toEqual({ available: true, state: 'idle', percent: 0, error: null });
    expect(await filesUnder(dir)).toEqual(before);
    expect(processesMentioning(dir)).toEqual([]);
    const kept = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body;
    expect(kept.video).toMatchObject({ id: info.video!.id, sha256: sha256(longClip), videoCodec: 'hevc', playability: 'unsupported' });
    expect(kept.conversion).toMatchObject({ state: 'idle', error: null });
    const res = await fetch(`${server.url}${kept.video!.src}`, { headers: { cookie: host.cookieHeader } });
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(longClip));

    // Nothing left to cancel; and the server's slot is free again for the other room.
    const none = await cancel(host, room.id);
    expect(none.status).toBe(409);
    expect(none.body.error.message).toMatch(/No conversion is running/);
    expect((await start(host, other.room.id)).status).toBe(202);
    await until(() => processesMentioning(other.dir).length === 0, 30_000);
    await expect.poll(async () => (await host.get<MediaInfo>(`/api/rooms/${other.room.id}/media`)).body.video?.playability, { timeout: 10_000 }).toBe('playable');
  }, 90_000);

  it('reports a failed conversion in Dutch and keeps the original', async () => {
    const { room, info, dir } = await roomWith(shortClip);
    // The stored file went bad on disk after it was measured: ffmpeg cannot read it.
    const stored = join(dir, `${info.video!.id}.mp4`);
    writeFileSync(stored, Buffer.alloc(64 * 1024, 7));
    const before = await filesUnder(dir);
    const { conversions } = await listener(room.id);

    expect((await start(host, room.id)).status).toBe(202);
    await until(() => conversions.at(-1)?.state === 'failed', 30_000);
    const failure = { available: true, state: 'failed', percent: 0, error: { reason: 'ffmpeg', message: expect.stringMatching(/^Het omzetten is mislukt.*oorspronkelijke video is ongewijzigd/) } };
    expect(conversions.at(-1)).toEqual(failure);
    expect(await filesUnder(dir)).toEqual(before);
    const after = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body;
    expect(after.conversion).toEqual(failure);
    expect(after.video).toMatchObject({ id: info.video!.id, playability: 'unsupported' });
  }, 60_000);

  it('says clearly when there is nothing to convert', async () => {
    const empty = await createRoom(host);
    await giveConsent(host, empty.id);
    const none = await start(host, empty.id);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toMatch(/no video to convert/);

    const playable = await roomWith(FIXTURE, 'gesprek.mp4');
    expect(playable.info.video!.playability).toBe('playable');
    const res = await start(host, playable.room.id);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/already play/);

    const byo = await createRoom(host);
    await giveConsent(host, byo.id);
    expect((await host.post(`/api/rooms/${byo.id}/media/byo`, { size: 1000, headTailSha256: 'a'.repeat(64), durationSeconds: 20, fileName: 'x.mp4' })).status).toBe(201);
    const local = await start(host, byo.id);
    expect(local.status).toBe(409);
    expect(local.body.error.message).toMatch(/local copies/);
  });

  it('validates the request', async () => {
    const { room } = await roomWith(shortClip);
    const extra = await host.post<ErrorBody>(`/api/rooms/${room.id}/media/conversion`, { codec: 'hevc' });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/unknown field "codec"/);
    expect((await host.post(`/api/rooms/kamer%20één/media/conversion`, {})).status).toBe(400);
    expect((await host.post(`/api/rooms/no-such-room-at-all/media/conversion`, {})).status).toBe(404);
    expect((await host.request('POST', `/api/rooms/${room.id}/media/conversion`, 'null')).status).toBe(400);
    expect((await new HttpClient(server.url).post(`/api/rooms/${room.id}/media/conversion`, {})).status).toBe(401);
    expect((await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body.conversion.state).toBe('idle');
  });

  it('stops the conversion and leaves nothing behind when the client withdraws consent', async () => {
    const { room, dir } = await roomWith(longClip);
    const { conversions, changes } = await listener(room.id);
    expect((await start(host, room.id)).status).toBe(202);
    await until(() => conversions.some((c) => c.percent > 0), 30_000);

    expect((await host.post(`/api/rooms/${room.id}/consent/withdraw`, { withdrawnOn: localDay() })).status).toBe(201);
    expect(await filesUnder(dir)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    await until(() => changes.some((c) => c.reason === 'withdrawn'));
    expect(changes.some((c) => c.reason === 'converted')).toBe(false);
    const info = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body;
    expect(info).toMatchObject({ hasVideo: false, removed: { reason: 'withdrawn' }, conversion: { state: 'idle', error: null } });
  }, 60_000);

  it('stops the conversion and leaves nothing behind when the room is deleted', async () => {
    const { room, dir } = await roomWith(longClip);
    const { conversions } = await listener(room.id);
    expect((await start(host, room.id)).status).toBe(202);
    await until(() => conversions.some((c) => c.percent > 0), 30_000);

    expect((await host.del(`/api/rooms/${room.id}`)).status).toBe(204);
    expect(await filesUnder(dir)).toEqual([]);
    expect(await filesUnder(join(server.dataDir, 'uploads'))).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    // The slot is free for the next room at once.
    const next = await roomWith(shortClip);
    expect((await start(host, next.room.id)).status).toBe(202);
  }, 60_000);
});

describe('without ffmpeg on the server', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer({ FFMPEG_PATH: join(tmpdir(), 'no-such-dir-kijkkamer', 'ffmpeg') });
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  it('reports the conversion as unavailable and refuses to start it, keeping the advice', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    expect((await new TusClient(host, room.id).upload(shortClip, 256 * 1024, 'telefoon.mov')).status).toBe(204);
    const info = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body;
    // ffprobe still measures it; only what needs ffmpeg (poster, conversion) is missing.
    expect(info.video).toMatchObject({ videoCodec: 'hevc', playability: 'unsupported', posterSrc: null });
    expect(info.conversion).toEqual({ available: false, state: 'idle', percent: 0, error: null });

    const res = await host.post<ErrorBody>(`/api/rooms/${room.id}/media/conversion`, {});
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'conflict', message: expect.stringMatching(/not available on this server.*ffmpeg/) });
    expect(await filesUnder(join(server.dataDir, 'media', room.id))).toEqual([`${info.video!.id}.mp4`]);
  });
});

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../shared/api/media-schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { filesUnder, FIXTURE, giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };
const MAX = 300_000;
const hasFfprobe = (() => {
  try {
    execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('refused uploads leave nothing behind', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer({ KIJKKAMER_MAX_UPLOAD_BYTES: String(MAX) });
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  async function upload(data: Uint8Array, name: string) {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const res = await new TusClient(host, room.id).upload(data, 64 * 1024, name);
    return { room, res };
  }

  async function expectNothingStored(roomId: string) {
    expect(await filesUnder(join(server.dataDir, 'uploads'))).toEqual([]);
    expect(await filesUnder(join(server.dataDir, 'media', roomId))).toEqual([]);
    const info = await host.get<MediaInfo>(`/api/rooms/${roomId}/media`);
    expect(info.body).toMatchObject({ hasVideo: false, video: null });
    expect(await server.app.services.db.prepare('SELECT count(*) AS n FROM media WHERE room_id = ?').get(roomId)).toEqual({ n: 0 });
  }

  it('refuses a file that is not a video, in Dutch, and deletes it', async () => {
    const text = Buffer.from('Dit is een verslag, geen video.\n'.repeat(5000));
    const { room, res } = await upload(text, 'verslag.mp4');
    expect(res.status).toBe(415);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('unsupported_media');
    expect(body.error.message).toMatch(/geen video.*MP4, MOV, WebM en MKV/);
    await expectNothingStored(room.id);
  });

  it('refuses a large non-video at its second chunk, without waiting for the rest', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const tus = new TusClient(host, room.id);
    const url = await tus.start(MAX);
    const text = Buffer.alloc(MAX, 'x');
    expect((await tus.patch(url, 0, text.subarray(0, 64 * 1024))).status).toBe(204);
    const second = await tus.patch(url, 64 * 1024, text.subarray(64 * 1024, 128 * 1024));
    expect(second.status).toBe(415);
    expect(((await second.json()) as ErrorBody).error.message).toMatch(/geen video/);
    expect((await tus.offset(url)).status).toBe(404);
    await expectNothingStored(room.id);
  });

  it('refuses a still image in an ISO container (HEIC) as not a video', async () => {
    const heic = Buffer.alloc(4096);
    heic.write('\x00\x00\x00\x18ftypheic', 0, 'latin1');
    const { room, res } = await upload(heic, 'foto.heic');
    expect(res.status).toBe(415);
    await expectNothingStored(room.id);
  });

  it('checks a file that only looks like a video with ffprobe when the machine has it', async () => {
    // Correct magic bytes (an MP4 ftyp box), then noise.
    const fake = Buffer.concat([FIXTURE.subarray(0, 32), Buffer.alloc(50_000, 7)]);
    const { room, res } = await upload(fake, 'nep.mp4');
    if (hasFfprobe) {
      expect(res.status).toBe(415);
      expect(((await res.json()) as ErrorBody).error.message).toMatch(/kan niet worden gelezen/);
      await expectNothingStored(room.id);
    } else {
      // Without ffprobe only the container is checked; the browser will refuse to play it.
      expect(res.status).toBe(204);
    }
  });

  it('refuses an upload larger than the configured cap before any byte is sent', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const res = await new TusClient(host, room.id).create(MAX + 1);
    expect(res.status).toBe(413);
    await expectNothingStored(room.id);
  });

  it('refuses bytes beyond the declared length', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const tus = new TusClient(host, room.id);
    const url = await tus.start(1000);
    const res = await tus.patch(url, 0, Buffer.alloc(2000, 1));
    expect(res.status).toBe(413);
    expect((await tus.offset(url)).offset).toBe(0);
    expect((await fetch(url, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', cookie: host.cookieHeader } })).status).toBe(204);
    await expectNothingStored(room.id);
  });

  it('refuses an upload without a declared length (deferred length)', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const res = await fetch(`${server.url}/api/rooms/${room.id}/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-defer-length': '1', cookie: host.cookieHeader },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/Upload-Length/);
    await expectNothingStored(room.id);
  });
});

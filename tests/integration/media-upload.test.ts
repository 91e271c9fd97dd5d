import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MediaInfo } from '../../shared/api/media-schemas.ts';
import { HttpClient } from '../helpers/http.ts';
import { filesUnder, FIXTURE, FIXTURE_SHA256, giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };
const hasFfprobe = (() => {
  try {
    execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('resumable upload (tus)', () => {
  let server: TestServer;
  let host: HttpClient;
  let uploads: string;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    uploads = join(server.dataDir, 'uploads');
  });
  afterAll(() => server.dispose());

  /** This upload's files in the tus staging folder (data and info file). */
  const staged = async (url: string) => {
    const id = url.split('/').pop()!;
    return (await filesUnder(uploads)).filter((f) => f.startsWith(id));
  };

  async function roomWithConsent() {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    return room;
  }

  it('uploads in chunks, checksums the whole file, measures it and moves it into the room', async () => {
    const room = await roomWithConsent();
    const tus = new TusClient(host, room.id);
    const url = await tus.start(FIXTURE.byteLength, 'gesprek mevrouw B.mp4');
    expect(url).toMatch(new RegExp(`/api/rooms/${room.id}/uploads/[0-9a-f]{32}$`));
    expect(await tus.offset(url)).toEqual({ status: 200, offset: 0, length: FIXTURE.byteLength });
    for (let offset = 0; offset < FIXTURE.byteLength; offset += 64 * 1024) {
      const res = await tus.patch(url, offset, FIXTURE.subarray(offset, offset + 64 * 1024));
      expect(res.status).toBe(204);
      expect(Number(res.headers.get('upload-offset'))).toBe(Math.min(offset + 64 * 1024, FIXTURE.byteLength));
    }

    const info = await host.get<MediaInfo>(`/api/rooms/${room.id}/media`);
    const video = info.body.video!;
    expect(video).toMatchObject({ mode: 'upload', fileName: 'gesprek mevrouw B.mp4', size: FIXTURE.byteLength, container: 'mp4', mimeType: 'video/mp4', sha256: FIXTURE_SHA256 });
    expect(video.src).toBe(`/api/rooms/${room.id}/media/video`);
    if (hasFfprobe) {
      expect(video).toMatchObject({ width: 320, height: 240, frameRate: 25, videoCodec: 'h264', audioCodec: 'aac', playability: 'playable' });
      expect(video.durationSeconds).toBeCloseTo(20, 1);
      expect(video.posterSrc).toBe(`/api/rooms/${room.id}/media/poster`);
      const poster = await fetch(server.url + video.posterSrc!, { headers: { cookie: host.cookieHeader } });
      expect(poster.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await poster.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    } else {
      expect(video).toMatchObject({ durationSeconds: null, playability: 'unknown', posterSrc: null });
    }
    const stored = await filesUnder(join(server.dataDir, 'media', room.id));
    expect(stored).toContain(`${video.id}.mp4`);
    expect(await staged(url)).toEqual([]);
    // The finished upload is not resumable any more: its URL is gone.
    expect((await tus.offset(url)).status).toBe(404);
  });

  it('resumes after the connection drops mid-PATCH, from the offset the server reports', async () => {
    const room = await roomWithConsent();
    const tus = new TusClient(host, room.id);
    const url = await tus.start(FIXTURE.byteLength);
    expect((await tus.patch(url, 0, FIXTURE.subarray(0, 50_000))).status).toBe(204);

    // A body that sends 40 000 more bytes and then hangs, like a laptop whose lid was closed.
    const abort = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(FIXTURE.subarray(50_000, 90_000));
      },
    });
    const dropped = tus.patch(url, 50_000, body, abort.signal).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 300));
    abort.abort();
    expect(await dropped).toBeInstanceOf(Error);

    const after = await vi.waitFor(
      async () => {
        const head = await tus.offset(url);
        expect(head.status).toBe(200);
        expect(head.offset).toBe(90_000);
        return head;
      },
      { timeout: 8_000, interval: 200 },
    );
    const done = await tus.patch(url, after.offset!, FIXTURE.subarray(after.offset!));
    expect(done.status).toBe(204);
    const info = await host.get<MediaInfo>(`/api/rooms/${room.id}/media`);
    expect(info.body.video?.sha256).toBe(FIXTURE_SHA256);
  });

  it('refuses a PATCH at the wrong offset without touching the upload', async () => {
    const room = await roomWithConsent();
    const tus = new TusClient(host, room.id);
    const url = await tus.start(FIXTURE.byteLength);
    expect((await tus.patch(url, 1000, FIXTURE.subarray(1000, 2000))).status).toBe(409);
    expect((await tus.offset(url)).offset).toBe(0);
  });

  it('lets only the host of the room upload, and keeps uploads inside their room', async () => {
    const room = await roomWithConsent();
    const other = await roomWithConsent();
    const km = await invite(host, room.id, 'klantmanager');
    const { guest } = await joinAsGuest(server, room.id, km.token, 'Karin');
    expect((await new TusClient(guest, room.id).create(1000)).status).toBe(403);
    expect((await new TusClient(new HttpClient(server.url), room.id).create(1000)).status).toBe(401);
    const url = await new TusClient(host, room.id).start(FIXTURE.byteLength);
    const id = url.split('/').pop()!;
    const foreign = await fetch(`${server.url}/api/rooms/${other.id}/uploads/${id}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', cookie: host.cookieHeader } });
    expect(foreign.status).toBe(404);
    const guestPatch = await new TusClient(guest, room.id).patch(url, 0, FIXTURE.subarray(0, 10));
    expect(guestPatch.status).toBe(403);
    expect((await fetch(`${server.url}/api/rooms/${room.id}/uploads/not-an-id`, { method: 'HEAD', headers: { cookie: host.cookieHeader } })).status).toBe(400);
  });

  it('refuses a second video in a room that already has one', async () => {
    const room = await roomWithConsent();
    const tus = new TusClient(host, room.id);
    expect((await tus.upload(FIXTURE)).status).toBe(204);
    const res = await tus.create(FIXTURE.byteLength);
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/already has a video/);
  });

  it('removes a cancelled upload (tus termination) at once', async () => {
    const room = await roomWithConsent();
    const tus = new TusClient(host, room.id);
    const url = await tus.start(FIXTURE.byteLength);
    await tus.patch(url, 0, FIXTURE.subarray(0, 20_000));
    expect(await staged(url)).toHaveLength(2);
    const del = await fetch(url, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', cookie: host.cookieHeader } });
    expect(del.status).toBe(204);
    expect(await staged(url)).toEqual([]);
  });

  it('leaves nothing behind of an abandoned upload once it expires', async () => {
    const room = await roomWithConsent();
    const tus = new TusClient(host, room.id);
    const url = await tus.start(FIXTURE.byteLength);
    await tus.patch(url, 0, FIXTURE.subarray(0, 20_000));
    expect(await staged(url)).toHaveLength(2);
    expect(await server.app.services.media.sweep()).toMatchObject({ uploads: 0 });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 25 * 3_600_000);
      // Every unfinished upload of this file's tests has expired by now, this one among them.
      expect((await server.app.services.media.sweep()).uploads).toBeGreaterThanOrEqual(1);
    } finally {
      vi.useRealTimers();
    }
    expect(await staged(url)).toEqual([]);
    expect((await tus.offset(url)).status).toBe(404);
    expect(existsSync(join(server.dataDir, 'media', room.id))).toBe(false);
  });
});

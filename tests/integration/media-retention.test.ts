import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MediaInfo } from '../../shared/api/media-schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { consentBody, filesUnder, FIXTURE, giveConsent, localDay, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('withdrawal, retention and deletion', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  const count = async (table: string, roomId: string) => ((await server.app.services.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE room_id = ?`).get(roomId)) as { n: number }).n;
  const mediaDir = (roomId: string) => join(server.dataDir, 'media', roomId);

  async function roomWithVideo(retentionUntil = localDay(90)) {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { retentionUntil, allowedRoles: ['klantmanager'] });
    const res = await new TusClient(host, room.id).upload(FIXTURE);
    expect(res.status).toBe(204);
    expect((await filesUnder(mediaDir(room.id))).length).toBeGreaterThanOrEqual(1);
    expect(await count('media', room.id)).toBe(1);
    return room;
  }

  async function expectRemoved(roomId: string, reason: string) {
    expect(await count('media', roomId)).toBe(0);
    expect(existsSync(mediaDir(roomId))).toBe(false);
    const info = await host.get<MediaInfo>(`/api/rooms/${roomId}/media`);
    expect(info.body).toMatchObject({ hasVideo: false, video: null, removed: { reason, at: expect.any(Number) } });
    const res = await host.get<ErrorBody>(`/api/rooms/${roomId}/media/video`);
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('gone');
  }

  it('deletes the video, its poster and unfinished uploads at once when the client withdraws', async () => {
    const room = await roomWithVideo();
    const km = await invite(host, room.id, 'klantmanager');
    const { guest } = await joinAsGuest(server, room.id, km.token, 'Karin');
    expect((await guest.request('GET', `/api/rooms/${room.id}/media/video`, undefined, { range: 'bytes=0-9' })).status).toBe(206);

    const res = await host.post(`/api/rooms/${room.id}/consent/withdraw`, { withdrawnOn: localDay() });
    expect(res.status).toBe(201);
    await expectRemoved(room.id, 'withdrawn');
    expect((await guest.get<ErrorBody>(`/api/rooms/${room.id}/media/video`)).status).toBe(403);
    expect((await guest.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body).toMatchObject({ access: 'no_consent', removed: { reason: 'withdrawn' } });
    // Without consent nothing new can be attached.
    expect((await new TusClient(host, room.id).create(FIXTURE.byteLength)).status).toBe(409);
  });

  it('ends an upload that is still under way when consent is withdrawn', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const tus = new TusClient(host, room.id);
    const url = await tus.start(FIXTURE.byteLength);
    await tus.patch(url, 0, FIXTURE.subarray(0, 30_000));
    const id = url.split('/').pop()!;
    expect((await filesUnder(join(server.dataDir, 'uploads'))).filter((f) => f.startsWith(id))).toHaveLength(2);
    await host.post(`/api/rooms/${room.id}/consent/withdraw`, { withdrawnOn: localDay() });
    expect((await filesUnder(join(server.dataDir, 'uploads'))).filter((f) => f.startsWith(id))).toEqual([]);
    expect((await tus.patch(url, 30_000, FIXTURE.subarray(30_000))).status).toBe(404);
  });

  it('deletes expired videos in the background job, the day after the retention date', async () => {
    const expiring = await roomWithVideo(localDay(0));
    const keeping = await roomWithVideo(localDay(2));
    const byo = await createRoom(host);
    await giveConsent(host, byo.id, { retentionUntil: localDay(0) });
    expect((await host.post(`/api/rooms/${byo.id}/media/byo`, { size: FIXTURE.byteLength, headTailSha256: 'b'.repeat(64), durationSeconds: 20, fileName: 'gesprek.mp4' })).status).toBe(201);

    // On the retention date itself the video is still there.
    await server.app.services.media.sweep();
    expect(await count('media', expiring.id)).toBe(1);

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 86_400_000);
      const result = await server.app.services.media.sweep();
      expect(result.expired).toBe(2);
    } finally {
      vi.useRealTimers();
    }
    await expectRemoved(expiring.id, 'retention');
    expect(await count('media', byo.id)).toBe(0);
    expect(await count('media', keeping.id)).toBe(1);
    expect((await host.get<ErrorBody>(`/api/rooms/${keeping.id}/media/video`)).status).toBe(200);
  });

  it('does not serve an expired video while waiting for the job: the next request deletes it', async () => {
    const room = await roomWithVideo();
    // A version whose retention date lies in the past, as if the days had gone by (the API refuses such dates).
    await server.app.services.consents.give(room.id, { ...consentBody(), retentionUntil: localDay(-1) }, { recordedBy: 'test' });
    expect((await host.get(`/api/rooms/${room.id}/media/video`)).status).toBe(410);
    await expectRemoved(room.id, 'retention');
  });

  it('lets the host remove the video, and a new one clears the notice', async () => {
    const room = await roomWithVideo();
    expect((await host.del(`/api/rooms/${room.id}/media`)).status).toBe(204);
    await expectRemoved(room.id, 'host');
    expect((await host.del(`/api/rooms/${room.id}/media`)).status).toBe(404);
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    expect((await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body).toMatchObject({ hasVideo: true, removed: null });
  });

  it('deletes every file and row of the video with the room', async () => {
    const room = await roomWithVideo();
    const km = await invite(host, room.id, 'klantmanager');
    const { guest } = await joinAsGuest(server, room.id, km.token, 'Karin');
    await guest.post(`/api/rooms/${room.id}/media/plays`, {});
    expect(await count('media_plays', room.id)).toBe(1);
    expect((await host.del(`/api/rooms/${room.id}`)).status).toBe(204);
    expect(existsSync(mediaDir(room.id))).toBe(false);
    for (const table of ['media', 'consents', 'media_plays', 'media_removals']) expect(await count(table, room.id), table).toBe(0);
  });

  it('cleans up folders nothing refers to at start-up', async () => {
    const room = await roomWithVideo();
    const stray = join(server.dataDir, 'media', 'AAAAAAAAAAAAAAAA');
    mkdirSync(stray, { recursive: true });
    writeFileSync(join(stray, 'oud.mp4'), 'x');
    writeFileSync(join(mediaDir(room.id), 'half.mp4'), 'x');
    await server.stop();
    server = await startServer({}, server.dataDir);
    host = await signedInAdmin(server);
    expect(existsSync(stray)).toBe(false);
    expect(await filesUnder(mediaDir(room.id))).not.toContain('half.mp4');
    expect((await host.get(`/api/rooms/${room.id}/media/video`)).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../shared/api/media-schemas.ts';
import { fingerprintBlob } from '../../shared/media/fingerprint.ts';
import { fingerprintFile } from '../../server/src/media/fingerprint.ts';
import type { HttpClient } from '../helpers/http.ts';
import { FIXTURE, FIXTURE_PATH, giveConsent } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('bring-your-own-file mode', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  it('stores only the fingerprint and hands it to those who may watch', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { allowedRoles: ['coach'] });
    const fp = await fingerprintBlob(new Blob([FIXTURE]));
    // The browser's fingerprint (WebCrypto) and the server's (node:crypto) agree.
    expect(fp).toEqual(await fingerprintFile(FIXTURE_PATH));
    const res = await host.post<MediaInfo>(`/api/rooms/${room.id}/media/byo`, { ...fp, durationSeconds: 20, fileName: 'C:\\opnames\\gesprek.mp4' });
    expect(res.status).toBe(201);
    expect(res.body.video).toMatchObject({ mode: 'byo', size: FIXTURE.byteLength, headTailSha256: fp.headTailSha256, durationSeconds: 20, fileName: 'gesprek.mp4', src: null, sha256: null });

    const coach = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen')).guest;
    const collega = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'collega')).token, 'Cor')).guest;
    expect((await coach.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body.video?.headTailSha256).toBe(fp.headTailSha256);
    expect((await collega.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body).toMatchObject({ access: 'role_not_in_consent', video: null });
    // Nothing to stream: there is no file on the server.
    const stream = await coach.get<ErrorBody>(`/api/rooms/${room.id}/media/video`);
    expect(stream.status).toBe(404);
    expect(stream.body.error.message).toMatch(/own copy/);
    // Playback of local copies is logged too.
    expect((await coach.post(`/api/rooms/${room.id}/media/plays`, {})).status).toBe(204);
    const log = await host.get<{ plays: { name: string; mode: string }[] }>(`/api/rooms/${room.id}/media/plays`);
    expect(log.body.plays).toEqual([expect.objectContaining({ name: 'Coen', mode: 'byo' })]);
  });

  it('validates the fingerprint and allows it for the host only', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { allowedRoles: ['coach'] });
    const url = `/api/rooms/${room.id}/media/byo`;
    const good = { size: 1000, headTailSha256: 'a'.repeat(64), durationSeconds: 12.5, fileName: 'x.mp4' };
    for (const [patch, field] of [
      [{ headTailSha256: 'A'.repeat(64) }, /headTailSha256/],
      [{ size: 0 }, /size/],
      [{ durationSeconds: -1 }, /durationSeconds/],
      [{ fileName: '' }, /fileName/],
    ] as const) {
      const res = await host.post<ErrorBody>(url, { ...good, ...patch });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(field);
    }
    const coach = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen')).guest;
    expect((await coach.post(url, good)).status).toBe(403);
    expect((await host.post(url, good)).status).toBe(201);
    expect((await host.post(url, good)).status).toBe(409);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnalysisStatus, SpreektijdView } from '../../shared/spreektijd/schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { FIXTURE, giveConsent, localDay, TusClient } from '../helpers/media.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket } from '../helpers/sockets.ts';
import { analysed, fixtureBytes, makeVideo, spreektijdFixture } from '../helpers/spreektijd.ts';
import { readReference } from '../helpers/spreektijd-score.ts';

const rowsOf = async (server: TestServer, roomId: string) => ({
  analyses: (await server.app.services.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM speaker_analyses WHERE room_id = ?').get(roomId))!.n,
  corrections: (await server.app.services.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM speaker_corrections WHERE room_id = ?').get(roomId))!.n,
});

describe('spreektijd: bad recordings get a clear message, and nothing crashes', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  async function uploaded(bytes: Uint8Array): Promise<string> {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    expect((await new TusClient(host, room.id).upload(bytes, 1 << 20)).status).toBe(204);
    return room.id;
  }

  it('a video without an audio track', async () => {
    const view = await analysed(host, await uploaded(makeVideo('no-audio')));
    expect(view.status).toMatchObject({ state: 'failed', error: { reason: 'no_audio' } });
    expect(view.status.error!.message).toMatch(/geen geluidsspoor/);
    expect(view.turns).toEqual([]);
  });

  it('silence only: done, with no turns at all', async () => {
    const view = await analysed(host, await uploaded(makeVideo('silence')));
    expect(view.status).toMatchObject({ state: 'done', error: null });
    expect(view.turns).toEqual([]);
    expect(view.speakers).toEqual([]);
  });

  it('one speaker only: one voice, all turns hers', async () => {
    const view = await analysed(host, await uploaded(fixtureBytes('one-voice')));
    expect(view.status.state).toBe('done');
    expect(view.speakers.map((s) => s.id)).toEqual(['s1']);
    expect(new Set(view.turns.map((t) => t.speaker))).toEqual(new Set(['s1']));
    // Her sentences follow each other within a second, except at her longer pauses.
    const reference = readReference(spreektijdFixture('one-voice').reference);
    const longGaps = reference.turns.filter((t, i) => i > 0 && t.start - reference.turns[i - 1]!.end >= 1).length;
    expect(view.turns).toHaveLength(longGaps + 1);
  }, 120_000);

  it('five hours of audio: refused with the limit named, without decoding it', async () => {
    const view = await analysed(host, await uploaded(makeVideo('five-hours')));
    expect(view.status).toMatchObject({ state: 'failed', error: { reason: 'too_long' } });
    expect(view.status.error!.message).toMatch(/langer dan 4 uur/);
  }, 120_000);

  it('a room whose participants use their own copy: nothing on the server to analyse', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const byo = { fileName: 'gesprek.mp4', size: FIXTURE.byteLength, durationSeconds: 20, headTailSha256: 'a'.repeat(64) };
    expect((await host.post(`/api/rooms/${room.id}/media/byo`, byo)).status).toBe(201);
    const view = (await host.get<SpreektijdView>(`/api/rooms/${room.id}/spreektijd`)).body;
    expect(view.status).toMatchObject({ state: 'none', available: false });
    const res = await host.post<{ error: { code: string; message: string } }>(`/api/rooms/${room.id}/spreektijd/analysis`, { speakers: 'auto' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/eigen kopie/);
  });

  it('a room without a video', async () => {
    const room = await createRoom(host);
    expect((await host.get<SpreektijdView>(`/api/rooms/${room.id}/spreektijd`)).body.status.state).toBe('none');
    expect((await host.post(`/api/rooms/${room.id}/spreektijd/analysis`, { speakers: 'auto' })).status).toBe(404);
  });
});

describe('spreektijd: the analysis goes with the recording', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  async function analysedRoom(retentionUntil = localDay(90)): Promise<string> {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { retentionUntil });
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    expect((await analysed(host, room.id)).status.state).toBe('done');
    expect((await host.post(`/api/rooms/${room.id}/spreektijd/corrections`, { type: 'name', speaker: 's1', role: 'client', name: 'Mevrouw B.' })).status).toBe(200);
    expect(await rowsOf(server, room.id)).toEqual({ analyses: 1, corrections: 1 });
    return room.id;
  }

  it('is deleted, with the corrections and names, when the client withdraws consent', async () => {
    const roomId = await analysedRoom();
    const socket = roomSocket(host, roomId);
    const changed: number[] = [];
    socket.on('spreektijd:changed', ({ revision }) => changed.push(revision));
    await connected(socket);
    expect((await host.post(`/api/rooms/${roomId}/consent/withdraw`, { withdrawnOn: localDay() })).status).toBe(201);
    expect(await rowsOf(server, roomId)).toEqual({ analyses: 0, corrections: 0 });
    const { until } = await import('../helpers/yjs.ts');
    await until(() => changed.length > 0);
    socket.disconnect();
    const view = (await host.get<SpreektijdView>(`/api/rooms/${roomId}/spreektijd`)).body;
    expect(view).toMatchObject({ status: { state: 'none' }, turns: [], speakers: [] });
  }, 60_000);

  it('is deleted when the retention date passes', async () => {
    const roomId = await analysedRoom(localDay(0));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 86_400_000);
      await server.app.services.media.sweep();
    } finally {
      vi.useRealTimers();
    }
    expect(await rowsOf(server, roomId)).toEqual({ analyses: 0, corrections: 0 });
  }, 60_000);

  it('is deleted when the host removes the video or deletes the room', async () => {
    const first = await analysedRoom();
    expect((await host.del(`/api/rooms/${first}/media`)).status).toBe(204);
    expect(await rowsOf(server, first)).toEqual({ analyses: 0, corrections: 0 });
    const second = await analysedRoom();
    expect((await host.del(`/api/rooms/${second}`)).status).toBe(204);
    expect(await rowsOf(server, second)).toEqual({ analyses: 0, corrections: 0 });
  }, 60_000);
});

describe('spreektijd: a restart never leaves an analysis hanging', () => {
  it('starts an interrupted analysis again when the server comes back', async () => {
    let server = await startServer();
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const socket = roomSocket(host, room.id);
    const running = new Promise<AnalysisStatus>((resolve) => socket.on('spreektijd:progress', (s) => s.state === 'running' && resolve(s)));
    await connected(socket);
    expect((await new TusClient(host, room.id).upload(fixtureBytes('male-female'), 1 << 20)).status).toBe(204);
    await running;
    socket.disconnect();
    await server.stop();
    const interrupted = server.app.services; // closed now; the row stays behind as `running`
    await expect(interrupted.db.schemaVersion()).rejects.toThrow();

    server = await startServer({}, server.dataDir);
    try {
      const again = await signedInAdmin(server);
      const view = await analysed(again, room.id);
      expect(view.status.state).toBe('done');
      expect(view.speakers).toHaveLength(2);
    } finally {
      await server.dispose();
    }
  }, 240_000);
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsentOverview, MediaInfo } from '../../shared/api/media-schemas.ts';
import type { Room, RoomListItem } from '../../shared/api/schemas.ts';
import { THEME_IDS } from '../../shared/kijkwijzer/themes.ts';
import { readObservations } from '../../shared/notes/doc.ts';
import { HttpClient } from '../helpers/http.ts';
import { FIXTURE_SHA256, localDay } from '../helpers/media.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { ADMIN, startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced } from '../helpers/yjs.ts';

const run = promisify(execFile);

describe('demo room', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  async function expectDemo(roomId: string) {
    const info = await host.get<MediaInfo>(`/api/rooms/${roomId}/media`);
    expect(info.body).toMatchObject({ access: 'allowed', hasVideo: true, consent: { status: 'given', isDemo: true }, video: { sha256: FIXTURE_SHA256, mode: 'upload' } });
    const consent = await host.get<ConsentOverview>(`/api/rooms/${roomId}/consent`);
    expect(consent.body.current).toMatchObject({ isDemo: true, allowedRoles: ['onderzoeker', 'klantmanager', 'coach', 'collega', 'client', 'meekijker'] });
    expect((await host.request('GET', `/api/rooms/${roomId}/media/video`, undefined, { range: 'bytes=0-3' })).status).toBe(206);
    await expectObservations(roomId);
  }

  /** Read back over the real y-websocket endpoint, as a participant's browser would see them. */
  async function expectObservations(roomId: string) {
    const p = openProvider(host, roomId);
    try {
      await synced(p);
      const observations = readObservations(p.doc);
      expect(observations.length).toBeGreaterThanOrEqual(3);
      expect(new Set(observations.map((o) => o.kind))).toEqual(new Set(['zie', 'vraag', 'anders']));
      const themes = observations.flatMap((o) => o.themes);
      expect(themes).toEqual(expect.arrayContaining(['emotie', 'weerstand', 'doel']));
      for (const o of observations) {
        expect(THEME_IDS).toEqual(expect.arrayContaining(o.themes));
        expect(o.start).toBeGreaterThanOrEqual(0);
        expect(o.end ?? o.start).toBeLessThanOrEqual(20);
        expect(o.text.length).toBeGreaterThan(20);
        expect(o.role).toBe('begeleider');
      }
    } finally {
      p.destroy();
    }
  }

  it('makes a demo room for a signed-in staff member (POST /api/demo)', async () => {
    expect((await new HttpClient(server.url).post('/api/demo')).status).toBe(401);
    const res = await host.post<Room>('/api/demo');
    expect(res.status).toBe(201);
    expect(res.body.title).toMatch(/^Demo/);
    await expectDemo(res.body.id);
  });

  it('lists the demo room with its poster frame, and a room without a video without one', async () => {
    const demo = (await host.post<Room>('/api/demo')).body;
    const plain = await createRoom(host);
    const rooms = (await host.get<{ rooms: RoomListItem[] }>('/api/rooms')).body.rooms;
    const posterSrc = rooms.find((r) => r.id === demo.id)?.posterSrc;
    expect(posterSrc).toBe(`/api/rooms/${demo.id}/media/poster`);
    expect(rooms.find((r) => r.id === plain.id)?.posterSrc).toBeNull();
    const poster = await host.request('GET', posterSrc!);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    // After a withdrawal the list no longer points at a poster the host would be refused.
    expect((await host.post(`/api/rooms/${demo.id}/consent/withdraw`, { withdrawnOn: localDay() })).status).toBe(201);
    expect((await host.get<{ rooms: RoomListItem[] }>('/api/rooms')).body.rooms.find((r) => r.id === demo.id)?.posterSrc).toBeNull();
  });

  it('makes one for the admin account from the command line (npm run demo), next to a running server', async () => {
    const before = (await host.get<{ rooms: Room[] }>('/api/rooms')).body.rooms.length;
    const { stdout } = await run(process.execPath, ['--enable-source-maps', 'dist/server/src/media/demo.js'], {
      env: { ...process.env, DATA_DIR: server.dataDir, KIJKKAMER_ADMIN_EMAIL: ADMIN.email, KIJKKAMER_ADMIN_PASSWORD: ADMIN.password, PUBLIC_URL: server.url },
    });
    const id = /\/kamer\/([A-Za-z0-9_-]+)/.exec(stdout)?.[1];
    expect(id).toBeDefined();
    const rooms = (await host.get<{ rooms: Room[] }>('/api/rooms')).body.rooms;
    expect(rooms).toHaveLength(before + 1);
    await expectDemo(id!);
  });
});

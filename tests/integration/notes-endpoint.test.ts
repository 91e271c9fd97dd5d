import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addObservation, observationText, readObservations } from '../../shared/notes/doc.ts';
import type { ObservationInit } from '../../shared/notes/doc.ts';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { closeCode, openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const obs = (text: string, start: number): ObservationInit => ({
  start,
  end: null,
  themes: ['weerstand'],
  kind: 'zie',
  text,
  authorId: 'p',
  authorName: 'Karin',
  role: 'klantmanager',
});

describe('the y-websocket endpoint on the real server', () => {
  let server: TestServer;
  let host: HttpClient;
  const open: TestProvider[] = [];
  const provider = (http: HttpClient, name: string) => {
    const p = openProvider(http, name);
    open.push(p);
    return p;
  };
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const p of open) p.destroy();
    await server.dispose();
  });

  it('lets two participants co-edit one observation live', async () => {
    const room = await createRoom(host);
    const { guest: km } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    const a = provider(host, room.id);
    const b = provider(km, room.id);
    await Promise.all([synced(a), synced(b)]);
    const id = addObservation(a.doc, obs('cliënt kijkt weg', 754));
    await until(() => observationText(b.doc, id) !== null);
    observationText(b.doc, id)!.insert(0, '12:34 — ');
    observationText(a.doc, id)!.insert(observationText(a.doc, id)!.length, ' (weerstand?)');
    await until(() => observationText(a.doc, id)!.toString() === observationText(b.doc, id)!.toString() && observationText(a.doc, id)!.toString().includes('12:34'));
    expect(readObservations(b.doc)[0]).toMatchObject({ start: 754, text: '12:34 — cliënt kijkt weg (weerstand?)', themes: ['weerstand'] });
  });

  it("drops a meekijker's updates on the server, while they still receive everyone's", async () => {
    const room = await createRoom(host);
    const { guest: viewer } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'meekijker')).token, 'Mees');
    const writer = provider(host, room.id);
    const reader = provider(viewer, room.id);
    await Promise.all([synced(writer), synced(reader)]);
    addObservation(reader.doc, obs('door meekijker', 1));
    addObservation(writer.doc, obs('door begeleider', 2));
    await until(() => readObservations(reader.doc).some((o) => o.text === 'door begeleider'));
    await new Promise((r) => setTimeout(r, 200));
    expect(readObservations(writer.doc).map((o) => o.text)).toEqual(['door begeleider']);
    const late = provider(host, room.id);
    await synced(late);
    expect(readObservations(late.doc).map((o) => o.text)).toEqual(['door begeleider']);
  });

  it('closes with 4401 without a session, 4403 for staff of another room, 4404 for an unknown room', async () => {
    const room = await createRoom(host);
    expect(await closeCode(provider(new HttpClient(server.url), room.id))).toBe(4401);
    const inv = await host.post<{ token: string }>('/api/staff-invites', {});
    const other = new HttpClient(server.url);
    await other.post('/api/staff-invites/accept', { token: inv.body.token, name: 'Ander', email: 'ander2@kijkkamer.test', password: 'ander-wachtwoord-1' });
    expect(await closeCode(provider(other, room.id))).toBe(4403);
    expect(await closeCode(provider(host, 'AAAAAAAAAAAAAAAA'))).toBe(4404);
    expect(await closeCode(provider(host, `${room.id}/../x`))).toBe(4400);
  });

  it('gives each participant a private document nobody else can open', async () => {
    const room = await createRoom(host);
    const { guest: coach } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen');
    const mine = provider(coach, `${room.id}/private`);
    await synced(mine);
    addObservation(mine.doc, obs('alleen voor mij', 5));
    const hostsPrivate = provider(host, `${room.id}/private`);
    const shared = provider(host, room.id);
    await Promise.all([synced(hostsPrivate), synced(shared)]);
    await new Promise((r) => setTimeout(r, 200));
    expect(readObservations(hostsPrivate.doc)).toEqual([]);
    expect(readObservations(shared.doc)).toEqual([]);
    const again = provider(coach, `${room.id}/private`);
    await synced(again);
    expect(readObservations(again.doc).map((o) => o.text)).toEqual(['alleen voor mij']);
  });

  it('closes the Yjs connection of a revoked participant with 4403, and reconnects writers when permissions change', async () => {
    const room = await createRoom(host);
    const coachInvite = await invite(host, room.id, 'coach');
    const { guest: coach } = await joinAsGuest(server, room.id, coachInvite.token, 'Coen');
    const { guest: viewer } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'meekijker')).token, 'Mees');
    const coachDoc = provider(coach, room.id);
    const viewerDoc = provider(viewer, room.id);
    const hostDoc = provider(host, room.id);
    await Promise.all([synced(coachDoc), synced(viewerDoc), synced(hostDoc)]);

    const revoked = closeCode(coachDoc);
    expect((await host.del(`/api/rooms/${room.id}/invites/${coachInvite.invite.id}`)).status).toBe(204);
    expect(await revoked).toBe(4403);

    const reconnected = new Promise<void>((resolve) => viewerDoc.provider.on('status', (e: { status: string }) => e.status === 'connected' && resolve()));
    expect((await host.put(`/api/rooms/${room.id}/permissions`, { meekijker: { editObservations: true } })).status).toBe(200);
    await reconnected;
    await synced(viewerDoc);
    addObservation(viewerDoc.doc, obs('nu mag de meekijker schrijven', 3));
    await until(() => readObservations(hostDoc.doc).some((o) => o.text === 'nu mag de meekijker schrijven'));
  });

  it('keeps every observation across a server restart', async () => {
    const local = await startServer();
    const admin = await signedInAdmin(local);
    const room = await createRoom(admin);
    const p = openProvider(admin, room.id);
    await synced(p);
    for (let i = 0; i < 20; i++) addObservation(p.doc, obs(`notitie ${i}`, i));
    await until(() => local.app.services.docStore.load(room.id) !== null);
    p.destroy();
    await local.stop();
    const again = await startServer({}, local.dataDir);
    try {
      const fresh = await signedInAdmin(again);
      const q = openProvider(fresh, room.id);
      await synced(q);
      expect(readObservations(q.doc).map((o) => o.text).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `notitie ${i}`).sort());
      q.destroy();
    } finally {
      await again.dispose();
    }
  });

  it('lists, previews and restores versions as a new change', async () => {
    const room = await createRoom(host);
    const p = provider(host, room.id);
    await synced(p);
    addObservation(p.doc, obs('eerste', 1));
    await until(async () => readObservations(await server.app.services.notes.getDoc(room.id)).length === 1);
    const saved = await host.post<{ id: number }>(`/api/rooms/${room.id}/notes/versions`);
    expect(saved.status).toBe(201);
    addObservation(p.doc, obs('tweede', 2));
    await until(async () => readObservations(await server.app.services.notes.getDoc(room.id)).length === 2);
    const preview = await host.get<{ observations: { text: string }[] }>(`/api/rooms/${room.id}/notes/versions/${saved.body.id}`);
    expect(preview.body.observations.map((o) => o.text)).toEqual(['eerste']);
    expect((await host.post(`/api/rooms/${room.id}/notes/versions/${saved.body.id}/restore`)).status).toBe(204);
    await until(() => readObservations(p.doc).length === 1);
    const list = await host.get<{ versions: { label: string }[] }>(`/api/rooms/${room.id}/notes/versions`);
    expect(list.body.versions.map((v) => v.label)).toContain('before-restore');
    expect((await host.get(`/api/rooms/${room.id}/notes/versions/999999`)).status).toBe(404);
    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'C');
    expect((await guest.get(`/api/rooms/${room.id}/notes/versions`)).status).toBe(403);
  });
});

/**
 * A session that ends ends its live connections: sign-out, idle and absolute expiry cut the
 * socket.io connection (`session:ended`, then disconnect) and the Yjs connection (4401) opened
 * with that session — and only those. Use of a live connection counts as activity for the idle
 * deadline, as an HTTP request does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addObservation, readObservations, type ObservationInit } from '../../shared/notes/doc.ts';
import { hashToken } from '../../server/src/ids.ts';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket, type TestSocket } from '../helpers/sockets.ts';
import { closeCode, openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';
import { RawYjs, updateFrame } from '../helpers/yjs-raw.ts';
import * as Y from 'yjs';

const obs = (text: string): ObservationInit => ({ start: 1, end: null, themes: [], kind: 'zie', text, authorId: 'p', authorName: 'P', role: 'begeleider' });

/** The session row behind a client's cookie, read straight from the database. */
function sessionRow(server: TestServer, http: HttpClient, cookie: string): Promise<{ last_seen_at: number; expires_at: number } | undefined> {
  const token = http.cookieHeader.split('; ').find((c) => c.startsWith(`${cookie}=`))!.slice(cookie.length + 1);
  return server.app.services.db
    .prepare<[string], { last_seen_at: number; expires_at: number }>('SELECT last_seen_at, expires_at FROM sessions WHERE token_hash = ?')
    .get(hashToken(token));
}

async function setSession(server: TestServer, http: HttpClient, cookie: string, column: 'last_seen_at' | 'expires_at', value: number): Promise<void> {
  const token = http.cookieHeader.split('; ').find((c) => c.startsWith(`${cookie}=`))!.slice(cookie.length + 1);
  await server.app.services.db.prepare(`UPDATE sessions SET ${column} = ? WHERE token_hash = ?`).run(value, hashToken(token));
  // Changed behind the session store's back: it must read the row again.
  server.app.services.sessions.forget([hashToken(token)]);
}

const ended = (socket: TestSocket) => new Promise<{ code: string; message: string }>((resolve) => socket.once('session:ended', resolve));
const disconnected = (socket: TestSocket) => new Promise<string>((resolve) => socket.once('disconnect', resolve));

describe('a session that ends ends its live connections', () => {
  let server: TestServer;
  const providers: TestProvider[] = [];
  const sockets: TestSocket[] = [];
  const provider = (http: HttpClient, name: string) => {
    const p = openProvider(http, name);
    providers.push(p);
    return p;
  };
  const socket = async (http: HttpClient, roomId: string) => {
    const s = roomSocket(http, roomId);
    sockets.push(s);
    await connected(s);
    return s;
  };
  beforeAll(async () => {
    server = await startServer({ KIJKKAMER_SIGNIN_LIMIT: '1000' });
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    for (const s of sockets) s.disconnect();
    await server.dispose();
  });

  it('sign-out closes that session’s Yjs (4401) and socket.io connections, and nothing it sends after reaches anyone', async () => {
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'collega')).token, 'Cor');
    const hostDoc = provider(host, room.id);
    const guestDoc = provider(guest, room.id);
    await Promise.all([synced(hostDoc), synced(guestDoc)]);
    const hostSocket = await socket(host, room.id);
    expect((await hostSocket.emitWithAck('playhead:join')).ok).toBe(true);

    addObservation(hostDoc.doc, obs('voor het uitloggen'));
    await until(() => readObservations(guestDoc.doc).length === 1);

    const closed = closeCode(hostDoc);
    const endedReason = ended(hostSocket);
    const gone = disconnected(hostSocket);
    expect((await host.post('/api/auth/signout')).status).toBe(204);
    expect(await closed).toBe(4401);
    expect(await endedReason).toMatchObject({ code: 'unauthorised' });
    expect(await gone).toBe('io server disconnect');

    // The hub forgot the connection at once: an update written now stays on the client.
    addObservation(hostDoc.doc, obs('na het uitloggen'));
    const late = provider(await signedInAdmin(server), room.id);
    await synced(late);
    expect(readObservations(late.doc).map((o) => o.text)).toEqual(['voor het uitloggen']);
    expect(readObservations(guestDoc.doc).map((o) => o.text)).toEqual(['voor het uitloggen']);
  });

  it('ends only the session that signed out: the same account in another browser stays connected', async () => {
    const room = await createRoom(await signedInAdmin(server));
    const laptop = await signedInAdmin(server);
    const desktop = await signedInAdmin(server);
    const onLaptop = provider(laptop, room.id);
    const onDesktop = provider(desktop, room.id);
    await Promise.all([synced(onLaptop), synced(onDesktop)]);
    const desktopSocket = await socket(desktop, room.id);

    const closed = closeCode(onLaptop);
    expect((await laptop.post('/api/auth/signout')).status).toBe(204);
    expect(await closed).toBe(4401);

    addObservation(onDesktop.doc, obs('nog verbonden'));
    const check = provider(desktop, room.id);
    await until(() => readObservations(check.doc).some((o) => o.text === 'nog verbonden'));
    expect(desktopSocket.connected).toBe(true);
    expect((await desktopSocket.emitWithAck('playhead:join')).ok).toBe(true);
  });

  it('idle expiry ends a staff member’s connections at the next check', async () => {
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    const doc = provider(host, room.id);
    await synced(doc);
    const hostSocket = await socket(host, room.id);
    // Nothing ends while the session is live.
    expect(await server.app.services.liveSessions.sweep()).toBe(0);
    expect(hostSocket.connected).toBe(true);

    const idleMs = server.app.services.config.staffIdleMinutes * 60_000;
    await setSession(server, host, 'kk_staff', 'last_seen_at', Date.now() - idleMs - 1000);
    const closed = closeCode(doc);
    const endedReason = ended(hostSocket);
    expect(await server.app.services.liveSessions.sweep()).toBe(2);
    expect(await closed).toBe(4401);
    expect(await endedReason).toMatchObject({ code: 'unauthorised' });
    expect(await sessionRow(server, host, 'kk_staff')).toBeUndefined();
  });

  it('absolute expiry ends a guest’s connections, private document included', async () => {
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    const shared = provider(guest, room.id);
    const own = provider(guest, `${room.id}/private`);
    await Promise.all([synced(shared), synced(own)]);
    const guestSocket = await socket(guest, room.id);

    await setSession(server, guest, `kk_room_${room.id}`, 'expires_at', Date.now() - 1000);
    const codes = Promise.all([closeCode(shared), closeCode(own)]);
    const endedReason = ended(guestSocket);
    await server.app.services.liveSessions.sweep();
    expect(await codes).toEqual([4401, 4401]);
    expect(await endedReason).toMatchObject({ code: 'unauthorised' });
    expect((await guest.get(`/api/rooms/${room.id}`)).status).toBe(401);
  });

  it('drops an edit that arrives after its session expired, before the next check would have', async () => {
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    const conn = await RawYjs.open(server.url, room.id, { cookie: host.cookieHeader });
    if (!(conn instanceof RawYjs)) throw new Error('not opened');
    const idleMs = server.app.services.config.staffIdleMinutes * 60_000;
    await setSession(server, host, 'kk_staff', 'last_seen_at', Date.now() - idleMs - 1000);
    const late = new Y.Doc();
    addObservation(late, obs('na het verlopen'));
    conn.send(updateFrame(Y.encodeStateAsUpdate(late)));
    expect(await conn.closed).toBe(4401);
    expect(readObservations(await server.app.services.notes.getDoc(room.id))).toEqual([]);
  });

  it('counts writing through a live connection as activity, so a writer is not signed out mid-sentence', async () => {
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    const doc = provider(host, room.id);
    await synced(doc);
    const hostSocket = await socket(host, room.id);
    expect((await hostSocket.emitWithAck('playhead:join')).ok).toBe(true);

    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await setSession(server, host, 'kk_staff', 'last_seen_at', tenMinutesAgo);
    addObservation(doc.doc, obs('bezig'));
    await until(async () => (await sessionRow(server, host, 'kk_staff'))!.last_seen_at > tenMinutesAgo);

    await setSession(server, host, 'kk_staff', 'last_seen_at', tenMinutesAgo);
    // Background traffic (clock pings) is not activity; a playhead command is.
    expect((await hostSocket.emitWithAck('playhead:clock', { rtt: null })).ok).toBe(true);
    expect((await sessionRow(server, host, 'kk_staff'))!.last_seen_at).toBe(tenMinutesAgo);
    await hostSocket.emitWithAck('playhead:solo', { solo: true });
    expect((await sessionRow(server, host, 'kk_staff'))!.last_seen_at).toBeGreaterThan(tenMinutesAgo);
  });
});

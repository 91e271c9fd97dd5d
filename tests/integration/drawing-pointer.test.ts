import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PointerEvent } from '../../shared/drawing/pointer.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket, type TestSocket } from '../helpers/sockets.ts';

/** The next pointer event this socket receives that satisfies `until`. */
function nextPointer(socket: TestSocket, until: (p: PointerEvent) => boolean = () => true): Promise<PointerEvent> {
  return new Promise((resolve) => {
    const on = (p: PointerEvent) => {
      if (!until(p)) return;
      socket.off('pointer:update', on);
      resolve(p);
    };
    socket.on('pointer:update', on);
  });
}

describe('the live pointer over socket.io', () => {
  let server: TestServer;
  let host: HttpClient;
  const sockets: TestSocket[] = [];
  const open = async (http: HttpClient, roomId: string) => {
    const s = roomSocket(http, roomId);
    sockets.push(s);
    await connected(s);
    return s;
  };

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server.dispose();
  });

  it('passes a position to the others in the room with who sent it (from the session, not the payload), never back, never to another room', async () => {
    const room = await createRoom(host);
    const other = await createRoom(host, 'Een andere kamer');
    const { guest: coach, view } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen');
    const { guest: viewer } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'meekijker')).token, 'Mia');
    const c = await open(coach, room.id);
    const h = await open(host, room.id);
    const m = await open(viewer, room.id);
    const elsewhere = await open(host, other.id);
    const seenElsewhere: PointerEvent[] = [];
    elsewhere.on('pointer:update', (p) => seenElsewhere.push(p));
    const seenByCoach: PointerEvent[] = [];
    c.on('pointer:update', (p) => seenByCoach.push(p));

    const atHost = nextPointer(h);
    const atViewer = nextPointer(m);
    expect(await c.emitWithAck('pointer:update', { kind: 'move', x: 2500, y: 7500 })).toEqual({ ok: true });
    const expected = { kind: 'move', x: 2500, y: 7500, participantId: view.me.participantId, name: 'Coen' };
    expect(await atHost).toEqual(expected);
    expect(await atViewer).toEqual(expected);

    const hidden = nextPointer(h);
    expect(await c.emitWithAck('pointer:update', { kind: 'hide' })).toEqual({ ok: true });
    expect(await hidden).toEqual({ kind: 'hide', participantId: view.me.participantId, name: 'Coen' });
    // A round trip on each socket after the last event: anything misrouted would have arrived.
    await c.emitWithAck('ping:time');
    await elsewhere.emitWithAck('ping:time');
    expect(seenByCoach).toEqual([]);
    expect(seenElsewhere).toEqual([]);
  });

  it('refuses roles that may not annotate, malformed positions and a flood, and relays none of them', async () => {
    const room = await createRoom(host);
    const { guest: viewer } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'meekijker')).token, 'Mia');
    const m = await open(viewer, room.id);
    const h = await open(host, room.id);
    const relayed: PointerEvent[] = [];
    h.on('pointer:update', (p) => relayed.push(p));

    expect(await m.emitWithAck('pointer:update', { kind: 'move', x: 1, y: 1 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const { guest: coach } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen');
    const c = await open(coach, room.id);
    for (const bad of [null, 'hier', { kind: 'move', x: NaN, y: 1 }, { kind: 'move', x: 1.5, y: 1 }, { kind: 'move', x: 1, y: 10_001 }, { kind: 'move', x: 1, y: 1, name: 'Beheerder' }, { kind: 'teleport' }]) {
      expect(await c.emitWithAck('pointer:update', bad as never), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    // Far past the cap in one go: the excess is refused and goes nowhere. What is accepted may
    // still be skipped for a receiver whose connection is busy writing (volatile), never queued.
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => c.emitWithAck('pointer:update', { kind: 'move', x: 5000 + i, y: i })));
    const accepted = new Set(answers.flatMap((a, i) => (a.ok ? [5000 + i] : [])));
    expect(answers.filter((a) => !a.ok && a.error.code === 'rate_limited').length).toBeGreaterThan(0);
    expect(answers.every((a) => a.ok || a.error.code === 'rate_limited')).toBe(true);
    await h.emitWithAck('ping:time');
    await c.emitWithAck('ping:time');
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.filter((p) => p.kind !== 'move' || !accepted.has(p.x) || p.name !== 'Coen')).toEqual([]);
  });

  it('tells the others when a pointing connection goes away, so its pointer does not linger', async () => {
    const room = await createRoom(host);
    const { guest: coach } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen');
    const c = await open(coach, room.id);
    const h = await open(host, room.id);
    const moved = nextPointer(h);
    await c.emitWithAck('pointer:update', { kind: 'move', x: 10, y: 20 });
    await moved;
    const gone = nextPointer(h, (p) => p.kind === 'hide');
    c.disconnect();
    expect((await gone).name).toBe('Coen');
  });
});

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import type { CallLogList } from '../../shared/voice/schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { until } from '../helpers/playhead.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { settledVoice, VoiceClient } from '../helpers/voice.ts';

const OFFER = readFileSync(new URL('../fixtures/voice-offer.sdp', import.meta.url), 'utf8');
const CANDIDATE = {
  candidate: 'candidate:1346948855 1 udp 2122194687 192.0.2.2 33949 typ host generation 0 ufrag l1DX network-id 1',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'l1DX',
};

describe('the call’s signalling over socket.io', () => {
  let server: TestServer;
  let host: HttpClient;
  const clients: VoiceClient[] = [];
  const track = (c: VoiceClient) => (clients.push(c), c);
  const connect = async (http: HttpClient, roomId: string) => track(await VoiceClient.connect(http, roomId));
  const join = async (http: HttpClient, roomId: string) => track(await VoiceClient.join(http, roomId));

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.dispose();
  });

  async function guest(room: Room, role: 'coach' | 'klantmanager' | 'client' | 'meekijker', name: string) {
    const created = await invite(host, room.id, role);
    return { ...(await joinAsGuest(server, room.id, created.token, name)), inviteId: created.invite.id };
  }

  it('shows the call to everyone in the room and relays offers, answers and candidates between its members', async () => {
    const room = await createRoom(host);
    const { guest: coach } = await guest(room, 'coach', 'Coen');
    const { guest: km } = await guest(room, 'klantmanager', 'Karin');
    // Karin is in the room but not (yet) in the call: she sees who is.
    const k = await connect(km, room.id);
    expect(await k.emit('voice:status')).toEqual({ ok: true, value: { peers: [], settings: { pauseOnTalk: false } } });

    const h = await join(host, room.id);
    const c = await join(coach, room.id);
    expect(h.joined!.iceServers).toEqual([]);
    expect(c.joined!.peers.map((p) => p.name)).toEqual(['Beheerder', 'Coen']);
    await settledVoice(h, c, k);
    expect(k.latestPeers!.map((p) => ({ name: p.name, role: p.role, muted: p.muted, camera: p.camera, away: p.away }))).toEqual([
      { name: 'Beheerder', role: 'begeleider', muted: false, camera: false, away: false },
      { name: 'Coen', role: 'coach', muted: false, camera: false, away: false },
    ]);

    const offer = { to: h.peerId, kind: 'description', description: { type: 'offer', sdp: OFFER } };
    expect(await c.emit('voice:signal', offer)).toEqual({ ok: true });
    expect(await h.emit('voice:signal', { to: c.peerId, kind: 'description', description: { type: 'answer', sdp: OFFER } })).toEqual({ ok: true });
    expect(await c.emit('voice:signal', { to: h.peerId, kind: 'candidate', candidate: CANDIDATE })).toEqual({ ok: true });
    expect(await c.emit('voice:signal', { to: h.peerId, kind: 'candidate', candidate: null })).toEqual({ ok: true });
    await settledVoice(h, c, k);
    expect(h.signals).toEqual([
      { from: c.peerId, kind: 'description', description: { type: 'offer', sdp: OFFER } },
      { from: c.peerId, kind: 'candidate', candidate: CANDIDATE },
      { from: c.peerId, kind: 'candidate', candidate: null },
    ]);
    expect(c.signals).toEqual([{ from: h.peerId, kind: 'description', description: { type: 'answer', sdp: OFFER } }]);
    expect(k.signals).toEqual([]);

    // Mute and camera reach everyone's list.
    expect(await c.emit('voice:state', { muted: true, camera: true })).toEqual({ ok: true });
    await settledVoice(k);
    expect(k.latestPeers!.find((p) => p.name === 'Coen')).toMatchObject({ muted: true, camera: true });
    c.close();
    await until(() => k.latestPeers?.length === 1, 'Coen left the call');
  });

  it('answers bad signalling with an error and relays none of it: malformed SDP or candidates, other rooms, strangers to the call', async () => {
    const room = await createRoom(host);
    const other = await createRoom(host, 'Een andere kamer');
    const { guest: coach } = await guest(room, 'coach', 'Coen');
    const { guest: elsewhere } = await guest(other, 'coach', 'Els');
    const h = await join(host, room.id);
    const c = await join(coach, room.id);
    const e = await join(elsewhere, other.id);
    const notInCall = await connect(host, room.id);

    const bad: [string, unknown, string][] = [
      ['no payload', undefined, 'bad_request'],
      ['garbage', 'v=0', 'bad_request'],
      ['SDP without v=0', { to: h.peerId, kind: 'description', description: { type: 'offer', sdp: OFFER.slice(5) } }, 'bad_request'],
      ['SDP with a data channel', { to: h.peerId, kind: 'description', description: { type: 'offer', sdp: `${OFFER}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n` } }, 'bad_request'],
      ['SDP with markup', { to: h.peerId, kind: 'description', description: { type: 'answer', sdp: `${OFFER}<img src=x onerror=alert(1)>\r\n` } }, 'bad_request'],
      ['a pranswer', { to: h.peerId, kind: 'description', description: { type: 'pranswer', sdp: OFFER } }, 'bad_request'],
      ['a candidate that is not one', { to: h.peerId, kind: 'candidate', candidate: { ...CANDIDATE, candidate: 'candidate:x' } }, 'bad_request'],
      ['a candidate with a forged sender', { to: h.peerId, from: c.peerId, kind: 'candidate', candidate: null }, 'bad_request'],
      ['a peer of another room', { to: e.peerId, kind: 'candidate', candidate: CANDIDATE }, 'not_found'],
      ['oneself', { to: c.peerId, kind: 'candidate', candidate: CANDIDATE }, 'bad_request'],
    ];
    for (const [what, payload, code] of bad) {
      const ack = payload === undefined ? await c.emit('voice:signal') : await c.emit('voice:signal', payload);
      expect(ack, what).toMatchObject({ ok: false, error: { code, message: expect.any(String) } });
    }
    // Someone in the room but not in the call cannot reach its members either.
    expect(await notInCall.emit('voice:signal', { to: h.peerId, kind: 'candidate', candidate: CANDIDATE })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // The other room's member cannot reach into this room's call.
    expect(await e.emit('voice:signal', { to: h.peerId, kind: 'candidate', candidate: CANDIDATE })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    for (const [event, payload] of [
      ['voice:join', { muted: 'nee', camera: false, resume: null }],
      ['voice:state', { muted: true }],
      ['voice:activity', { speaking: 1 }],
      ['voice:settings', { pauseOnTalk: 'aan' }],
    ] as const) {
      expect(await c.emit(event, payload), event).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    await settledVoice(h, c, e, notInCall);
    expect(h.signals).toEqual([]);
    expect(e.signals).toEqual([]);
    expect(notInCall.signals).toEqual([]);
  });

  it('rate-limits a flood: what is refused never reaches the other peer', async () => {
    const room = await createRoom(host);
    const { guest: coach } = await guest(room, 'coach', 'Coen');
    const h = await join(host, room.id);
    const c = await join(coach, room.id);
    const acks = await Promise.all(Array.from({ length: 400 }, () => c.emit('voice:signal', { to: h.peerId, kind: 'candidate', candidate: CANDIDATE })));
    const accepted = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
    expect(limited).toBeGreaterThan(0);
    expect(accepted + limited).toBe(400);
    await settledVoice(h);
    expect(h.signals).toHaveLength(accepted);
  });

  it('lets only the host switch pause-on-talk, tells the whole room and keeps it', async () => {
    const room = await createRoom(host);
    const { guest: coach } = await guest(room, 'coach', 'Coen');
    const c = await connect(coach, room.id);
    const h = await connect(host, room.id);
    expect(await c.emit('voice:settings', { pauseOnTalk: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.emit('voice:settings', { pauseOnTalk: true })).toEqual({ ok: true });
    await settledVoice(c);
    expect(c.settings).toEqual([{ pauseOnTalk: true }]);
    const later = await connect(coach, room.id);
    expect(await later.emit('voice:status')).toMatchObject({ ok: true, value: { settings: { pauseOnTalk: true } } });
  });

  it('drops a participant whose invite is revoked from the call at once, and logs who was in the call and when', async () => {
    const room = await createRoom(host);
    const { guest: coach, inviteId } = await guest(room, 'coach', 'Coen');
    const { guest: km } = await guest(room, 'klantmanager', 'Karin');
    const h = await join(host, room.id);
    const c = await join(coach, room.id);
    const k = await join(km, room.id);
    await settledVoice(h);
    expect(h.latestPeers).toHaveLength(3);

    expect((await host.del(`/api/rooms/${room.id}/invites/${inviteId}`)).status).toBe(204);
    await until(() => h.latestPeers?.length === 2, 'Coen out of the call');
    expect(h.latestPeers!.map((p) => p.name)).toEqual(['Beheerder', 'Karin']);
    // Not "away": there is no coming back.
    expect(h.latestPeers!.every((p) => !p.away)).toBe(true);
    expect(await k.emit('voice:signal', { to: c.peerId, kind: 'candidate', candidate: CANDIDATE })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const log = await host.get<CallLogList>(`/api/rooms/${room.id}/voice/log`);
    expect(log.status).toBe(200);
    expect(log.headers.get('cache-control')).toBe('private, no-store');
    expect(log.body.entries.map((e) => [e.name, e.role, e.leftAt === null])).toEqual([
      ['Beheerder', 'begeleider', true],
      ['Coen', 'coach', false],
      ['Karin', 'klantmanager', true],
    ]);
    const coen = log.body.entries[1]!;
    expect(coen.leftAt!).toBeGreaterThanOrEqual(coen.joinedAt);
    // Only who may see access logs reads it.
    expect((await km.get(`/api/rooms/${room.id}/voice/log`)).status).toBe(403);
  });

  it('keeps a peer whose connection dropped in the call, with its peer id, when it comes back with its resume token', async () => {
    const room = await createRoom(host);
    const { guest: coach } = await guest(room, 'coach', 'Coen');
    const h = await join(host, room.id);
    const c = await join(coach, room.id);
    const { peerId, resume } = c.joined!;

    // The network goes: the transport closes under the socket.
    c.socket.io.engine.close();
    await until(() => h.latestPeers?.find((p) => p.peerId === peerId)?.away === true, 'Coen away');
    expect(await h.emit('voice:signal', { to: peerId, kind: 'candidate', candidate: CANDIDATE })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const back = await connect(coach, room.id);
    const joined = await back.join(resume);
    expect(joined.peerId).toBe(peerId);
    await settledVoice(h);
    expect(h.latestPeers!.map((p) => [p.name, p.away])).toEqual([
      ['Beheerder', false],
      ['Coen', false],
    ]);
    expect(await h.emit('voice:signal', { to: peerId, kind: 'candidate', candidate: CANDIDATE })).toEqual({ ok: true });
    await settledVoice(back);
    expect(back.signals).toHaveLength(1);
    // Someone else's token takes nobody's place.
    const { guest: km } = await guest(room, 'klantmanager', 'Karin');
    const k = await connect(km, room.id);
    expect((await k.join(resume)).peerId).not.toBe(peerId);
    // Still one stay in the access log for Coen.
    const log = await host.get<CallLogList>(`/api/rooms/${room.id}/voice/log`);
    expect(log.body.entries.filter((e) => e.name === 'Coen')).toHaveLength(1);
  });

  it('moves the call to the newest tab of the same person', async () => {
    const room = await createRoom(host);
    const first = await join(host, room.id);
    const second = await join(host, room.id);
    await settledVoice(first, second);
    expect(first.ended).toEqual([{ reason: 'elsewhere' }]);
    expect(second.latestPeers!.map((p) => p.peerId)).toEqual([second.peerId]);
  });

  it('ends the call when the room is deleted, and the access log goes with the room', async () => {
    const room = await createRoom(host);
    const { guest: coach } = await guest(room, 'coach', 'Coen');
    const h = await join(host, room.id);
    const c = await join(coach, room.id);
    await settledVoice(h, c);
    const rows = server.app.services.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM call_log WHERE room_id = ?');
    expect(await rows.get(room.id)).toEqual({ n: 2 });
    expect((await host.del(`/api/rooms/${room.id}`)).status).toBe(204);
    await until(() => !c.socket.connected && !h.socket.connected, 'both disconnected');
    expect(await rows.get(room.id)).toEqual({ n: 0 });
  });
});

describe('the call’s access log across a restart', () => {
  it('gives lines still open when the server stopped the restart’s time as their end', async () => {
    const first = await startServer();
    const host = await signedInAdmin(first);
    const room = await createRoom(host);
    const h = await VoiceClient.join(host, room.id);
    const open = first.app.services.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM call_log WHERE left_at IS NULL');
    expect(await open.get()).toEqual({ n: 1 });
    h.close();
    await until(async () => (await open.get())!.n === 0, 'closed on leaving');
    // As if the process had died (kill -9) before writing the end: the line is open in the database.
    await first.app.services.db.prepare('UPDATE call_log SET left_at = NULL').run();
    await first.stop();
    const before = Date.now();
    const second = await startServer({}, first.dataDir);
    try {
      const log = await (await signedInAdmin(second)).get<CallLogList>(`/api/rooms/${room.id}/voice/log`);
      expect(log.body.entries).toHaveLength(1);
      expect(log.body.entries[0]!.leftAt).toBeGreaterThanOrEqual(before);
    } finally {
      await second.dispose();
    }
  });
});

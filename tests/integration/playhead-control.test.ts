import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { PlayheadPeer, settled, until } from '../helpers/playhead.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('shared playhead: permissions, presenter mode, bad input, buffering, looking alone', () => {
  let server: TestServer;
  let host: HttpClient;
  const peers: PlayheadPeer[] = [];
  const join = async (http: HttpClient, roomId: string) => {
    const peer = await PlayheadPeer.join(http, roomId);
    peers.push(peer);
    return peer;
  };
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const p of peers) p.close();
    await server.dispose();
  });

  async function guest(room: Room, role: 'coach' | 'klantmanager' | 'collega' | 'meekijker' | 'client', name: string): Promise<HttpClient> {
    return (await joinAsGuest(server, room.id, (await invite(host, room.id, role)).token, name)).guest;
  }

  it('refuses commands from roles without controlPlayback (meekijker, collega, cliënt) and changes nothing', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const others: PlayheadPeer[] = [];
    for (const [role, name] of [['meekijker', 'Mees'], ['collega', 'Cor'], ['client', 'Clara']] as const) {
      const p = await join(await guest(room, role, name), room.id);
      others.push(p);
      for (const command of [{ type: 'play' }, { type: 'seek', position: 3 }, { type: 'rate', rate: 2 }]) {
        expect(await p.command(command)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
      expect(await p.emit('playhead:media', { duration: 20, frameRate: 25 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      // While everyone steers there is nobody to ask, but the role is the first reason to refuse.
      expect(await p.emit('playhead:control', { action: 'request' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    await settled(h, ...others);
    expect(h.states).toEqual([]);
    expect(h.latest.version).toBe(0);
  });

  it('lets the host switch to presenter mode, refuses others, and hands control over on request', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const c = await join(await guest(room, 'coach', 'Coen'), room.id);
    const k = await join(await guest(room, 'klantmanager', 'Karin'), room.id);
    const m = await join(await guest(room, 'meekijker', 'Mees'), room.id);

    expect(await c.emit('playhead:mode', { mode: 'presenter' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.emit('playhead:mode', { mode: 'presenter' })).toEqual({ ok: true });
    await settled(h, c, k);
    expect(c.room).toMatchObject({ mode: 'presenter', presenter: { name: 'Beheerder' }, requests: [] });

    expect(await c.command({ type: 'play' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await h.command({ type: 'play' })).toMatchObject({ ok: true });

    expect(await c.emit('playhead:control', { action: 'request' })).toEqual({ ok: true });
    expect(await m.emit('playhead:control', { action: 'request' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await settled(h);
    expect(h.room!.requests.map((r) => r.name)).toEqual(['Coen']);

    const coachId = h.room!.requests[0]!.participantId;
    // Only the presenter (or the host) hands over, and only to someone who may steer.
    expect(await k.emit('playhead:control', { action: 'handover', to: coachId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.emit('playhead:control', { action: 'handover', to: 'nobody-here' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await h.emit('playhead:control', { action: 'handover', to: coachId })).toEqual({ ok: true });
    await settled(h, c, k);
    expect(k.room).toMatchObject({ presenter: { name: 'Coen' }, requests: [] });

    expect(await c.command({ type: 'pause' })).toMatchObject({ ok: true });
    expect(await k.command({ type: 'play' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // The host can always take over, so a room is never locked out of its own video.
    expect(await h.command({ type: 'seek', position: 2 })).toMatchObject({ ok: true });
    expect(h.logs.map((e) => [e.actor?.name, e.action, e.value])).toEqual([
      ['Beheerder', 'mode', 'presenter'],
      ['Beheerder', 'play', null],
      ['Beheerder', 'control', 'Coen'],
      ['Coen', 'pause', null],
      ['Beheerder', 'seek', null],
    ]);

    expect(await h.emit('playhead:mode', { mode: 'everyone' })).toEqual({ ok: true });
    expect(await k.command({ type: 'play' })).toMatchObject({ ok: true });
  });

  it('answers malformed or out-of-range messages with bad_request and changes nothing', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const bad: [string, unknown][] = [
      ['playhead:command', null],
      ['playhead:command', 'play'],
      ['playhead:command', []],
      ['playhead:command', { type: 'explode' }],
      ['playhead:command', { type: 'seek' }],
      ['playhead:command', { type: 'seek', position: '12' }],
      ['playhead:command', { type: 'seek', position: null }],
      ['playhead:command', { type: 'rate', rate: 4 }],
      ['playhead:command', { type: 'rate', rate: 0.1 }],
      ['playhead:command', { type: 'step', frames: 0.5 }],
      ['playhead:command', { type: 'step', frames: 0 }],
      ['playhead:command', { type: 'jump', seconds: 0 }],
      ['playhead:clock', { rtt: -1 }],
      ['playhead:clock', { rtt: 'fast' }],
      ['playhead:clock', 42],
      ['playhead:buffer', { state: 'sleepy', version: 1 }],
      ['playhead:buffer', { state: 'ready', version: -1 }],
      ['playhead:buffer', { state: 'ready', version: 1.5 }],
      ['playhead:solo', { solo: 'yes' }],
      ['playhead:position', { position: -3, paused: true, rate: 1 }],
      ['playhead:position', { position: 3, paused: true, rate: 9 }],
      ['playhead:mode', { mode: 'dictator' }],
      ['playhead:control', { action: 'grab' }],
      ['playhead:control', { action: 'handover', to: '../../etc' }],
      ['playhead:media', { duration: 0, frameRate: 25 }],
      ['playhead:media', { duration: 1e12, frameRate: 25 }],
      ['playhead:media', { duration: 20, frameRate: 1000 }],
      ['playhead:media', { duration: 20 }],
    ];
    for (const [event, payload] of bad) {
      const ack = await h.emit(event, payload);
      expect(ack, `${event} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    // JSON has no NaN or Infinity: socket.io sends null, which is refused the same way.
    expect(await h.command({ type: 'seek', position: Number.NaN })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    // Without an ack, or with no payload at all, the server neither answers nor falls over.
    (h.socket.emit as (e: string, ...a: unknown[]) => void)('playhead:command', { type: 'rate', rate: 99 });
    (h.socket.emit as (e: string, ...a: unknown[]) => void)('playhead:command');
    expect(await h.emit('playhead:command')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    await settled(h);
    expect(h.states).toEqual([]);
    expect(h.logs).toEqual([]);
    expect(await h.command({ type: 'play' })).toMatchObject({ ok: true, value: { version: 1 } });
  });

  it('refuses playhead messages before joining', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const { roomSocket, connected } = await import('../helpers/sockets.ts');
    const raw = roomSocket(host, room.id);
    await connected(raw);
    const ack = await new Promise((resolve) => (raw.emit as (e: string, ...a: unknown[]) => void)('playhead:command', { type: 'play' }, resolve));
    expect(ack).toMatchObject({ ok: false, error: { code: 'conflict' } });
    raw.disconnect();
    await settled(h);
    expect(h.states).toEqual([]);
  });

  it('rate-limits a flood of messages without falling over', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const acks = await Promise.all(Array.from({ length: 300 }, () => h.emit('playhead:clock', { rtt: null })));
    const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
    expect(limited).toBeGreaterThan(0);
    // The burst (60, one spent on joining) gets through; the rest only as the bucket refills.
    expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(59);
    // A moment later the bucket has refilled and the connection works as before.
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.command({ type: 'play' })).toMatchObject({ ok: true });
  });

  it('waits for someone stalled longer than the grace time, then resumes when they are ready', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const c = await join(await guest(room, 'coach', 'Coen'), room.id);
    await h.command({ type: 'play' });
    await settled(h, c);
    const playing = h.latest;

    // A short hiccup (well inside the 1 s grace time) holds nobody.
    await c.emit('playhead:buffer', { state: 'stalled', version: playing.version });
    await new Promise((r) => setTimeout(r, 200));
    await c.emit('playhead:buffer', { state: 'ready', version: playing.version });
    await new Promise((r) => setTimeout(r, 1200));
    await settled(h, c);
    expect(h.latest.version).toBe(playing.version);

    // A real stall does: the room pauses, says whom it waits for, and logs it.
    await c.emit('playhead:buffer', { state: 'stalled', version: playing.version });
    await until(() => h.latest.paused, 'the room to wait', 5000);
    await until(() => (h.room?.waitingFor ?? []).some((p) => p.name === 'Coen'), 'waitingFor to name Coen');
    expect(h.logs.at(-1)).toMatchObject({ actor: null, action: 'wait', value: 'Coen' });
    const waited = h.latest;

    await c.emit('playhead:buffer', { state: 'ready', version: waited.version });
    await until(() => !h.latest.paused, 'the room to resume');
    expect(h.latest.position).toBe(waited.position);
    expect(h.logs.at(-1)).toMatchObject({ actor: null, action: 'resume' });
    await until(() => h.room?.waitingFor.length === 0, 'waitingFor to empty');
  });

  it('lets a person who acts play past someone buffering, without the barrier pausing again for them', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const c = await join(await guest(room, 'coach', 'Coen'), room.id);
    await h.command({ type: 'play' });
    await settled(h, c);
    await c.emit('playhead:buffer', { state: 'stalled', version: h.latest.version });
    await until(() => h.latest.paused, 'the room to wait', 5000);
    expect(await h.command({ type: 'play' })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 500));
    await settled(h, c);
    expect(h.latest.paused).toBe(false);
    expect(h.logs.map((e) => e.action)).toEqual(['play', 'wait', 'play']);
  });

  it('stops counting a participant who leaves the playhead (their video went away) while staying in the room', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const c = await join(await guest(room, 'coach', 'Coen'), room.id);
    await h.command({ type: 'play' });
    expect(await c.emit('playhead:leave')).toEqual({ ok: true });
    const seek = await h.command({ type: 'seek', position: 6 });
    const version = (seek as { value: { version: number } }).value.version;
    await h.emit('playhead:buffer', { state: 'ready', version });
    await until(() => h.latest.version === version + 1 && !h.latest.paused, 'resume without the one who left');
    // Left the playhead: no more states; still in the room, so joining again works.
    const seen = c.states.length;
    await h.command({ type: 'pause' });
    await settled(h, c);
    expect(c.states.length).toBe(seen);
    expect(await c.emit('playhead:join')).toMatchObject({ ok: true });
  });

  it('shows who looks on their own, and leaves them out of the barrier and the seek wait', async () => {
    const room = await createRoom(host);
    const h = await join(host, room.id);
    const c = await join(await guest(room, 'coach', 'Coen'), room.id);
    expect(await c.emit('playhead:position', { position: 3, paused: true, rate: 1 })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await c.emit('playhead:solo', { solo: true })).toEqual({ ok: true });
    expect(await c.emit('playhead:position', { position: 8.5, paused: true, rate: 1 })).toEqual({ ok: true });
    await settled(h);
    expect(h.room!.outOfSync).toMatchObject([{ name: 'Coen', position: 8.5, paused: true, rate: 1 }]);

    // A seek while playing waits only for those following the group.
    await h.command({ type: 'play' });
    const seek = await h.command({ type: 'seek', position: 2 });
    const version = (seek as { value: { version: number } }).value.version;
    await h.emit('playhead:buffer', { state: 'ready', version });
    await until(() => h.latest.version === version + 1 && !h.latest.paused, 'resume without the solo viewer');

    // Their stalls hold nobody.
    await c.emit('playhead:buffer', { state: 'stalled', version: h.latest.version });
    await new Promise((r) => setTimeout(r, 1300));
    await settled(h);
    expect(h.latest.paused).toBe(false);

    expect(await c.emit('playhead:solo', { solo: false })).toEqual({ ok: true });
    await settled(h);
    expect(h.room!.outOfSync).toEqual([]);
  });
});

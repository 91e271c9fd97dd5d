import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { expectedPosition, frameCentre, governingState } from '../../shared/playhead/index.ts';
import type { HttpClient } from '../helpers/http.ts';
import { PlayheadPeer, settled, until } from '../helpers/playhead.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('shared playhead over socket.io: convergence, conflicts, snapshots', () => {
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

  async function roomWithGuests(): Promise<{ room: Room; coach: HttpClient; km: HttpClient }> {
    const room = await createRoom(host);
    const { guest: coach } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen');
    const { guest: km } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    return { room, coach, km };
  }

  it('starts paused at 0 and brings every participant to the identical state after a series of commands', async () => {
    const { room, coach, km } = await roomWithGuests();
    const all = [await join(host, room.id), await join(coach, room.id), await join(km, room.id)];
    const [h, c, k] = all as [PlayheadPeer, PlayheadPeer, PlayheadPeer];
    expect(h.snapshot!.states.at(-1)).toMatchObject({ version: 0, paused: true, position: 0, rate: 1, frameRate: 25, duration: null });

    expect(await h.command({ type: 'play' })).toMatchObject({ ok: true, value: { version: 1 } });
    expect(await c.command({ type: 'rate', rate: 1.5 })).toMatchObject({ ok: true, value: { version: 2 } });
    expect(await k.command({ type: 'jump', seconds: -5 })).toMatchObject({ ok: true });
    expect(await h.command({ type: 'step', frames: 1 })).toMatchObject({ ok: true });
    await settled(...all);

    const final = h.latest;
    for (const p of all) expect(p.latest).toEqual(final);
    expect(final.paused).toBe(true);
    expect(final.rate).toBe(1.5);
    // Everyone rests on one frame centre.
    expect(final.position * 25 - Math.floor(final.position * 25)).toBeCloseTo(0.5, 9);
    // Every peer saw every version, in order.
    for (const p of all) expect(p.states.map((s) => s.version)).toEqual(h.states.map((s) => s.version));
  });

  it('schedules a play ahead by what the clients report: half the round trip, its spread and the start latency', async () => {
    const { room } = await roomWithGuests();
    const h = await join(host, room.id);
    const ping = await h.emit<{ t1: number; t2: number }>('playhead:clock', { rtt: 200, rttSpread: 10, startLatency: 50, seekLatency: 300 });
    const serverTime = ping.ok ? ping.value!.t1 : Number.NaN;
    const ack = await h.command({ type: 'play' });
    expect(ack.ok).toBe(true);
    const { effectiveAt } = (ack as { value: { effectiveAt: number } }).value;
    // 100 + 10 + 50 + the 25 ms margin, counted from the command's arrival (a little after the ping's).
    expect(effectiveAt - serverTime).toBeGreaterThanOrEqual(185);
    expect(effectiveAt - serverTime).toBeLessThan(185 + 600);
    // A pause needs no start latency (the exact leads: tests/unit/playhead-room.test.ts).
    const pausePing = await h.emit<{ t1: number }>('playhead:clock', { rtt: 200, rttSpread: 10 });
    const pause = await h.command({ type: 'pause' });
    const pauseAt = (pause as { value: { effectiveAt: number } }).value.effectiveAt;
    expect(pauseAt - (pausePing.ok ? pausePing.value!.t1 : Number.NaN)).toBeGreaterThanOrEqual(135);
    expect(pauseAt - (pausePing.ok ? pausePing.value!.t1 : Number.NaN)).toBeLessThan(135 + 600);
  });

  it('resolves two conflicting commands 50 ms apart to one identical final state everywhere: the last one wins', async () => {
    const { room, coach, km } = await roomWithGuests();
    const all = [await join(host, room.id), await join(coach, room.id), await join(km, room.id)];
    const [h, c, k] = all as [PlayheadPeer, PlayheadPeer, PlayheadPeer];
    await h.command({ type: 'play' });
    await settled(...all);

    const pause = c.command({ type: 'pause' });
    await new Promise((r) => setTimeout(r, 50));
    const seek = k.command({ type: 'seek', position: 10 });
    const [pauseAck, seekAck] = await Promise.all([pause, seek]);
    expect(pauseAck.ok && seekAck.ok).toBe(true);
    await settled(...all);

    const final = h.latest;
    for (const p of all) expect(p.latest).toEqual(final);
    expect(final).toMatchObject({ paused: true, position: frameCentre(250, 25) });
    // The seek arrived last and built on the pause: versions are consecutive and ordered in time.
    const [v1, v2] = [pauseAck, seekAck].map((a) => (a as { value: { version: number } }).value.version);
    expect(v2).toBe(v1! + 1);
  });

  it('pauses on the same frame for everyone, whatever the moment each one receives the state', async () => {
    const { room, coach } = await roomWithGuests();
    const all = [await join(host, room.id), await join(coach, room.id)];
    const [h, c] = all as [PlayheadPeer, PlayheadPeer];
    await h.command({ type: 'play' });
    await new Promise((r) => setTimeout(r, 300));
    await c.command({ type: 'pause' });
    await settled(...all);
    const paused = c.latest;
    expect(paused.paused).toBe(true);
    for (const p of all) expect(expectedPosition(p.latest, paused.atServerTime + 10_000)).toBe(paused.position);
  });

  it('sends a late joiner a snapshot with the last two states, so one joining inside the lead time sees what governs now', async () => {
    const { room, coach } = await roomWithGuests();
    const h = await join(host, room.id);
    const ack = await h.command({ type: 'play' });
    const late = await join(coach, room.id);
    const { states } = late.snapshot!;
    expect(states.map((s) => s.version)).toEqual([0, 1]);
    const effectiveAt = (ack as { value: { effectiveAt: number } }).value.effectiveAt;
    // Just before the play takes effect the paused state still governs; from then on the playing one.
    expect(governingState(states, effectiveAt - 1)!.version).toBe(0);
    expect(governingState(states, effectiveAt)!.version).toBe(1);
  });

  it('gives a reconnecting participant the current state and the event log in its snapshot', async () => {
    const { room, coach } = await roomWithGuests();
    const h = await join(host, room.id);
    const first = await join(coach, room.id);
    first.close();
    await h.command({ type: 'seek', position: 7 });
    await h.command({ type: 'rate', rate: 0.5 });
    const again = await join(coach, room.id);
    expect(again.snapshot!.states.at(-1)).toEqual(h.latest);
    expect(again.snapshot!.log.map((e) => [e.actor?.name, e.action])).toEqual([
      ['Beheerder', 'seek'],
      ['Beheerder', 'rate'],
    ]);
  });

  it('keeps the event log (who, what, where, when) across a server restart', async () => {
    const restartable = await startServer();
    try {
      const admin = await signedInAdmin(restartable);
      const room = await createRoom(admin);
      const before = Date.now();
      const h = await PlayheadPeer.join(admin, room.id);
      await h.command({ type: 'seek', position: 12.3 });
      await h.command({ type: 'jump', seconds: -5 });
      h.close();
      await restartable.stop();

      const again = await startServer({}, restartable.dataDir);
      try {
        const admin2 = await signedInAdmin(again);
        const back = await PlayheadPeer.join(admin2, room.id);
        const log = back.snapshot!.log;
        expect(log.map((e) => ({ name: e.actor?.name, action: e.action, value: e.value }))).toEqual([
          { name: 'Beheerder', action: 'seek', value: null },
          { name: 'Beheerder', action: 'jump', value: -5 },
        ]);
        expect(log[0]!.position).toBeCloseTo(frameCentre(307, 25), 9);
        expect(log[0]!.at).toBeGreaterThanOrEqual(before);
        back.close();
      } finally {
        await again.dispose();
      }
    } finally {
      await restartable.dispose();
    }
  });

  it('resumes a seek while playing only after everyone watching reported ready at the new position', async () => {
    const { room, coach } = await roomWithGuests();
    const all = [await join(host, room.id), await join(coach, room.id)];
    const [h, c] = all as [PlayheadPeer, PlayheadPeer];
    await h.command({ type: 'play' });
    const seek = await c.command({ type: 'seek', position: 4 });
    await settled(...all);
    const target = h.latest;
    expect(target).toMatchObject({ paused: true, position: frameCentre(100, 25), version: (seek as { value: { version: number } }).value.version });

    await h.emit('playhead:buffer', { state: 'ready', version: target.version });
    await settled(...all);
    expect(h.latest.version).toBe(target.version);

    await c.emit('playhead:buffer', { state: 'ready', version: target.version });
    await until(() => h.latest.version === target.version + 1, 'the scheduled resume');
    expect(h.latest).toMatchObject({ paused: false, position: frameCentre(100, 25) });
    expect(h.latest.atServerTime).toBeGreaterThan(target.atServerTime);
  });

  it('takes the duration and frame rate of an uploaded video from the media module', async () => {
    const demo = await host.post<Room>('/api/demo');
    expect(demo.status).toBe(201);
    const h = await join(host, demo.body.id);
    expect(h.latest).toMatchObject({ duration: 20, frameRate: 25 });
    // Facts from the probe are not overridden by a browser's report.
    expect(await h.emit('playhead:media', { duration: 99, frameRate: 30 })).toEqual({ ok: true });
    await settled(h);
    expect(h.latest).toMatchObject({ duration: 20, frameRate: 25 });
  });

  it('accepts a browser-reported duration once when the server does not know it', async () => {
    const { room } = await roomWithGuests();
    const h = await join(host, room.id);
    expect(await h.emit('playhead:media', { duration: 20.04, frameRate: null })).toEqual({ ok: true });
    await settled(h);
    expect(h.latest).toMatchObject({ duration: 20.04, frameRate: 25, version: 1 });
    await h.emit('playhead:media', { duration: 30, frameRate: 50 });
    await settled(h);
    expect(h.latest).toMatchObject({ duration: 20.04, frameRate: 25, version: 1 });
  });
});

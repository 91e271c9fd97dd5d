import { describe, expect, it } from 'vitest';
import type { CallEnded, IncomingSignal, TalkPause, VoicePeer } from '../../shared/voice/protocol.ts';
import type { Timers } from '../../server/src/realtime/timers.ts';
import { RoomCall, type Caller } from '../../server/src/voice/call.ts';

/** Timers that run only when the test moves the clock. */
class ManualTimers implements Timers {
  now = 0;
  #next = 1;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();
  set(callback: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { at: this.now + delayMs, callback });
    return id;
  }
  clear(handle: unknown): void {
    this.#pending.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.#pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
  }
}

function setup(options: { pauseOnTalk?: boolean; playing?: boolean } = {}) {
  const timers = new ManualTimers();
  const out = { peers: [] as VoicePeer[][], signals: [] as [string, IncomingSignal][], ended: [] as [string, CallEnded][], paused: [] as TalkPause[] };
  const log: { id: number; participantId: string; joined: number; left: number | null }[] = [];
  let ids = 0;
  let playing = options.playing ?? true;
  const pauses: TalkPause[] = [];
  const call = new RoomCall({
    roomId: 'room-1234',
    timers,
    wallClock: () => 1_000_000 + timers.now,
    newId: () => `id-${String(++ids).padStart(8, '0')}`,
    pauseOnTalk: async () => options.pauseOnTalk ?? false,
    pauseForTalk: (who) => {
      pauses.push(who);
      const was = playing;
      playing = false;
      return was;
    },
    log: {
      joined: async (_room, who, at) => log.push({ id: log.length + 1, participantId: who.participantId, joined: at, left: null }),
      left: async (id, at) => void (log[id - 1]!.left = at),
    },
    out: {
      peers: (p) => out.peers.push(p),
      signal: (socketId, s) => out.signals.push([socketId, s]),
      ended: (socketId, e) => out.ended.push([socketId, e]),
      paused: (by) => out.paused.push(by),
    },
  });
  const person = (socketId: string, participantId: string, name: string): Caller => ({ socketId, participantId, name, role: 'coach' });
  const join = (caller: Caller, resume: string | null = null) => {
    const result = call.join(caller, { muted: false, camera: false, resume });
    if (!result.ok) throw new Error(result.message);
    return result.value;
  };
  return { call, timers, out, log, pauses, person, join, resume: () => void (playing = true) };
}

/** The setting is read, and the access log written, asynchronously (the database): let that happen. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a room call on the server', () => {
  it('introduces members to everyone and relays signals only between members of the call', async () => {
    const { call, out, person, join } = setup();
    const a = join(person('sa', 'pa', 'Anna'));
    const b = join(person('sb', 'pb', 'Bram'));
    expect(out.peers.at(-1)!.map((p) => [p.peerId, p.name, p.away])).toEqual([
      [a.peerId, 'Anna', false],
      [b.peerId, 'Bram', false],
    ]);
    expect(call.signal('sa', { to: b.peerId, kind: 'candidate', candidate: null })).toEqual({ ok: true, value: undefined });
    expect(out.signals).toEqual([['sb', { from: a.peerId, kind: 'candidate', candidate: null }]]);
    expect(call.signal('sa', { to: 'id-99999999', kind: 'candidate', candidate: null })).toMatchObject({ ok: false, code: 'not_found' });
    expect(call.signal('sa', { to: a.peerId, kind: 'candidate', candidate: null })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(call.signal('outsider', { to: b.peerId, kind: 'candidate', candidate: null })).toMatchObject({ ok: false, code: 'conflict' });
    expect(out.signals).toHaveLength(1);
  });

  it('keeps a dropped member away for the grace time, with the same peer id when it resumes', async () => {
    const { call, timers, out, log, person, join } = setup();
    const a = join(person('sa', 'pa', 'Anna'));
    const b = join(person('sb', 'pb', 'Bram'));
    call.drop('sb');
    expect(out.peers.at(-1)!.find((p) => p.peerId === b.peerId)!.away).toBe(true);
    expect(call.signal('sa', { to: b.peerId, kind: 'candidate', candidate: null })).toMatchObject({ ok: false, code: 'conflict' });
    timers.advance(19_000);
    await settle();
    // Someone else cannot take the place with the token; the same participant can.
    const other = call.join(person('sx', 'px', 'Xander'), { muted: false, camera: false, resume: b.resume });
    expect(other.ok && other.value.peerId).not.toBe(b.peerId);
    const back = join(person('sb2', 'pb', 'Bram'), b.resume);
    expect(back.peerId).toBe(b.peerId);
    expect(out.peers.at(-1)!.find((p) => p.peerId === b.peerId)!.away).toBe(false);
    timers.advance(60_000);
    await settle();
    expect(call.peers().map((p) => p.peerId)).toContain(b.peerId);
    expect(call.signal('sa', { to: b.peerId, kind: 'candidate', candidate: null })).toMatchObject({ ok: true });
    expect(out.signals.at(-1)![0]).toBe('sb2');
    // One line in the access log per stay: the resume did not start a new one.
    await call.logged();
    expect(log.filter((l) => l.participantId === 'pb')).toEqual([{ id: 2, participantId: 'pb', joined: 1_000_000, left: null }]);
    expect(a.peerId).not.toBe(b.peerId);
  });

  it('removes a member whose grace ran out, logging when its connection dropped', async () => {
    const { call, timers, log, person, join } = setup();
    join(person('sa', 'pa', 'Anna'));
    timers.advance(5000);
    await settle();
    call.drop('sa');
    timers.advance(20_000);
    await settle();
    expect(call.peers()).toEqual([]);
    await call.logged();
    expect(log).toEqual([{ id: 1, participantId: 'pa', joined: 1_000_000, left: 1_005_000 }]);
  });

  it('moves the call to a participant’s newest tab and tells the old one', async () => {
    const { call, out, log, person, join } = setup();
    const first = join(person('tab1', 'pa', 'Anna'));
    const second = join(person('tab2', 'pa', 'Anna'));
    expect(second.peerId).not.toBe(first.peerId);
    expect(out.ended).toEqual([['tab1', { reason: 'elsewhere' }]]);
    expect(call.peers().map((p) => p.peerId)).toEqual([second.peerId]);
    await call.logged();
    expect(log).toHaveLength(1);
    expect(call.leave('tab1')).toBeUndefined();
    expect(call.peers()).toHaveLength(1);
    call.leave('tab2');
    await call.logged();
    expect(log[0]!.left).not.toBeNull();
  });

  it('is full at eight', async () => {
    const { call, person, join } = setup();
    for (let i = 0; i < 8; i++) join(person(`s${i}`, `p${i}`, `P${i}`));
    expect(call.join(person('s9', 'p9', 'P9'), { muted: false, camera: false, resume: null })).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('pauses once per stretch of talk longer than 1.5 s, only with the setting on and only while playing', async () => {
    const on = setup({ pauseOnTalk: true });
    on.join(on.person('sa', 'pa', 'Anna'));
    on.call.activity('sa', true);
    on.timers.advance(1499);
    await settle();
    expect(on.pauses).toEqual([]);
    on.timers.advance(1);
    await settle();
    expect(on.pauses).toEqual([{ participantId: 'pa', name: 'Anna', role: 'coach' }]);
    expect(on.out.paused).toEqual([{ participantId: 'pa', name: 'Anna', role: 'coach' }]);
    // Still the same stretch of talk: nothing more.
    on.call.activity('sa', true);
    on.timers.advance(5000);
    await settle();
    expect(on.pauses).toHaveLength(1);
    // A short remark after someone resumed: no pause.
    on.resume();
    on.call.activity('sa', false);
    on.call.activity('sa', true);
    on.timers.advance(1000);
    await settle();
    on.call.activity('sa', false);
    on.timers.advance(5000);
    await settle();
    expect(on.pauses).toHaveLength(1);
    // A longer stretch pauses again.
    on.call.activity('sa', true);
    on.timers.advance(2000);
    await settle();
    expect(on.out.paused).toHaveLength(2);
    // Talking while nothing plays: the playhead says there was nothing to pause, nobody is told.
    on.call.activity('sa', false);
    on.call.activity('sa', true);
    on.timers.advance(2000);
    await settle();
    expect(on.pauses).toHaveLength(3);
    expect(on.out.paused).toHaveLength(2);

    const off = setup({ pauseOnTalk: false });
    off.join(off.person('sa', 'pa', 'Anna'));
    off.call.activity('sa', true);
    off.timers.advance(10_000);
    await settle();
    expect(off.pauses).toEqual([]);
  });

  it('does not count a muted microphone, and muting ends a stretch of talk', async () => {
    const { call, timers, pauses, person, join } = setup({ pauseOnTalk: true });
    join(person('sa', 'pa', 'Anna'));
    call.activity('sa', true);
    timers.advance(1000);
    await settle();
    expect(call.setFlags('sa', { muted: true, camera: false })).toMatchObject({ ok: true });
    timers.advance(5000);
    await settle();
    expect(pauses).toEqual([]);
    expect(call.activity('sa', true)).toMatchObject({ ok: false, code: 'conflict' });
    expect(call.peers()[0]!.muted).toBe(true);
  });

  it('logs everyone out when disposed', async () => {
    const { call, log, person, join } = setup();
    join(person('sa', 'pa', 'Anna'));
    join(person('sb', 'pb', 'Bram'));
    call.dispose();
    await call.logged();
    expect(log.every((l) => l.left !== null)).toBe(true);
    expect(call.peers()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_PERMISSIONS, type Role } from '../../shared/access/roles.ts';
import { PLAYHEAD_LOG_SIZE, type PlayheadLogEntry, type PlayheadRoomInfo } from '../../shared/playhead/protocol.ts';
import type { PlayheadState } from '../../shared/playhead/timeline.ts';
import type { PlayheadEventStore } from '../../server/src/playhead/event-store.ts';
import { PlayheadRoom, SEEK_READY_TIMEOUT_MS, type PlayheadClient, type Timers } from '../../server/src/playhead/room.ts';

/** A hand-driven clock with the timers the room sets on it. */
class FakeClock implements Timers {
  now = 1_000_000;
  #timers: { at: number; callback: () => void; id: number }[] = [];
  #next = 0;
  set(callback: () => void, delayMs: number): unknown {
    const id = ++this.#next;
    this.#timers.push({ at: this.now + delayMs, callback, id });
    return id;
  }
  clear(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }
  get pending(): number {
    return this.#timers.length;
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.now = Math.max(this.now, due.at);
      due.callback();
    }
    this.now = end;
  }
}

function memoryStore(seed: PlayheadLogEntry[] = []): PlayheadEventStore & { all: PlayheadLogEntry[] } {
  const all = [...seed];
  return {
    all,
    async append(_roomId, entry) {
      const saved = { id: all.length + 1, ...entry };
      all.push(saved);
      return saved;
    },
    recent: async (_roomId, limit) => all.slice(-limit),
  };
}

function setup(options: { media?: { duration: number; frameRate: number | null } | null; store?: ReturnType<typeof memoryStore> } = {}) {
  const clock = new FakeClock();
  const states: PlayheadState[] = [];
  const rooms: PlayheadRoomInfo[] = [];
  const logs: PlayheadLogEntry[] = [];
  const store = options.store ?? memoryStore();
  const room = new PlayheadRoom({
    roomId: 'room-1',
    now: () => clock.now,
    wallClock: () => 1_700_000_000_000 + clock.now,
    out: { state: (s) => states.push(s), room: (r) => rooms.push(r), log: (e) => logs.push(e) },
    events: store,
    log: store.all,
    timers: clock,
    media: () => options.media ?? null,
  });
  const client = (id: string, role: Role = 'coach'): PlayheadClient => ({ id, participantId: `p-${id}`, name: id, role, permissions: DEFAULT_PERMISSIONS[role] });
  return { clock, room, states, rooms, logs, store, client };
}

describe('PlayheadRoom: buffering barrier', () => {
  it('waits for a stalled client after the grace time and continues without it after the timeout', async () => {
    const { clock, room, logs, rooms, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.join(client('coen'), null);
    room.command('host', { type: 'play' });
    clock.advance(2000);
    room.buffer('coen', { state: 'stalled', version: room.state.version });
    clock.advance(999);
    expect(room.state.paused).toBe(false);
    clock.advance(1);
    expect(room.state.paused).toBe(true);
    await room.recorded();
    expect(logs.at(-1)).toMatchObject({ action: 'wait', actor: null, value: 'coen' });
    expect(rooms.at(-1)!.waitingFor.map((p) => p.name)).toEqual(['coen']);

    // Ten seconds later the others play on; the stalled client catches up by itself.
    clock.advance(9_999);
    expect(room.state.paused).toBe(true);
    clock.advance(1);
    expect(room.state.paused).toBe(false);
    await room.recorded();
    expect(logs.at(-1)).toMatchObject({ action: 'resume', actor: null });
    expect(rooms.at(-1)!.waitingFor).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('does not wait while paused, for someone looking alone, or for someone who left', () => {
    const { clock, room, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.join(client('coen'), null);
    room.join(client('karin'), null);
    room.buffer('coen', { state: 'stalled', version: 0 });
    clock.advance(1500);
    expect(room.state.version).toBe(0);

    room.command('host', { type: 'play' });
    room.solo('karin', true);
    room.buffer('karin', { state: 'stalled', version: 1 });
    room.leave('coen');
    clock.advance(5000);
    expect(room.state).toMatchObject({ version: 1, paused: false });
  });
});

describe('PlayheadRoom: seek while playing', () => {
  it('lands everyone paused on the target and resumes when all are ready, or after the timeout', () => {
    const { clock, room, states, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.join(client('coen'), null);
    room.command('host', { type: 'play' });
    clock.advance(1000);
    const { value } = room.command('coen', { type: 'seek', position: 4 }) as { value: { version: number } };
    expect(room.state).toMatchObject({ paused: true, position: 4.02, version: value.version });

    room.buffer('host', { state: 'ready', version: value.version });
    expect(room.state.version).toBe(value.version);
    clock.advance(SEEK_READY_TIMEOUT_MS);
    expect(room.state).toMatchObject({ paused: false, position: 4.02, version: value.version + 1 });
    expect(room.state.atServerTime).toBeGreaterThan(clock.now);
    expect(states.map((s) => s.version)).toEqual([1, value.version, value.version + 1]);
  });

  it('counts only readiness for the new position, and a leaving client no longer holds it up', () => {
    const { room, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.join(client('coen'), null);
    room.command('host', { type: 'play' });
    const { value } = room.command('host', { type: 'jump', seconds: 5 }) as { value: { version: number } };
    room.buffer('coen', { state: 'ready', version: value.version - 1 });
    room.buffer('host', { state: 'ready', version: value.version });
    expect(room.state.paused).toBe(true);
    room.leave('coen');
    expect(room.state.paused).toBe(false);
  });

  it('keeps a pending resume through a rate change and drops it for a pause', () => {
    const { clock, room, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.command('host', { type: 'play' });
    room.command('host', { type: 'seek', position: 8 });
    room.command('host', { type: 'rate', rate: 2 });
    room.buffer('host', { state: 'ready', version: room.state.version });
    expect(room.state).toMatchObject({ paused: false, rate: 2 });

    room.command('host', { type: 'seek', position: 2 });
    room.command('host', { type: 'pause' });
    clock.advance(SEEK_READY_TIMEOUT_MS * 2);
    expect(room.state.paused).toBe(true);
    expect(clock.pending).toBe(0);
  });
});

describe('PlayheadRoom: scheduling, media facts, log', () => {
  it('leads each command by the slowest following connection, ignoring those looking alone', () => {
    const { clock, room, client } = setup();
    room.join(client('host', 'begeleider'), 40);
    room.join(client('far'), 400);
    expect((room.command('host', { type: 'play' }) as { value: { effectiveAt: number } }).value.effectiveAt - clock.now).toBe(250);
    room.solo('far', true);
    clock.advance(1000);
    expect((room.command('host', { type: 'pause' }) as { value: { effectiveAt: number } }).value.effectiveAt - clock.now).toBe(100);
  });

  it('takes duration and frame rate from the media module, else once from a client allowed to steer', () => {
    const probed = setup({ media: { duration: 20, frameRate: 25 } });
    expect(probed.room.state).toMatchObject({ duration: 20, frameRate: 25, version: 0 });

    const { room, client } = setup();
    room.join(client('mees', 'meekijker'), null);
    room.join(client('coen'), null);
    expect(room.media('mees', { duration: 30, frameRate: 30 })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(room.media('coen', { duration: 30, frameRate: null })).toEqual({ ok: true, value: undefined });
    expect(room.media('coen', { duration: 50, frameRate: 50 })).toEqual({ ok: true, value: undefined });
    expect(room.state).toMatchObject({ duration: 30, frameRate: 25, version: 1 });
  });

  it('picks up the facts of a video attached or replaced after the playhead started, on the next join', () => {
    const facts: { current: { duration: number; frameRate: number | null } | null } = { current: null };
    const clock = new FakeClock();
    const room = new PlayheadRoom({
      roomId: 'r',
      now: () => clock.now,
      wallClock: () => clock.now,
      out: { state: () => undefined, room: () => undefined, log: () => undefined },
      events: memoryStore(),
      log: [],
      timers: clock,
      media: () => facts.current,
    });
    const who = { participantId: 'p', name: 'n', role: 'coach' as const, permissions: DEFAULT_PERMISSIONS.coach };
    room.join({ id: 'a', ...who }, null);
    expect(room.state.duration).toBeNull();
    facts.current = { duration: 20, frameRate: 25 };
    room.join({ id: 'b', ...who }, null);
    expect(room.state).toMatchObject({ duration: 20, frameRate: 25, version: 1 });
    room.join({ id: 'c', ...who }, null);
    expect(room.state.version).toBe(1);
    facts.current = { duration: 35.5, frameRate: 30 };
    room.join({ id: 'd', ...who }, null);
    expect(room.state).toMatchObject({ duration: 35.5, frameRate: 30, version: 2 });
  });

  it('keeps the newest log entries in memory and starts from the stored ones', async () => {
    const stored = Array.from({ length: 80 }, (_, i): PlayheadLogEntry => ({ id: i + 1, at: i, actor: null, action: 'wait', position: 0, value: 'x' }));
    const { room, client, store } = setup({ store: memoryStore(stored) });
    const snapshot = room.join(client('host', 'begeleider'), null);
    expect(snapshot.log).toHaveLength(PLAYHEAD_LOG_SIZE);
    expect(snapshot.log[0]!.id).toBe(31);
    room.command('host', { type: 'play' });
    await room.recorded();
    const again = room.join(client('coen'), null);
    expect(again.log.at(-1)).toMatchObject({ id: 81, action: 'play', actor: { name: 'host', role: 'begeleider' } });
    expect(again.log).toHaveLength(PLAYHEAD_LOG_SIZE);
    expect(store.all).toHaveLength(81);
  });

  it('refuses everything from a connection that has not joined', () => {
    const { room } = setup();
    expect(room.command('ghost', { type: 'play' })).toMatchObject({ ok: false, code: 'conflict' });
    expect(room.buffer('ghost', { state: 'ready', version: 0 })).toMatchObject({ ok: false, code: 'conflict' });
    expect(room.solo('ghost', true)).toMatchObject({ ok: false, code: 'conflict' });
    expect(room.setMode('ghost', 'presenter')).toMatchObject({ ok: false, code: 'conflict' });
    expect(room.state.version).toBe(0);
  });
});

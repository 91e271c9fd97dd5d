import { describe, expect, it } from 'vitest';
import { DEFAULT_PERMISSIONS, type Role } from '../../shared/access/roles.ts';
import { PLAYHEAD_LOG_SIZE, type PlayheadLogEntry, type PlayheadRoomInfo } from '../../shared/playhead/protocol.ts';
import type { PlayheadState } from '../../shared/playhead/timeline.ts';
import type { PlayheadEventStore } from '../../server/src/playhead/event-store.ts';
import type { PlayheadStateStore, StoredPlayhead } from '../../server/src/playhead/state-store.ts';
import { PlayheadRoom, SEEK_READY_MIN_MS, SEEK_READY_TIMEOUT_MS, type PlayheadClient } from '../../server/src/playhead/room.ts';
import type { Timers } from '../../server/src/realtime/timers.ts';

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

/** The store's behaviour (state-store.ts) in memory: the last row per room. */
function memoryState(): PlayheadStateStore & { rows: Map<string, StoredPlayhead> } {
  const rows = new Map<string, StoredPlayhead>();
  return {
    rows,
    load: async (roomId) => rows.get(roomId) ?? null,
    save: async (roomId, saved) => void rows.set(roomId, saved),
    async alive(roomIds, at) {
      for (const id of roomIds) {
        const row = rows.get(id);
        if (row && !row.timeline.paused) rows.set(id, { ...row, timeline: { ...row.timeline, aliveAt: Math.max(row.timeline.aliveAt, at) } });
      }
    },
  };
}

const WALL = 1_700_000_000_000;

function setup(
  options: { media?: { duration: number; frameRate: number | null } | null; store?: ReturnType<typeof memoryStore>; saved?: ReturnType<typeof memoryState>; clock?: FakeClock } = {},
) {
  const clock = options.clock ?? new FakeClock();
  const states: PlayheadState[] = [];
  const rooms: PlayheadRoomInfo[] = [];
  const logs: PlayheadLogEntry[] = [];
  const store = options.store ?? memoryStore();
  const saved = options.saved ?? memoryState();
  const room = new PlayheadRoom({
    roomId: 'room-1',
    now: () => clock.now,
    wallClock: () => WALL + clock.now,
    out: { state: (s) => states.push(s), room: (r) => rooms.push(r), log: (e) => logs.push(e) },
    events: store,
    log: store.all,
    saved,
    stored: saved.rows.get('room-1') ?? null,
    timers: clock,
    media: () => options.media ?? null,
  });
  const client = (id: string, role: Role = 'coach'): PlayheadClient => ({ id, participantId: `p-${id}`, name: id, role, permissions: DEFAULT_PERMISSIONS[role] });
  return { clock, room, states, rooms, logs, store, saved, client };
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

  it('does not pause for someone who joined while it played until that one has started', () => {
    const { clock, room, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.command('host', { type: 'play' });
    clock.advance(500);
    room.join(client('late'), null);
    room.buffer('late', { state: 'stalled', version: room.state.version });
    clock.advance(5000);
    expect(room.state.paused).toBe(false);
    // Once it is in (its first start reported ready), its stalls count like anyone's.
    room.buffer('late', { state: 'ready', version: room.state.version });
    room.buffer('late', { state: 'stalled', version: room.state.version });
    clock.advance(1000);
    expect(room.state.paused).toBe(true);
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
  it('lands everyone paused on the target at once and resumes when all are ready, or after the wait', () => {
    const { clock, room, states, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.join(client('coen'), null);
    room.command('host', { type: 'play' });
    clock.advance(1000);
    const { value } = room.command('coen', { type: 'seek', position: 4 }) as { value: { version: number; effectiveAt: number } };
    expect(room.state).toMatchObject({ paused: true, position: 4.02, version: value.version, atServerTime: clock.now });
    expect(value.effectiveAt).toBe(clock.now);

    room.buffer('host', { state: 'ready', version: value.version });
    expect(room.state.version).toBe(value.version);
    clock.advance(SEEK_READY_MIN_MS - 1);
    expect(room.state.version).toBe(value.version);
    clock.advance(1);
    expect(room.state).toMatchObject({ paused: false, position: 4.02, version: value.version + 1 });
    expect(room.state.atServerTime).toBeGreaterThan(clock.now);
    expect(states.map((s) => s.version)).toEqual([1, value.version, value.version + 1]);
  });

  it('waits for stragglers twice their reported seek and round trip, within 1–3 s', () => {
    const waitFor = (timing: { rtt: number; seekLatency: number }) => {
      const { clock, room, client } = setup();
      room.join(client('host', 'begeleider'), null);
      room.join(client('coen'), timing);
      room.command('host', { type: 'play' });
      clock.advance(500);
      const { value } = room.command('host', { type: 'seek', position: 8 }) as { value: { version: number } };
      room.buffer('host', { state: 'ready', version: value.version });
      const from = clock.now;
      while (room.state.version === value.version) clock.advance(10);
      return clock.now - from;
    };
    expect(waitFor({ rtt: 100, seekLatency: 600 })).toBe(1400);
    expect(waitFor({ rtt: 2, seekLatency: 200 })).toBe(SEEK_READY_MIN_MS);
    expect(waitFor({ rtt: 900, seekLatency: 2000 })).toBe(SEEK_READY_TIMEOUT_MS);
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
    const lead = (command: { type: string }) => (room.command('host', command) as { value: { effectiveAt: number } }).value.effectiveAt - clock.now;
    room.join(client('host', 'begeleider'), { rtt: 40, startLatency: 30 });
    room.join(client('far'), { rtt: 400, rttSpread: 20 });
    // A play: 200 + 20 + the start latency the far one has not reported (70) + 25.
    expect(lead({ type: 'play' })).toBe(315);
    clock.advance(1000);
    // A later report changes what it said, and a pause needs no start latency.
    room.reportTiming('far', { rtt: null, rttSpread: 40, startLatency: 10 });
    expect(lead({ type: 'pause' })).toBe(200 + 40 + 25);
    room.solo('far', true);
    clock.advance(1000);
    expect(lead({ type: 'play' })).toBe(20 + 30 + 25);
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
      saved: memoryState(),
      stored: null,
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
  it('pauses for someone who starts to talk at once, without the lead a command gets, and logs who', async () => {
    const { clock, room, states, logs, client } = setup();
    room.join(client('host', 'begeleider'), { rtt: 400 });
    room.command('host', { type: 'play' });
    clock.advance(1000);
    const talker = { participantId: 'p-talker', name: 'Talker', role: 'coach' as const };
    expect(room.pauseFor(talker)).toBe(true);
    expect(states.at(-1)).toMatchObject({ paused: true, atServerTime: clock.now });
    await room.recorded();
    expect(logs.at(-1)).toMatchObject({ action: 'pause', actor: { participantId: 'p-talker', name: 'Talker', role: 'coach' } });
    // Nothing plays any more: nothing to pause.
    expect(room.pauseFor(talker)).toBe(false);
  });
});

describe('PlayheadRoom: the timeline survives a restart', () => {
  it('stores every change and reopens paused on the same frame, with mode and presenter, in a new process', async () => {
    const first = setup();
    first.room.join(first.client('host', 'begeleider'), null);
    first.room.command('host', { type: 'seek', position: 7.3 });
    first.room.command('host', { type: 'rate', rate: 1.5 });
    first.room.setMode('host', 'presenter');
    const before = first.room.state;
    await first.room.recorded();

    // A new process: its server clock has nothing to do with the old one's; the wall clock goes on.
    const clock = new FakeClock();
    clock.now = 42;
    const again = setup({ saved: first.saved, clock });
    const snapshot = again.room.join(again.client('coen'), null);
    expect(again.room.state).toMatchObject({ paused: true, position: before.position, rate: 1.5, version: before.version + 1, atServerTime: 42 });
    expect(snapshot.room).toMatchObject({ mode: 'presenter', presenter: { participantId: 'p-host', name: 'host' } });
  });

  it('reopens a room that was playing when its process died where it was last known to play', async () => {
    const first = setup();
    first.room.join(first.client('host', 'begeleider'), null);
    first.room.command('host', { type: 'seek', position: 2.02 });
    const play = first.room.command('host', { type: 'play' }) as { value: { effectiveAt: number } };
    first.clock.advance(3000);
    // The feature's heartbeat (ALIVE_EVERY_MS); then the process is killed without a word.
    await first.room.recorded();
    await first.saved.alive(['room-1'], WALL + play.value.effectiveAt + 2000);
    first.clock.advance(700);

    const again = setup({ saved: first.saved });
    // 2 s after the start at 2.02 (frame 50): frame 100, on its centre.
    expect(again.room.state).toMatchObject({ paused: true, position: 4.02 });
    // Stored at once as paused: a second restart leaves it there.
    await again.room.recorded();
    const third = setup({ saved: first.saved });
    expect(third.room.state.position).toBe(4.02);
    expect(third.room.state.version).toBe(again.room.state.version + 1);
  });

  it('pauses a playing room where it is when the server stops, and tells everyone', async () => {
    const { clock, room, states, saved, client } = setup();
    room.join(client('host', 'begeleider'), null);
    room.command('host', { type: 'play' });
    clock.advance(1000);
    const playing = room.state;
    room.stop();
    const last = states.at(-1)!;
    expect(last).toMatchObject({ paused: true, atServerTime: clock.now, version: playing.version + 1 });
    expect(Math.abs(last.position - (clock.now - playing.atServerTime) / 1000)).toBeLessThanOrEqual(0.02);
    await room.recorded();
    expect(saved.rows.get('room-1')!.timeline).toMatchObject({ paused: true, position: last.position, version: last.version });
    // A paused room stays as it is.
    room.stop();
    expect(states.at(-1)).toBe(last);
  });
});

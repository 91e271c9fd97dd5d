/**
 * The shared playhead's socket.io feature: validates every message, rate-limits each connection,
 * and maps messages onto the room's PlayheadRoom (room.ts). Identity and permissions come from
 * the handshake (`socket.data.access`), never from a payload.
 *
 * Server clock: `performance.timeOrigin + performance.now()`, an epoch-based millisecond clock that
 * is monotonic (it does not jump when NTP adjusts the wall clock, which would shift every playing
 * timeline at once). Clients only ever see it through clock pings and atServerTime.
 */
import type { Role } from '../../../shared/access/roles.ts';
import type { BarrierOptions } from '../../../shared/playhead/barrier.ts';
import {
  parseBufferReport,
  parseClockPing,
  parseControlRequest,
  parseMediaReport,
  parseModeRequest,
  parseSoloPosition,
  parseSoloRequest,
  type ClockPing,
  type PlayheadPerson,
} from '../../../shared/playhead/protocol.ts';
import { badRequest, featureMessages, refuse, type Answer, type Rate } from '../realtime/messages.ts';
import type { RoomServer, RoomSocket, SocketFeature } from '../realtime/socket.ts';
import type { Timers } from '../realtime/timers.ts';
import type { PlayheadEventStore } from './event-store.ts';
import { PlayheadRoom } from './room.ts';
import { PLAYHEAD_LOG_SIZE } from '../../../shared/playhead/protocol.ts';
import type { PlayheadStateStore } from './state-store.ts';

export const serverNow = (): number => performance.timeOrigin + performance.now();

export const playheadChannel = (roomId: string): string => `playhead:${roomId}`;

/** Messages per second per connection, sustained and as a burst: a ping burst plus fast clicking fits. */
const RATE: Rate = { perSecond: 30, burst: 60 };
/**
 * How often the store hears that the playing rooms still play (ms): a room whose process is killed
 * reopens at most this much before where it was. One UPDATE per playing room.
 */
export const ALIVE_EVERY_MS = 1000;

export interface PlayheadFeatureOptions {
  events: PlayheadEventStore;
  saved: PlayheadStateStore;
  /** Duration and frame rate of the room's video from the media module, if it knows them. */
  media?: (roomId: string) => Promise<MediaFacts | null>;
  log: (err: unknown, msg: string) => void;
  now?: () => number;
  wallClock?: () => number;
  barrier?: Partial<BarrierOptions>;
  seekReadyTimeoutMs?: number;
  timers?: Timers;
}

type MediaFacts = { duration: number; frameRate: number | null };

export function createPlayhead(options: PlayheadFeatureOptions) {
  const now = options.now ?? serverNow;
  const wallClock = options.wallClock ?? Date.now;
  const rooms = new Map<string, PlayheadRoom>();
  /** Rooms whose log and stored timeline are being read, so two joins share one room. */
  const opening = new Map<string, Promise<PlayheadRoom>>();
  /** The media module's facts per room, as last read (a join reads them again). */
  const facts = new Map<string, MediaFacts | null>();
  const readFacts = async (roomId: string): Promise<void> => {
    if (options.media) facts.set(roomId, await options.media(roomId));
  };
  /** The heartbeat's write in progress: the next tick skips rather than queue behind a slow store. */
  let beating: Promise<void> | null = null;
  const alive = setInterval(() => {
    if (beating) return;
    const playing = [...rooms].flatMap(([id, room]) => (room.playing ? [id] : []));
    beating = options.saved
      .alive(playing, wallClock())
      .catch((err: unknown) => options.log(err, 'playhead: storing that rooms still play failed'))
      .finally(() => {
        beating = null;
      });
  }, ALIVE_EVERY_MS);
  alive.unref();

  async function roomFor(roomId: string, io: RoomServer): Promise<PlayheadRoom> {
    const open = rooms.get(roomId);
    if (open) return open;
    let pending = opening.get(roomId);
    if (!pending) {
      pending = openRoom(roomId, io).finally(() => opening.delete(roomId));
      opening.set(roomId, pending);
    }
    return pending;
  }

  async function openRoom(roomId: string, io: RoomServer): Promise<PlayheadRoom> {
    const [log, stored] = await Promise.all([options.events.recent(roomId, PLAYHEAD_LOG_SIZE), options.saved.load(roomId), readFacts(roomId)]);
    const channel = playheadChannel(roomId);
    const room = new PlayheadRoom({
      roomId,
      now,
      wallClock,
      events: options.events,
      log,
      saved: options.saved,
      stored,
      onError: options.log,
      timers: options.timers,
      media: options.media && (() => facts.get(roomId) ?? null),
      barrier: options.barrier,
      seekReadyTimeoutMs: options.seekReadyTimeoutMs,
      out: {
        state: (state) => io.to(channel).emit('playhead:state', state),
        room: (info) => io.to(channel).emit('playhead:room', info),
        log: (entry) => io.to(channel).emit('playhead:log', entry),
      },
    });
    rooms.set(roomId, room);
    return room;
  }

  const feature: SocketFeature = (socket: RoomSocket, io: RoomServer) => {
    const access = socket.data.access;
    let room: PlayheadRoom | null = null;
    /** What the pings said before joining, handed to the room on join. */
    let timing: ClockPing | null = null;

    // A join waits for the room's log to be read; what the client sent after it must not overtake it.
    const { handle, inTurn } = featureMessages(socket, { feature: 'playhead', rate: RATE, tooFast: 'Too many playhead messages: slow down.', now, log: options.log });
    const joined = (fn: (room: PlayheadRoom) => Answer<unknown>): Answer<unknown> => (room ? fn(room) : refuse('conflict', 'Join the playhead first (playhead:join).'));
    /**
     * A change of the timeline, mode or presenter is acknowledged once it is stored: everyone else
     * already has it (the broadcast does not wait for the write), and a change its sender saw
     * acknowledged survives the process being killed right after.
     */
    const stored = async (fn: (room: PlayheadRoom) => Answer<unknown>): Promise<Answer<unknown>> => {
      const current = room;
      const answer = joined(fn);
      if (answer.ok && current) await current.written();
      return answer;
    };

    handle('playhead:join', async () => {
      const [opened] = await Promise.all([roomFor(access.room.id, io), readFacts(access.room.id)]);
      room = opened;
      void socket.join(playheadChannel(access.room.id));
      const { participantId, name, role, permissions } = access;
      return { ok: true, value: room.join({ id: socket.id, participantId, name, role, permissions }, timing) };
    });
    handle('playhead:leave', () => {
      room?.leave(socket.id);
      room = null;
      void socket.leave(playheadChannel(access.room.id));
      return { ok: true, value: undefined };
    });
    handle('playhead:clock', (payload) => {
      const t1 = now();
      const parsed = parseClockPing(payload);
      if (!parsed.ok) return badRequest(parsed);
      timing = { ...timing, ...parsed.value, rtt: parsed.value.rtt ?? timing?.rtt ?? null };
      room?.reportTiming(socket.id, parsed.value);
      return { ok: true, value: { t1, t2: now() } };
    });
    handle('playhead:command', (payload) => stored((r) => r.command(socket.id, payload)));
    handle('playhead:buffer', (payload) => {
      const parsed = parseBufferReport(payload);
      return parsed.ok ? joined((r) => r.buffer(socket.id, parsed.value)) : badRequest(parsed);
    });
    handle('playhead:solo', (payload) => {
      const parsed = parseSoloRequest(payload);
      return parsed.ok ? joined((r) => r.solo(socket.id, parsed.value.solo)) : badRequest(parsed);
    });
    handle('playhead:position', (payload) => {
      const parsed = parseSoloPosition(payload);
      return parsed.ok ? joined((r) => r.soloPosition(socket.id, parsed.value)) : badRequest(parsed);
    });
    handle('playhead:mode', (payload) => {
      const parsed = parseModeRequest(payload);
      return parsed.ok ? stored((r) => r.setMode(socket.id, parsed.value.mode)) : badRequest(parsed);
    });
    handle('playhead:control', (payload) => {
      const parsed = parseControlRequest(payload);
      return parsed.ok ? stored((r) => r.control(socket.id, parsed.value)) : badRequest(parsed);
    });
    handle('playhead:media', (payload) => {
      const parsed = parseMediaReport(payload);
      return parsed.ok ? joined((r) => r.media(socket.id, parsed.value)) : badRequest(parsed);
    });
    socket.on('disconnect', () => inTurn(() => room?.leave(socket.id)));
  };

  return {
    feature,
    /** The room's playhead, if anyone has joined it since the server started. */
    room: (roomId: string): PlayheadRoom | undefined => rooms.get(roomId),
    /**
     * Shutting down: pauses every playing room where it is and tells its clients (before the sockets
     * close); resolves once those pauses are stored.
     */
    async stop(): Promise<void> {
      const open = [...rooms.values()];
      for (const room of open) room.stop();
      await Promise.all(open.map((room) => room.recorded()));
    },
    /**
     * The room moved to another process (its connections are gone): pause it where it is, which
     * writes that through, so the new owner opens it on the same frame; then forget it here.
     * Resolves once that is stored.
     */
    async release(roomId: string): Promise<void> {
      const room = rooms.get(roomId);
      rooms.delete(roomId);
      if (!room) return;
      room.stop();
      room.dispose();
      await room.recorded();
    },
    /** The room was deleted: its playhead is forgotten here, nothing of it stored. */
    forget(roomId: string): void {
      rooms.get(roomId)?.dispose();
      rooms.delete(roomId);
    },
    /** Pauses the room's playhead because `who` talks (the call's pause-on-talk); false when nothing plays. */
    pauseForTalk: (roomId: string, who: PlayheadPerson & { role: Role }): boolean => rooms.get(roomId)?.pauseFor(who) ?? false,
    /** Stops every room; resolves once their log entries and timelines are stored. */
    async close(): Promise<void> {
      clearInterval(alive);
      const open = [...rooms.values()];
      for (const room of open) room.dispose();
      rooms.clear();
      await Promise.all(open.map((room) => room.recorded()));
    },
  };
}
export type Playhead = ReturnType<typeof createPlayhead>;

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
import type { ErrorCode } from '../../../shared/errors.ts';
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
  type Parsed,
  type PlayheadPerson,
} from '../../../shared/playhead/protocol.ts';
import type { RoomServer, RoomSocket, SocketFeature } from '../realtime/socket.ts';
import type { PlayheadEventStore } from './event-store.ts';
import { PlayheadRoom, type RoomResult, type Timers } from './room.ts';
import type { PlayheadStateStore } from './state-store.ts';

export const serverNow = (): number => performance.timeOrigin + performance.now();

export const playheadChannel = (roomId: string): string => `playhead:${roomId}`;

/** Messages per second per connection, sustained and as a burst: a ping burst plus fast clicking fits. */
const MESSAGES_PER_SECOND = 30;
const MESSAGE_BURST = 60;
/**
 * How often the store hears that the playing rooms still play (ms): a room whose process is killed
 * reopens at most this much before where it was. One UPDATE per playing room.
 */
export const ALIVE_EVERY_MS = 1000;

export interface PlayheadFeatureOptions {
  events: PlayheadEventStore;
  saved: PlayheadStateStore;
  /** Duration and frame rate of the room's video from the media module, if it knows them. */
  media?: (roomId: string) => { duration: number; frameRate: number | null } | null;
  log: (err: unknown, msg: string) => void;
  now?: () => number;
  wallClock?: () => number;
  barrier?: Partial<BarrierOptions>;
  seekReadyTimeoutMs?: number;
  timers?: Timers;
}

type AckResult = { ok: true; value?: unknown } | { ok: false; error: { code: ErrorCode; message: string } };

/** Untrusted input: a handler sees whatever the client sent, and validates it itself. */
interface RawSocket {
  on(event: string, listener: (...args: unknown[]) => void): void;
}

class TokenBucket {
  #tokens = MESSAGE_BURST;
  #at: number;
  private readonly now: () => number;
  constructor(now: () => number) {
    this.now = now;
    this.#at = now();
  }
  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(MESSAGE_BURST, this.#tokens + ((now - this.#at) / 1000) * MESSAGES_PER_SECOND);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

const badRequest = <T>(parsed: Parsed<T>): RoomResult<never> => ({ ok: false, code: 'bad_request', message: parsed.ok ? '' : parsed.message });

export function createPlayhead(options: PlayheadFeatureOptions) {
  const now = options.now ?? serverNow;
  const wallClock = options.wallClock ?? Date.now;
  const rooms = new Map<string, PlayheadRoom>();
  const alive = setInterval(() => {
    const playing = [...rooms].flatMap(([id, room]) => (room.playing ? [id] : []));
    try {
      options.saved.alive(playing, wallClock());
    } catch (err) {
      options.log(err, 'playhead: storing that rooms still play failed');
    }
  }, ALIVE_EVERY_MS);
  alive.unref();

  function roomFor(roomId: string, io: RoomServer): PlayheadRoom {
    let room = rooms.get(roomId);
    if (!room) {
      const channel = playheadChannel(roomId);
      room = new PlayheadRoom({
        roomId,
        now,
        wallClock,
        events: options.events,
        saved: options.saved,
        timers: options.timers,
        media: options.media && (() => options.media!(roomId)),
        barrier: options.barrier,
        seekReadyTimeoutMs: options.seekReadyTimeoutMs,
        out: {
          state: (state) => io.to(channel).emit('playhead:state', state),
          room: (info) => io.to(channel).emit('playhead:room', info),
          log: (entry) => io.to(channel).emit('playhead:log', entry),
        },
      });
      rooms.set(roomId, room);
    }
    return room;
  }

  const feature: SocketFeature = (socket: RoomSocket, io: RoomServer) => {
    const access = socket.data.access;
    const bucket = new TokenBucket(now);
    let room: PlayheadRoom | null = null;
    /** What the pings said before joining, handed to the room on join. */
    let timing: ClockPing | null = null;

    const handle = (event: string, handler: (payload: unknown) => RoomResult<unknown>) => {
      (socket as unknown as RawSocket).on(event, (...args) => {
        const last = args.at(-1);
        const ack = typeof last === 'function' ? (last as (result: AckResult) => void) : null;
        const payload = ack && args.length === 1 ? undefined : args[0];
        let result: RoomResult<unknown>;
        if (!bucket.take()) {
          result = { ok: false, code: 'rate_limited', message: 'Too many playhead messages: slow down.' };
        } else {
          try {
            result = handler(payload);
          } catch (err) {
            options.log(err, `playhead ${event} failed`);
            result = { ok: false, code: 'internal', message: 'The server could not handle this message.' };
          }
        }
        ack?.(result.ok ? (result.value === undefined ? { ok: true } : { ok: true, value: result.value }) : { ok: false, error: { code: result.code, message: result.message } });
      });
    };
    const joined = (fn: (room: PlayheadRoom) => RoomResult<unknown>): RoomResult<unknown> =>
      room ? fn(room) : { ok: false, code: 'conflict', message: 'Join the playhead first (playhead:join).' };

    handle('playhead:join', () => {
      room = roomFor(access.room.id, io);
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
    handle('playhead:command', (payload) => joined((r) => r.command(socket.id, payload)));
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
      return parsed.ok ? joined((r) => r.setMode(socket.id, parsed.value.mode)) : badRequest(parsed);
    });
    handle('playhead:control', (payload) => {
      const parsed = parseControlRequest(payload);
      return parsed.ok ? joined((r) => r.control(socket.id, parsed.value)) : badRequest(parsed);
    });
    handle('playhead:media', (payload) => {
      const parsed = parseMediaReport(payload);
      return parsed.ok ? joined((r) => r.media(socket.id, parsed.value)) : badRequest(parsed);
    });
    socket.on('disconnect', () => room?.leave(socket.id));
  };

  return {
    feature,
    /** The room's playhead, if anyone has joined it since the server started. */
    room: (roomId: string): PlayheadRoom | undefined => rooms.get(roomId),
    /** Shutting down: pauses every playing room where it is and tells its clients (before the sockets close). */
    stop(): void {
      for (const room of rooms.values()) room.stop();
    },
    /**
     * The room moved to another process (its connections are gone): pause it where it is, which
     * writes that through, so the new owner opens it on the same frame; then forget it here.
     */
    release(roomId: string): void {
      const room = rooms.get(roomId);
      room?.stop();
      room?.dispose();
      rooms.delete(roomId);
    },
    /** Pauses the room's playhead because `who` talks (the call's pause-on-talk); false when nothing plays. */
    pauseForTalk: (roomId: string, who: PlayheadPerson & { role: Role }): boolean => rooms.get(roomId)?.pauseFor(who) ?? false,
    close(): void {
      clearInterval(alive);
      for (const room of rooms.values()) room.dispose();
      rooms.clear();
    },
  };
}
export type Playhead = ReturnType<typeof createPlayhead>;

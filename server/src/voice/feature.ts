/**
 * The call's socket.io feature: validates every message, rate-limits each connection, and maps
 * messages onto the room's RoomCall (call.ts). Identity comes from the handshake
 * (`socket.data.access`), never from a payload, and a signal only ever reaches a peer in the same
 * room's call, so a malformed or misdirected one gets an error ack and goes nowhere.
 */
import type { ErrorCode } from '../../../shared/errors.ts';
import {
  parseActivity,
  parseJoinRequest,
  parseMediaFlags,
  parseSettings,
  parseSignal,
  type IceServer,
  type Parsed,
  type TalkPause,
} from '../../../shared/voice/protocol.ts';
import { newId } from '../ids.ts';
import { roomChannel, type RoomServer, type RoomSocket, type SocketFeature } from '../realtime/socket.ts';
import { RoomCall, type CallResult, type Timers } from './call.ts';
import { iceServersFor } from './ice.ts';
import type { VoiceStore } from './store.ts';

/**
 * Messages per second per connection, sustained and as a burst: joining a call of eight means an
 * offer or answer and a handful of ICE candidates for each of seven peers at once.
 */
const MESSAGES_PER_SECOND = 40;
const MESSAGE_BURST = 120;

/** Disconnects that are the network's: the member waits for its resume (anything else leaves at once). */
const NETWORK_REASONS = new Set(['transport close', 'transport error', 'ping timeout']);

export interface VoiceFeatureOptions {
  store: VoiceStore;
  iceServers: readonly IceServer[];
  turnSecret: string | null;
  /** Pauses the room's shared playhead because `who` talks; false when there was nothing to pause. */
  pauseForTalk(roomId: string, who: TalkPause): boolean;
  log: (err: unknown, msg: string) => void;
  now?: () => number;
  wallClock?: () => number;
  timers?: Timers;
  graceMs?: number;
  talkMs?: number;
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

const badRequest = <T>(parsed: Parsed<T>): CallResult<never> => ({ ok: false, code: 'bad_request', message: parsed.ok ? '' : parsed.message });
const done = <T>(value: T): CallResult<T> => ({ ok: true, value });

export function createVoice(options: VoiceFeatureOptions) {
  const now = options.now ?? (() => performance.now());
  const wallClock = options.wallClock ?? Date.now;
  const calls = new Map<string, RoomCall>();
  // Before any new line is written, so a line opened now is never closed by mistake.
  const startup = options.store.closeOpen(wallClock()).catch((err: unknown) => options.log(err, 'closing the call log failed'));
  const log = {
    joined: async (...args: Parameters<typeof options.store.log.joined>) => {
      await startup;
      return options.store.log.joined(...args);
    },
    left: options.store.log.left,
  };

  function callFor(roomId: string, io: RoomServer): RoomCall {
    let call = calls.get(roomId);
    if (!call) {
      const channel = roomChannel(roomId);
      call = new RoomCall({
        roomId,
        log,
        onError: options.log,
        wallClock,
        newId,
        timers: options.timers,
        graceMs: options.graceMs,
        talkMs: options.talkMs,
        pauseOnTalk: async () => (await options.store.settings(roomId)).pauseOnTalk,
        pauseForTalk: (who) => options.pauseForTalk(roomId, who),
        out: {
          peers: (peers) => {
            io.to(channel).emit('voice:peers', peers);
            if (peers.length === 0) calls.delete(roomId);
          },
          signal: (socketId, signal) => io.to(socketId).emit('voice:signal', signal),
          ended: (socketId, ended) => io.to(socketId).emit('voice:ended', ended),
          paused: (by) => io.to(channel).emit('voice:paused', by),
        },
      });
      calls.set(roomId, call);
    }
    return call;
  }

  const feature: SocketFeature = (socket: RoomSocket, io: RoomServer) => {
    const access = socket.data.access;
    const roomId = access.room.id;
    const bucket = new TokenBucket(now);

    /** The connection's messages one after another, also while one waits for the database. */
    let queue: Promise<void> = Promise.resolve();
    const inTurn = (task: () => void | Promise<void>): void => {
      queue = queue.then(task).catch((err: unknown) => options.log(err, 'voice message failed'));
    };
    const handle = (event: string, handler: (payload: unknown) => CallResult<unknown> | Promise<CallResult<unknown>>) => {
      (socket as unknown as RawSocket).on(event, (...args) => {
        const last = args.at(-1);
        const ack = typeof last === 'function' ? (last as (result: AckResult) => void) : null;
        const payload = ack && args.length === 1 ? undefined : args[0];
        const reply = (result: CallResult<unknown>) =>
          ack?.(result.ok ? (result.value === undefined ? { ok: true } : { ok: true, value: result.value }) : { ok: false, error: { code: result.code, message: result.message } });
        if (!bucket.take()) return reply({ ok: false, code: 'rate_limited', message: 'Too many call messages: slow down.' });
        inTurn(async () => {
          let result: CallResult<unknown>;
          try {
            result = await handler(payload);
          } catch (err) {
            options.log(err, `voice ${event} failed`);
            result = { ok: false, code: 'internal', message: 'The server could not handle this message.' };
          }
          reply(result);
        });
      });
    };
    const inCall = (fn: (call: RoomCall) => CallResult<unknown>): CallResult<unknown> => {
      const call = calls.get(roomId);
      return call ? fn(call) : { ok: false, code: 'conflict', message: 'Join the call first (voice:join).' };
    };

    handle('voice:status', async () => {
      const settings = await options.store.settings(roomId);
      return done({ peers: calls.get(roomId)?.peers() ?? [], settings });
    });
    handle('voice:join', async (payload) => {
      const parsed = parseJoinRequest(payload);
      if (!parsed.ok) return badRequest(parsed);
      const settings = await options.store.settings(roomId);
      const call = callFor(roomId, io);
      const joined = call.join({ socketId: socket.id, participantId: access.participantId, name: access.name, role: access.role }, parsed.value);
      if (!joined.ok) return joined;
      return done({
        ...joined.value,
        peers: call.peers(),
        settings,
        iceServers: iceServersFor(options.iceServers, options.turnSecret, access.participantId, wallClock()),
      });
    });
    handle('voice:leave', () => {
      calls.get(roomId)?.leave(socket.id);
      return done(undefined);
    });
    handle('voice:signal', (payload) => {
      const parsed = parseSignal(payload);
      return parsed.ok ? inCall((call) => call.signal(socket.id, parsed.value)) : badRequest(parsed);
    });
    handle('voice:state', (payload) => {
      const parsed = parseMediaFlags(payload);
      return parsed.ok ? inCall((call) => call.setFlags(socket.id, parsed.value)) : badRequest(parsed);
    });
    handle('voice:activity', (payload) => {
      const parsed = parseActivity(payload);
      return parsed.ok ? inCall((call) => call.activity(socket.id, parsed.value.speaking)) : badRequest(parsed);
    });
    handle('voice:settings', async (payload) => {
      const parsed = parseSettings(payload);
      if (!parsed.ok) return badRequest(parsed);
      if (!socket.data.access.permissions.manageRoom) return { ok: false, code: 'forbidden', message: 'Only the host changes the call settings.' };
      await options.store.saveSettings(roomId, parsed.value);
      io.to(roomChannel(roomId)).emit('voice:settings', parsed.value);
      return done(undefined);
    });
    socket.on('disconnect', (reason) =>
      inTurn(() => {
        const call = calls.get(roomId);
        if (NETWORK_REASONS.has(reason)) call?.drop(socket.id);
        else call?.leave(socket.id);
      }),
    );
  };

  return {
    feature,
    /** Everyone leaves; resolves once the access log has their leaving times. */
    async close(): Promise<void> {
      const open = [...calls.values()];
      for (const call of open) call.dispose();
      calls.clear();
      await Promise.all(open.map((call) => call.logged()));
    },
  };
}
export type Voice = ReturnType<typeof createVoice>;

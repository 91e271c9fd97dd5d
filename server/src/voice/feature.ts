/**
 * The call's socket.io feature: validates every message, rate-limits each connection, and maps
 * messages onto the room's RoomCall (call.ts). Identity comes from the handshake
 * (`socket.data.access`), never from a payload, and a signal only ever reaches a peer in the same
 * room's call, so a malformed or misdirected one gets an error ack and goes nowhere.
 */
import {
  parseActivity,
  parseJoinRequest,
  parseMediaFlags,
  parseSettings,
  parseSignal,
  type IceServer,
  type TalkPause,
} from '../../../shared/voice/protocol.ts';
import { newId } from '../ids.ts';
import { badRequest, done, featureMessages, refuse, type Answer, type Rate } from '../realtime/messages.ts';
import { roomChannel, type RoomServer, type RoomSocket, type SocketFeature } from '../realtime/socket.ts';
import type { Timers } from '../realtime/timers.ts';
import { RoomCall } from './call.ts';
import { iceServersFor } from './ice.ts';
import type { VoiceStore } from './store.ts';

/**
 * Messages per second per connection, sustained and as a burst: joining a call of eight means an
 * offer or answer and a handful of ICE candidates for each of seven peers at once.
 */
const RATE: Rate = { perSecond: 40, burst: 120 };

/** Disconnects that are the network's: the member waits for its resume (anything else leaves at once). */
const NETWORK_REASONS = new Set(['transport close', 'transport error', 'ping timeout']);

export interface VoiceFeatureOptions {
  store: VoiceStore;
  /**
   * Other processes write to the same call log (several processes on one database, REDIS_URL):
   * lines open at start-up may be theirs, and live.
   */
  clustered: boolean;
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

export function createVoice(options: VoiceFeatureOptions) {
  const now = options.now ?? (() => performance.now());
  const wallClock = options.wallClock ?? Date.now;
  const calls = new Map<string, RoomCall>();
  const failed = (err: unknown) => options.log(err, 'closing the call log failed');
  /**
   * Lines a stopped process left open get an end before any new line of their room is written,
   * so a line opened here is never closed by mistake. Alone on the database, every open line at
   * start-up is from before it. In a cluster only one process serves a room at a time (its lease),
   * so a room's lines still open when this process takes the room are from its last owner, which
   * stopped without writing their end (one that handed the room over wrote them first).
   */
  const startup = options.clustered ? Promise.resolve() : options.store.closeOpen(wallClock()).catch(failed);
  const closingRoom = new Map<string, Promise<unknown>>();
  const log = {
    joined: async (...args: Parameters<typeof options.store.log.joined>) => {
      await startup;
      await closingRoom.get(args[0]);
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
    // Also while one waits for the database, the connection's messages are handled one after another.
    const { handle, inTurn } = featureMessages(socket, { feature: 'voice', rate: RATE, tooFast: 'Too many call messages: slow down.', now, log: options.log });
    const inCall = (fn: (call: RoomCall) => Answer<unknown>): Answer<unknown> => {
      const call = calls.get(roomId);
      return call ? fn(call) : refuse('conflict', 'Join the call first (voice:join).');
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
      if (!socket.data.access.permissions.manageRoom) return refuse('forbidden', 'Only the host changes the call settings.');
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
    /** This process just took the room over from another (cluster only): see `startup`. */
    taken(roomId: string): void {
      const closing = options.store.closeOpenInRoom(roomId, wallClock()).catch(failed);
      closingRoom.set(roomId, closing);
      void closing.then(() => {
        if (closingRoom.get(roomId) === closing) closingRoom.delete(roomId);
      });
    },
    /**
     * The room moved to another process (its connections are gone): whoever waits here for their
     * connection to resume leaves now, and their leaving times are stored before the new owner
     * takes the room.
     */
    async release(roomId: string): Promise<void> {
      const call = calls.get(roomId);
      calls.delete(roomId);
      if (!call) return;
      call.dispose();
      await call.logged();
    },
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

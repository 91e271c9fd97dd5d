import type { Server as HttpServer } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import { Server, type Socket } from 'socket.io';
import type { PermissionSet } from '../../../shared/access/roles.ts';
import type { ErrorCode } from '../../../shared/errors.ts';
import { ROOM_QUERY, type ClientToServer, type ConnectErrorData, type ServerToClient } from '../../../shared/realtime/events.ts';
import type { LiveSessions } from '../access/live-sessions.ts';
import type { RoomOwnership } from '../cluster/ownership.ts';
import { checkOrigin, CROSS_ORIGIN_MESSAGE } from '../http/origin.ts';
import type { Guard, RoomAccess } from '../rooms/guard.ts';
import { Presence } from '../rooms/presence.ts';

export interface SocketData {
  access: RoomAccess;
}
export type RoomSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, SocketData>;
export type RoomServer = Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>;

/** A feature's socket handlers: called once per authorised connection. */
export type SocketFeature = (socket: RoomSocket, io: RoomServer) => void;

export const roomChannel = (roomId: string): string => `room:${roomId}`;

/** How long a room that moves to another process waits for its socket.io connections to close. */
const MOVE_PATIENCE_MS = 2000;

class ConnectError extends Error {
  readonly data: ConnectErrorData;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.data = { code };
  }
}

/** Sent by clients on their own, without anyone doing anything: not activity that keeps a session from idling out. */
const BACKGROUND_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServer>(['ping:time', 'playhead:clock']);

export interface RealtimeOptions {
  guard: Guard;
  liveSessions: LiveSessions;
  /** The configured public address, one of the origins a browser may connect from. */
  publicUrl: () => string;
  /** Which rooms this process serves; a connection waits until its room is served here. */
  ownership: RoomOwnership;
  features?: SocketFeature[];
}

export function createRealtime(server: HttpServer, options: RealtimeOptions) {
  const { guard, liveSessions, publicUrl, ownership, features = [] } = options;
  const io: RoomServer = new Server(server, {
    // Our own upgrade router owns every other path; engine.io must not destroy those sockets.
    destroyUpgrade: false,
    maxHttpBufferSize: 64 * 1024,
    serveClient: false,
    cors: { origin: false },
  });
  const presence = new Presence();

  // Identity and role come from the cookie at the handshake, never from the payload.
  io.use((socket, next) => {
    // The handshake of both transports (long-polling, where a browser starts, and WebSocket) passes here.
    if (!checkOrigin(socket.request.headers, publicUrl()).ok) return next(new ConnectError('forbidden', CROSS_ORIGIN_MESSAGE));
    const roomId = (socket.handshake.auth as { roomId?: unknown }).roomId;
    if (typeof roomId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(roomId)) {
      return next(new ConnectError('bad_request', 'auth.roomId is missing or malformed'));
    }
    // The proxy routed this connection by the URL's room: a handshake for another room would land
    // on a process that does not serve it.
    if (socket.handshake.query[ROOM_QUERY] !== roomId) {
      return next(new ConnectError('bad_request', `the handshake URL's ?${ROOM_QUERY}= must name the same room as auth.roomId`));
    }
    guard.roomAccess(fastifyCookie.parse(socket.request.headers.cookie ?? ''), roomId).then(
      async (access) => {
        if ('error' in access) return next(new ConnectError(access.error, access.message));
        socket.data.access = access;
        const claimed = ownership.claim(roomId);
        if (claimed === true || (await claimed)) return next();
        next(new ConnectError('internal', 'This room is moving to another server. Try again in a moment.'));
      },
      (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
    );
  });

  io.on('connection', (socket) => {
    const { room, participantId, name, role } = socket.data.access;
    const channel = roomChannel(room.id);
    void socket.join(channel);
    ownership.enter(room.id);
    const live = liveSessions.track(socket.data.access.session, (reason) => {
      socket.emit('session:ended', reason);
      socket.disconnect(true);
    });
    socket.onAny((event: string) => {
      if (!BACKGROUND_EVENTS.has(event)) void live.active();
    });
    io.to(channel).emit('presence:update', presence.join(room.id, { participantId, name, role }));
    socket.on('disconnect', () => {
      live.release();
      ownership.leave(room.id);
      io.to(channel).emit('presence:update', presence.leave(room.id, participantId));
    });
    // The acknowledgement is the last argument: anything a client sends before it is ignored.
    socket.on('ping:time', (...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as (serverTime: number) => void)(Date.now());
    });
    for (const feature of features) feature(socket, io);
  });

  return {
    io,
    presence,
    /** Applies a changed permission table to the live connections of a room, without dropping them. */
    refreshPermissions(roomId: string, permissionsOf: (role: RoomAccess['role']) => PermissionSet) {
      for (const socket of io.sockets.sockets.values()) {
        const a = socket.data.access;
        if (a?.room.id !== roomId) continue;
        socket.data.access = { ...a, permissions: permissionsOf(a.role) };
        socket.emit('access:changed', socket.data.access.permissions);
      }
    },
    /**
     * The room moves to another process: drop the transport under each of its connections, which
     * the client takes for a network failure and reconnects on its own (a server-side disconnect
     * would tell it to stay away); the proxy then sends it to the room's new process.
     */
    moveRoom(roomId: string): Promise<void> {
      const gone: Promise<void>[] = [];
      for (const socket of io.sockets.sockets.values()) {
        if (socket.data.access?.room.id !== roomId) continue;
        // Resolved once its disconnect handlers (presence, playhead, call) have run here.
        gone.push(new Promise((resolve) => socket.once('disconnect', () => resolve())));
        socket.conn.close();
      }
      // A transport that never reports its close (a half-open TCP connection) must not hold the room.
      const patience = new Promise<void>((resolve) => setTimeout(resolve, MOVE_PATIENCE_MS).unref());
      return Promise.race([Promise.all(gone).then(() => undefined), patience]);
    },
    /** Ends the live connections of these participants (revoked link, deleted room). */
    endParticipants(roomId: string, participantIds: Set<string> | 'all', reason: { code: ErrorCode; message: string }) {
      for (const socket of io.sockets.sockets.values()) {
        const a = socket.data.access;
        if (a?.room.id !== roomId) continue;
        if (participantIds !== 'all' && !participantIds.has(a.participantId)) continue;
        socket.emit('session:ended', reason);
        socket.disconnect(true);
      }
    },
  };
}
export type Realtime = ReturnType<typeof createRealtime>;

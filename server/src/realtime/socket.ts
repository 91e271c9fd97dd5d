import type { Server as HttpServer } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import { Server, type Socket } from 'socket.io';
import type { PermissionSet } from '../../../shared/access/roles.ts';
import type { ErrorCode } from '../../../shared/errors.ts';
import type { ClientToServer, ConnectErrorData, ServerToClient } from '../../../shared/realtime/events.ts';
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

class ConnectError extends Error {
  readonly data: ConnectErrorData;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.data = { code };
  }
}

export function createRealtime(server: HttpServer, guard: Guard, features: SocketFeature[] = []) {
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
    const roomId = (socket.handshake.auth as { roomId?: unknown }).roomId;
    if (typeof roomId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(roomId)) {
      return next(new ConnectError('bad_request', 'auth.roomId is missing or malformed'));
    }
    const access = guard.roomAccess(fastifyCookie.parse(socket.request.headers.cookie ?? ''), roomId);
    if ('error' in access) return next(new ConnectError(access.error, access.message));
    socket.data.access = access;
    next();
  });

  io.on('connection', (socket) => {
    const { room, participantId, name, role } = socket.data.access;
    const channel = roomChannel(room.id);
    void socket.join(channel);
    io.to(channel).emit('presence:update', presence.join(room.id, { participantId, name, role }));
    socket.on('disconnect', () => {
      io.to(channel).emit('presence:update', presence.leave(room.id, participantId));
    });
    socket.on('ping:time', (ack) => {
      if (typeof ack === 'function') ack(Date.now());
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

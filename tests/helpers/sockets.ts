import { io as connect, type Socket } from 'socket.io-client';
import { roomQuery, type ClientToServer, type OnlineParticipant, type ServerToClient } from '../../shared/realtime/events.ts';
import type { HttpClient } from './http.ts';

export type TestSocket = Socket<ServerToClient, ClientToServer>;

/** A real socket.io client carrying the HTTP client's cookies, as a browser would. */
export function roomSocket(http: HttpClient, roomId: string): TestSocket {
  return connect(http.base, {
    auth: { roomId },
    query: roomQuery(roomId),
    extraHeaders: { cookie: http.cookieHeader },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
}

export function connected(socket: TestSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
}

export function connectError(socket: TestSocket): Promise<{ message: string; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, but a refusal was expected')));
    socket.once('connect_error', (err) => resolve({ message: err.message, code: (err as { data?: { code?: string } }).data?.code }));
  });
}

/** Resolves with the first presence list that satisfies `until`. */
export function presenceUntil(socket: TestSocket, until: (online: OnlineParticipant[]) => boolean): Promise<OnlineParticipant[]> {
  return new Promise((resolve) => {
    const onUpdate = (online: OnlineParticipant[]) => {
      if (!until(online)) return;
      socket.off('presence:update', onUpdate);
      resolve(online);
    };
    socket.on('presence:update', onUpdate);
  });
}

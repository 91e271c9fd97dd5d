/**
 * socket.io event maps, shared so both ends are typed: `Socket<ServerToClient, ClientToServer>`
 * on the client and `Server<ClientToServer, ServerToClient>` on the server. Every client → server
 * payload is also validated at runtime on the server (see the schemas next to each feature).
 */
import type { ErrorCode } from '../errors.ts';
import type { Role } from '../access/roles.ts';

/** Sent in the handshake's `auth`; identity comes from the cookie, never from here. */
export interface HandshakeAuth {
  roomId: string;
}

/** `connect_error` data: the same codes as HTTP errors and WebSocket close codes. */
export interface ConnectErrorData {
  code: ErrorCode;
}

export interface OnlineParticipant {
  participantId: string;
  name: string;
  role: Role;
  /** Open tabs or devices of this participant. */
  connections: number;
}

/** Acknowledgement for client commands: a clear error instead of a silent drop. */
export type Ack<T = undefined> = (result: { ok: true; value?: T } | { ok: false; error: { code: ErrorCode; message: string } }) => void;

export interface ServerToClient {
  /** The full list of who is online in the room, sent on every change (small and idempotent). */
  'presence:update': (online: OnlineParticipant[]) => void;
  /** The server ends this connection's access (link revoked, room deleted). */
  'session:ended': (reason: { code: ErrorCode; message: string }) => void;
}

export interface ClientToServer {
  /** Liveness check with the server's clock, also the base for later clock sync. */
  'ping:time': (ack: (serverTime: number) => void) => void;
}

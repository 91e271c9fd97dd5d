import { io, type Socket } from 'socket.io-client';
import type { ClientToServer, ServerToClient } from '../../../shared/realtime/events.ts';

export type RoomSocket = Socket<ServerToClient, ClientToServer>;

/** One socket per open room; the room cookie travels with it, the room id says which cookie applies. */
export const connectRoomSocket = (roomId: string): RoomSocket => io({ auth: { roomId }, transports: ['websocket', 'polling'] });

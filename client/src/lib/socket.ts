import { io, type Socket } from 'socket.io-client';
import { roomQuery, type ClientToServer, type ServerToClient } from '../../../shared/realtime/events.ts';

export type RoomSocket = Socket<ServerToClient, ClientToServer>;

/** One socket per open room; the room cookie travels with it, the room id (in auth and URL) says which cookie applies and which process serves it. */
export const connectRoomSocket = (roomId: string): RoomSocket => io({ auth: { roomId }, query: roomQuery(roomId), transports: ['websocket', 'polling'] });

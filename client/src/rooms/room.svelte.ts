import { getContext, setContext } from 'svelte';
import type { RoomView } from '../../../shared/api/schemas.ts';
import type { OnlineParticipant } from '../../../shared/realtime/events.ts';
import { api } from '../lib/api.ts';
import { connectRoomSocket, type RoomSocket } from '../lib/socket.ts';
import { LocalPlayer, type RoomPlayer } from './player.svelte.ts';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'ended';

/** Everything one open room needs on the client; components read it from context. */
export class RoomState {
  view = $state<RoomView | null>(null);
  online = $state<OnlineParticipant[]>([]);
  connection = $state<ConnectionState>('connecting');
  endedReason = $state<string | null>(null);
  socket: RoomSocket | null = null;
  /** Replaced by the shared playhead once the room's video is ready. */
  player = $state<RoomPlayer>(new LocalPlayer());

  readonly roomId: string;
  constructor(roomId: string) {
    this.roomId = roomId;
  }

  get isHost(): boolean {
    return this.view?.me.permissions.manageRoom ?? false;
  }

  async open(): Promise<void> {
    this.view = await api<RoomView>('GET', `/api/rooms/${this.roomId}`);
    const socket = connectRoomSocket(this.roomId);
    this.socket = socket;
    socket.on('connect', () => (this.connection = 'connected'));
    socket.on('disconnect', () => {
      if (this.connection !== 'ended') this.connection = 'disconnected';
    });
    socket.on('connect_error', (err) => {
      const code = (err as { data?: { code?: string } }).data?.code;
      // Refusals are final; anything else is the network, which socket.io retries by itself.
      if (code === 'unauthorised' || code === 'forbidden' || code === 'not_found') {
        this.connection = 'ended';
        this.endedReason = err.message;
        socket.disconnect();
      } else this.connection = 'disconnected';
    });
    socket.on('presence:update', (online) => (this.online = online));
    socket.on('access:changed', (permissions) => {
      if (this.view) this.view.me.permissions = permissions;
    });
    socket.on('session:ended', (reason) => {
      this.connection = 'ended';
      this.endedReason = reason.message;
    });
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = null;
  }
}

const KEY = Symbol('room');
export const setRoom = (room: RoomState): RoomState => setContext(KEY, room);
export const getRoom = (): RoomState => getContext<RoomState>(KEY);

import { getContext, setContext } from 'svelte';
import type { RoomView } from '../../../shared/api/schemas.ts';
import type { ErrorCode } from '../../../shared/errors.ts';
import type { OnlineParticipant } from '../../../shared/realtime/events.ts';
import { api } from '../lib/api.ts';
import { t } from '../lib/i18n/i18n.svelte.ts';
import { connectRoomSocket, type RoomSocket } from '../lib/socket.ts';
import { LocalPlayer, type RoomPlayer } from './player.svelte.ts';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'ended';

/** Everything one open room needs on the client; components read it from context. */
export class RoomState {
  view = $state<RoomView | null>(null);
  online = $state<OnlineParticipant[]>([]);
  connection = $state<ConnectionState>('connecting');
  /** Why the server ended this connection (its code and its own words), once it has. */
  ended = $state<{ code: ErrorCode | undefined; message: string } | null>(null);
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
        this.ended = { code, message: err.message };
        socket.disconnect();
      } else this.connection = 'disconnected';
    });
    socket.on('presence:update', (online) => (this.online = online));
    socket.on('access:changed', (permissions) => {
      if (this.view) this.view.me.permissions = permissions;
    });
    socket.on('session:ended', (reason) => {
      this.connection = 'ended';
      this.ended = reason;
    });
  }

  /**
   * What the person reads once the room ended for them. A session that ended (left or signed out,
   * perhaps in another tab, or away too long) is said in their language; other endings keep the
   * server's words about what happened (an invite withdrawn, the room deleted).
   */
  get endedText(): string {
    if (!this.ended) return '';
    return this.ended.code === 'unauthorised' ? t('room.sessionEnded') : t('room.ended', { reason: this.ended.message });
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = null;
  }
}

const KEY = Symbol('room');
export const setRoom = (room: RoomState): RoomState => setContext(KEY, room);
export const getRoom = (): RoomState => getContext<RoomState>(KEY);

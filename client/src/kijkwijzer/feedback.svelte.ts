import type { Feedback, FeedbackList, FeedbackSettings } from '../../../shared/api/kijkwijzer-schemas.ts';
import type { InviteRole } from '../../../shared/access/roles.ts';
import { api } from '../lib/api.ts';
import { describeError } from '../lib/errors.ts';
import type { RoomState } from '../rooms/room.svelte.ts';

/**
 * Client feedback per fragment: fetched over HTTP because it is not in the shared document, and
 * only by roles the host allows. The server announces changes over the room socket (no text in
 * the announcement); this client then re-reads what it may see.
 */
export class FeedbackState {
  settings = $state.raw<FeedbackSettings | null>(null);
  byFragment = $state.raw<ReadonlyMap<string, Feedback>>(new Map());
  error = $state<string | null>(null);
  private readonly off: () => void;

  private readonly room: RoomState;
  constructor(room: RoomState) {
    this.room = room;
    const onChange = () => void this.load();
    room.socket?.on('kijkwijzer:feedback', onChange);
    this.off = () => room.socket?.off('kijkwijzer:feedback', onChange);
    void this.load();
  }

  private get base(): string {
    return `/api/rooms/${this.room.roomId}`;
  }

  async load(): Promise<void> {
    try {
      const settings = await api<FeedbackSettings>('GET', `${this.base}/feedback-settings`);
      const list = settings.canRead ? await api<FeedbackList>('GET', `${this.base}/feedback`) : { feedback: [] };
      this.settings = settings;
      this.byFragment = new Map(list.feedback.map((f) => [f.fragmentId, f]));
      this.error = null;
    } catch (err) {
      this.error = describeError(err);
    }
  }

  async save(fragmentId: string, text: string): Promise<boolean> {
    try {
      const stored = await api<Feedback | undefined>('PUT', `${this.base}/fragments/${fragmentId}/feedback`, { text });
      const next = new Map(this.byFragment);
      if (stored) next.set(fragmentId, stored);
      else next.delete(fragmentId);
      this.byFragment = next;
      this.error = null;
      return true;
    } catch (err) {
      this.error = describeError(err);
      return false;
    }
  }

  async setReaders(roles: InviteRole[]): Promise<void> {
    try {
      this.settings = await api<FeedbackSettings>('PUT', `${this.base}/feedback-settings`, { roles });
      this.error = null;
    } catch (err) {
      this.error = describeError(err);
    }
  }

  destroy(): void {
    this.off();
  }
}

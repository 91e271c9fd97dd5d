import type { RevealResult } from '../../../shared/api/kijkwijzer-schemas.ts';
import { addObservation, deleteObservation, observationText, observeObservations, readObservations } from '../../../shared/notes/doc.ts';
import type { Observation, ObservationKind } from '../../../shared/notes/types.ts';
import { api } from '../lib/api.ts';
import { describeError } from '../lib/errors.ts';
import type { NotesState } from '../notes/notes.svelte.ts';
import type { DocConnection } from '../notes/connection.svelte.ts';
import type { RoomState } from '../rooms/room.svelte.ts';

/**
 * Preparing alone: observations in the participant's private document, which only they can open,
 * until they reveal them. Reveal is the server's job (one request moves them between the stored
 * documents), so it also needs this document to be saved there first.
 */
export class PrivateState {
  readonly connection: DocConnection;
  observations = $state.raw<Observation[]>([]);
  selected = $state<string[]>([]);
  busy = $state(false);
  error = $state<string | null>(null);
  /** How many were revealed by the last reveal, for the status line. */
  lastRevealed = $state<number | null>(null);
  private readonly off: () => void;

  private readonly room: RoomState;
  private readonly notes: NotesState;
  constructor(room: RoomState, notes: NotesState) {
    this.room = room;
    this.notes = notes;
    this.connection = notes.openPrivate();
    const read = () => {
      this.observations = readObservations(this.connection.doc);
      this.selected = this.selected.filter((id) => this.observations.some((o) => o.id === id));
    };
    this.off = observeObservations(this.connection.doc, read);
    read();
  }

  /** Saved on the server: what reveal can move. "saved" also means nothing is waiting. */
  get saved(): boolean {
    return this.connection.saveState === 'saved';
  }

  add(kind: ObservationKind, themes: string[]): string {
    const { me } = this.notes;
    return addObservation(
      this.connection.doc,
      { start: Math.max(0, Math.round(this.room.player.position * 1000) / 1000), end: null, themes, kind, text: '', authorId: me.participantId, authorName: me.name, role: me.role },
      this,
    );
  }

  text(id: string) {
    return observationText(this.connection.doc, id);
  }

  remove(id: string): void {
    deleteObservation(this.connection.doc, id, this);
  }

  toggleSelected(id: string): void {
    this.selected = this.selected.includes(id) ? this.selected.filter((x) => x !== id) : [...this.selected, id];
  }

  async reveal(which: 'all' | 'selected'): Promise<void> {
    if (which === 'selected' && this.selected.length === 0) return;
    this.busy = true;
    try {
      const body = which === 'all' ? {} : { ids: this.selected };
      const result = await api<RevealResult>('POST', `/api/rooms/${this.room.roomId}/notes/reveal`, body);
      this.lastRevealed = result.revealed.length;
      this.selected = [];
      this.error = null;
    } catch (err) {
      this.error = describeError(err);
    } finally {
      this.busy = false;
    }
  }

  destroy(): void {
    this.off();
  }
}

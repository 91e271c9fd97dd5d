import { tick, untrack } from 'svelte';
import * as Y from 'yjs';
import type { MeInRoom } from '../../../shared/api/schemas.ts';
import {
  addObservation,
  deleteObservation,
  observationsMap,
  observationText,
  observeObservations,
  readObservationById,
  readObservations,
  updateObservation,
  type ObservationPatch,
} from '../../../shared/notes/doc.ts';
import { readPresence, type NotesPresence } from '../../../shared/notes/presence.ts';
import type { Observation, ObservationKind } from '../../../shared/notes/types.ts';
import type { RoomState } from '../rooms/room.svelte.ts';
import { DocConnection, TIMING, type SaveState } from './connection.svelte.ts';
import {
  authorsOf,
  filterObservations,
  matchesFilter,
  NO_FILTER,
  observationMarkers,
  presenceColor,
  sortObservations,
  withRangeEdge,
  type ObservationFilter,
  type SortOrder,
} from './view.ts';

/** What the status line says; read-only roles have nothing to save, so they get their own words. */
export type NotesStatus = SaveState | 'readOnly' | 'readOnlyOffline';
export type Peer = NotesPresence & { clientId: number };

const PAUSE_KEY = 'kijkkamer.notes.pauseWhileTyping';
/**
 * A long list is rendered a screenful first and the rest in chunks, one per animation frame, so a
 * room with thousands of observations shows at once and stays responsive while the rest follows.
 */
const FIRST_RENDER = 40;
const RENDER_CHUNK = 30;
/** Presence is not worth more than one awareness frame a second for the playhead position. */
const POSITION_EVERY_MS = 1000;
const TYPING_IDLE_MS = 1500;

const storageKey = (roomId: string, participantId: string, suffix = ''): string => `kijkkamer-notes:${roomId}:${participantId}${suffix}`;

/**
 * The room's observations on the client: the shared Yjs document (live, offline-capable), presence,
 * undo of one's own changes, the editing/selection state and the list's filters. One per open room.
 */
export class NotesState {
  readonly shared: DocConnection;
  readonly me: MeInRoom;
  readonly canEdit: boolean;
  /** Tracks only this client's changes (and, via y-codemirror, its typing), never a peer's. */
  readonly undoManager: Y.UndoManager;

  observations = $state.raw<Observation[]>([]);
  peers = $state.raw<Peer[]>([]);
  filter = $state<ObservationFilter>({ ...NO_FILTER });
  sort = $state<SortOrder>('time');
  /** The observation the keys `[`, `]` and 1–4 act on: the last one focused, created or edited. */
  selectedId = $state<string | null>(null);
  /** The observation whose text editor is open in this browser (at most one at a time). */
  editingId = $state<string | null>(null);
  /** Set (a new object each time) when the list should bring an observation into view and focus. */
  revealed = $state<{ id: string } | null>(null);
  pendingDelete = $state<Observation | null>(null);
  /** The "deleted — undo" notice; gone as soon as the undo stack would no longer undo that delete. */
  deletedNotice = $state<{ observation: Observation; stackItem: unknown } | null>(null);
  canUndo = $state(false);
  canRedo = $state(false);
  pauseWhileTyping = $state(localStorage.getItem(PAUSE_KEY) === 'true');

  readonly visible = $derived(sortObservations(filterObservations(this.observations, this.filter), this.sort));
  /** How many of `visible` the list renders so far (see FIRST_RENDER). */
  private renderLimit = $state(FIRST_RENDER);
  /** What the list renders: `visible`, a chunk at a time when it is long. */
  readonly shown = $derived(this.visible.length <= this.renderLimit ? this.visible : this.visible.slice(0, this.renderLimit));
  readonly authors = $derived(authorsOf(this.observations));
  /** For the shared timeline: what the list shows, coloured by theme. */
  readonly markers = $derived(observationMarkers(this.visible));
  readonly status: NotesStatus = $derived.by(() => {
    const state = this.shared.saveState;
    if (this.canEdit || state === 'closed' || state === 'connecting') return state;
    return state === 'offline' ? 'readOnlyOffline' : 'readOnly';
  });

  private readonly byId = new Map<string, Observation>();
  private privateConnection: DocConnection | null = null;
  private readonly cleanup: (() => void)[] = [];
  private typing = false;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private positionTimer: ReturnType<typeof setTimeout> | null = null;
  private positionSentAt = 0;
  private latestPosition = 0;
  private pausedForTyping = false;

  private readonly room: RoomState;
  constructor(room: RoomState) {
    this.room = room;
    if (!room.view) throw new Error('NotesState needs the loaded room');
    this.me = room.view.me;
    this.canEdit = this.me.permissions.editObservations;
    this.shared = new DocConnection(room.roomId, storageKey(room.roomId, this.me.participantId), true);
    const { doc } = this.shared;

    this.undoManager = new Y.UndoManager(observationsMap(doc), { trackedOrigins: new Set([this]) });
    const onStack = () => this.onUndoStack();
    const onAdded = (event: { stackItem: unknown; type: 'undo' | 'redo' }) => {
      if (event.type === 'undo' && this.deletedNotice && event.stackItem !== this.deletedNotice.stackItem) this.deletedNotice = null;
      onStack();
    };
    const onPopped = (event: { stackItem: unknown }) => {
      if (this.deletedNotice && event.stackItem === this.deletedNotice.stackItem) this.deletedNotice = null;
      onStack();
    };
    this.undoManager.on('stack-item-added', onAdded);
    this.undoManager.on('stack-item-popped', onPopped);
    this.undoManager.on('stack-cleared', onStack);
    this.cleanup.push(() => this.undoManager.destroy());

    for (const obs of readObservations(doc)) this.byId.set(obs.id, obs);
    this.observations = [...this.byId.values()];
    this.cleanup.push(observeObservations(doc, (ids) => this.reread(ids)));

    const { color, colorLight } = presenceColor(this.me.participantId);
    this.shared.awareness.setLocalState({
      user: { participantId: this.me.participantId, name: this.me.name, role: this.me.role, color, colorLight },
      position: null,
      editing: null,
      typing: false,
    });
    const onAwareness = () => this.readPeers();
    this.shared.awareness.on('change', onAwareness);
    this.cleanup.push(() => this.shared.awareness.off('change', onAwareness));

    this.cleanup.push(
      $effect.root(() => {
        $effect(() => {
          const position = this.room.player.position;
          untrack(() => this.queuePosition(position));
        });
        $effect(() => {
          const total = this.visible.length;
          if (this.renderLimit >= total) return;
          const frame = requestAnimationFrame(() => (this.renderLimit = Math.min(total, this.renderLimit + RENDER_CHUNK)));
          return () => cancelAnimationFrame(frame);
        });
        $effect(() => {
          // The room session ended (access revoked, room deleted): stop syncing notes too.
          if (this.room.connection === 'ended') untrack(() => this.shared.disconnect());
        });
      }),
    );
    void this.timeRendering();
  }

  /** User Timing marks (see TIMING): the list rendered after the first sync, and all of it. */
  private async timeRendering(): Promise<void> {
    await this.shared.firstSync;
    await tick();
    performance.mark(TIMING.rendered);
    while (this.renderLimit < this.visible.length) await new Promise((resolve) => requestAnimationFrame(resolve));
    await tick();
    performance.mark(TIMING.allRendered);
  }

  get doc(): Y.Doc {
    return this.shared.doc;
  }

  get position(): number {
    return this.room.player.position;
  }

  text(id: string): Y.Text | null {
    return observationText(this.doc, id);
  }

  get(id: string): Observation | undefined {
    return this.byId.get(id);
  }

  peersEditing(id: string): Peer[] {
    return this.peers.filter((p) => p.editing === id);
  }

  /**
   * The participant's private document (their own preparation; only they can open it), opened on
   * first use. The server refuses it (4403) to roles that cannot write observations.
   */
  openPrivate(): DocConnection {
    this.privateConnection ??= new DocConnection(`${this.room.roomId}/private`, storageKey(this.room.roomId, this.me.participantId, ':private'));
    return this.privateConnection;
  }

  // --- changes ---------------------------------------------------------------------------------

  /** A new observation at the current moment, opened for typing. Null for read-only roles. */
  create(): string | null {
    if (!this.canEdit) return null;
    const id = this.change(() =>
      addObservation(
        this.doc,
        {
          start: Math.max(0, Math.round(this.room.player.position * 1000) / 1000),
          end: null,
          themes: [],
          kind: 'notitie',
          text: '',
          authorId: this.me.participantId,
          authorName: this.me.name,
          role: this.me.role,
        },
        this,
      ),
    );
    // A filter that would hide the new observation would look like N did nothing.
    const created = this.byId.get(id);
    if (created && !matchesFilter(created, this.filter)) this.filter = { ...NO_FILTER };
    this.startEditing(id);
    this.ensureShown(id);
    return id;
  }

  update(id: string, patch: ObservationPatch): void {
    if (!this.canEdit) return;
    this.change(() => updateObservation(this.doc, id, patch, this));
  }

  setKind(id: string, kind: ObservationKind): void {
    if (this.byId.get(id)?.kind !== kind) this.update(id, { kind });
  }

  toggleTheme(id: string, theme: string): void {
    const obs = this.byId.get(id);
    if (!obs) return;
    this.update(id, { themes: obs.themes.includes(theme) ? obs.themes.filter((t) => t !== theme) : [...obs.themes, theme] });
  }

  /** `[` / `]`: the start or end of the observation's range at the current moment. */
  setRangeEdge(id: string, edge: 'start' | 'end'): void {
    const obs = this.byId.get(id);
    if (obs) this.update(id, withRangeEdge(obs, edge, Math.round(this.room.player.position * 1000) / 1000));
  }

  requestDelete(id: string): void {
    if (this.canEdit) this.pendingDelete = this.byId.get(id) ?? null;
  }

  cancelDelete(): void {
    this.pendingDelete = null;
  }

  confirmDelete(): void {
    const obs = this.pendingDelete;
    this.pendingDelete = null;
    if (!obs || !this.canEdit) return;
    if (this.editingId === obs.id) this.stopEditing();
    if (!this.change(() => deleteObservation(this.doc, obs.id, this))) return;
    if (this.selectedId === obs.id) this.selectedId = null;
    this.deletedNotice = { observation: obs, stackItem: this.undoManager.undoStack.at(-1) };
  }

  /** The notice's button: undoes exactly that delete (the notice is gone once it no longer would). */
  undoDelete(): void {
    const notice = this.deletedNotice;
    if (notice && this.undoManager.undoStack.at(-1) === notice.stackItem) this.undoManager.undo();
    this.deletedNotice = null;
  }

  undo(): void {
    this.undoManager.undo();
  }

  redo(): void {
    this.undoManager.redo();
  }

  seek(obs: Observation): void {
    this.room.player.seek(obs.start);
  }

  /** A timeline marker was clicked: take the room to the observation and show it in the list. */
  reveal(id: string): void {
    const obs = this.byId.get(id);
    if (!obs) return;
    this.seek(obs);
    if (!matchesFilter(obs, this.filter)) this.filter = { ...NO_FILTER };
    this.selectedId = id;
    this.ensureShown(id);
    this.revealed = { id };
  }

  /** An observation someone is taken to must be in the rendered part of a long list. */
  private ensureShown(id: string): void {
    const at = this.visible.findIndex((o) => o.id === id);
    if (at >= this.renderLimit) this.renderLimit = at + 1;
  }

  // --- editing and presence --------------------------------------------------------------------

  startEditing(id: string): void {
    if (!this.canEdit) return;
    if (this.editingId && this.editingId !== id) this.stopEditing();
    this.editingId = id;
    this.selectedId = id;
    this.publish({ editing: id });
    // "Pauzeer tijdens typen": paused while the editor is open; resumed on closing it, but only if
    // we were the ones who paused it.
    if (this.pauseWhileTyping && !this.room.player.paused) {
      this.room.player.pause();
      this.pausedForTyping = true;
    }
  }

  stopEditing(): void {
    if (this.editingId === null) return;
    this.editingId = null;
    this.setTyping(false);
    this.publish({ editing: null });
    if (this.pausedForTyping && this.room.player.paused) this.room.player.play();
    this.pausedForTyping = false;
  }

  /** Called by the editor on each local edit; others see "typt…" until it has been quiet a moment. */
  noteTyping(): void {
    this.setTyping(true);
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_IDLE_MS);
  }

  setPauseWhileTyping(on: boolean): void {
    this.pauseWhileTyping = on;
    localStorage.setItem(PAUSE_KEY, String(on));
  }

  destroy(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    if (this.positionTimer) clearTimeout(this.positionTimer);
    for (const fn of this.cleanup.splice(0)) fn();
    this.privateConnection?.destroy();
    this.shared.destroy();
  }

  // --- internals -------------------------------------------------------------------------------

  /** One undo step per action: a kind change right after typing must not be undone with the typing. */
  private change<T>(fn: () => T): T {
    this.undoManager.stopCapturing();
    const result = fn();
    this.undoManager.stopCapturing();
    return result;
  }

  private reread(ids: Set<string>): void {
    for (const id of ids) {
      const obs = readObservationById(this.doc, id);
      if (obs) this.byId.set(id, obs);
      else this.byId.delete(id);
    }
    this.observations = [...this.byId.values()];
    // Deleted by someone else (or undone) while open here: close the editor rather than bind to nothing.
    if (this.editingId && !this.byId.has(this.editingId)) this.stopEditing();
  }

  private onUndoStack(): void {
    this.canUndo = this.undoManager.undoStack.length > 0;
    this.canRedo = this.undoManager.redoStack.length > 0;
  }

  private readPeers(): void {
    const peers: Peer[] = [];
    for (const [clientId, state] of this.shared.awareness.getStates()) {
      if (clientId === this.doc.clientID) continue;
      const presence = readPresence(state);
      if (presence) peers.push({ ...presence, clientId });
    }
    this.peers = peers;
  }

  private setTyping(typing: boolean): void {
    if (this.typing === typing) return;
    this.typing = typing;
    if (!typing && this.typingTimer) clearTimeout(this.typingTimer);
    this.publish({ typing });
  }

  private queuePosition(position: number): void {
    this.latestPosition = position;
    if (this.positionTimer) return;
    this.positionTimer = setTimeout(
      () => {
        this.positionTimer = null;
        this.positionSentAt = Date.now();
        this.publish({ position: Math.round(this.latestPosition * 10) / 10 });
      },
      Math.max(0, this.positionSentAt + POSITION_EVERY_MS - Date.now()),
    );
  }

  /** Every awareness change is a frame to the server and every peer: only send real changes. */
  private publish(fields: Partial<Pick<NotesPresence, 'position' | 'editing' | 'typing'>>): void {
    const awareness = this.shared.awareness;
    const current = awareness.getLocalState();
    if (!current) return;
    const changed = (Object.keys(fields) as (keyof typeof fields)[]).some((key) => current[key] !== fields[key]);
    if (changed) awareness.setLocalState({ ...current, ...fields });
  }
}

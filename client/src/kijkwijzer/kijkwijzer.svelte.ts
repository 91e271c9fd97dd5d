import { untrack } from 'svelte';
import * as Y from 'yjs';
import {
  addAandachtspunt,
  addFragment,
  chooseThemes,
  deleteAandachtspunt,
  deleteFragment,
  ensureMetaText,
  fragmentsMap,
  aandachtspuntenMap,
  leerpuntenMap,
  metaText,
  moveFragment,
  nextFragment,
  readAandachtspunten,
  readFragments,
  readLeerpunten,
  readPlaylist,
  readSlim,
  readWerkblad,
  setLeerpunt,
  setPlaylist,
  setSlimRole,
  setSlimSelfImage,
  setStep,
  setWatchWith,
  toggleTheme,
  updateAandachtspunt,
  updateFragment,
  type Aandachtspunt,
  type AandachtspuntPatch,
  type DocFragment,
  type FragmentInit,
  type FragmentPatch,
  type Leerpunt,
  type PlaylistState,
  type Slim,
  type Werkblad,
} from '../../../shared/kijkwijzer/doc.ts';
import type { MeInRoom } from '../../../shared/api/schemas.ts';
import type { ThemeChoiceResult } from '../../../shared/kijkwijzer/werkblad.ts';
import { metaMap } from '../../../shared/notes/doc.ts';
import type { Observation } from '../../../shared/notes/types.ts';
import type { NotesState } from '../notes/notes.svelte.ts';
import type { RoomState } from '../rooms/room.svelte.ts';
import { playlistStep, type PlaylistPhase } from './playlist.ts';

/**
 * The Kijkwijzer of one open room on the client: reactive snapshots of its part of the shared
 * document (read through shared/kijkwijzer/doc.ts only), the edits people make, and the playlist
 * that steers `room.player`. Uses the observations' document and provider (NotesState): one
 * connection per document.
 */
export class KijkwijzerState {
  werkblad = $state.raw<Werkblad>(readWerkblad(new Y.Doc()));
  slim = $state.raw<Slim>(readSlim(new Y.Doc()));
  fragments = $state.raw<DocFragment[]>([]);
  aandachtspunten = $state.raw<Aandachtspunt[]>([]);
  leerpunten = $state.raw<Leerpunt[]>([]);
  playlist = $state.raw<PlaylistState | null>(null);
  /** Why the last theme choice was refused, until the next successful one. */
  themeRefusal = $state<Exclude<ThemeChoiceResult, { ok: true }>['reason'] | null>(null);
  /** Up to date with the server: texts may only be created then (see ensureText). */
  synced = $state(false);
  /** Where this client's playlist run is; only the driver's client has one. */
  phase = $state<PlaylistPhase>('idle');
  /** Bumped on every change of `meta`, so `text()` is reactive to texts appearing. */
  private metaVersion = $state(0);
  private readonly cleanup: (() => void)[] = [];

  readonly me: MeInRoom;
  readonly canEdit: boolean;
  readonly canControl: boolean;
  readonly isHost: boolean;

  readonly currentFragment = $derived.by(() => (this.playlist ? (this.fragments.find((f) => f.id === this.playlist!.fragmentId) ?? null) : null));
  readonly isDriver = $derived.by(() => this.playlist !== null && this.playlist.driverId === this.me.participantId);

  private readonly room: RoomState;
  readonly notes: NotesState;
  constructor(room: RoomState, notes: NotesState) {
    this.room = room;
    this.notes = notes;
    this.me = notes.me;
    this.canEdit = notes.canEdit;
    this.canControl = this.me.permissions.controlPlayback;
    this.isHost = this.me.permissions.manageRoom;
    const doc = this.doc;

    const observe = (type: Pick<Y.Map<unknown>, 'observeDeep' | 'unobserveDeep'>, read: () => void) => {
      const handler = () => read();
      type.observeDeep(handler);
      this.cleanup.push(() => type.unobserveDeep(handler));
      read();
    };
    observe(metaMap(doc), () => {
      this.werkblad = readWerkblad(doc);
      this.slim = readSlim(doc);
      this.playlist = readPlaylist(doc);
      this.metaVersion++;
    });
    observe(fragmentsMap(doc), () => {
      this.fragments = readFragments(doc);
      // The current fragment may have been deleted or changed.
      this.playlist = readPlaylist(doc);
    });
    observe(aandachtspuntenMap(doc), () => (this.aandachtspunten = readAandachtspunten(doc)));
    observe(leerpuntenMap(doc), () => (this.leerpunten = readLeerpunten(doc)));

    const provider = notes.shared.provider;
    this.synced = provider.synced;
    const onSync = (synced: boolean) => (this.synced = synced);
    provider.on('sync', onSync);
    this.cleanup.push(() => provider.off('sync', onSync));

    this.cleanup.push(
      $effect.root(() => {
        // The driver's client watches the position and pauses the room at the fragment's end.
        $effect(() => {
          const fragment = this.isDriver ? this.currentFragment : null;
          const { position, paused } = this.room.player;
          const phase = this.phase;
          if (!fragment) return;
          const step = playlistStep(phase, fragment, position, paused);
          if (step.phase !== phase) untrack(() => (this.phase = step.phase));
          if (step.pauseAt !== null) {
            const at = step.pauseAt;
            untrack(() => {
              this.room.player.pause();
              // Everyone lands on the same frame: the end, not wherever the pause caught the video.
              this.room.player.seek(at);
            });
          }
        });
      }),
    );
  }

  get doc(): Y.Doc {
    return this.notes.doc;
  }

  /** The Y.Text at a werkblad or SLIM text key, or null while it does not exist yet. */
  text(key: string): Y.Text | null {
    void this.metaVersion;
    return metaText(this.doc, key);
  }

  /**
   * Creates a text field's Y.Text, but only once synced: a client creating it before it has the
   * server's copy would replace the existing text (and what others wrote in it) with an empty one.
   */
  ensureText(key: string): Y.Text | null {
    if (!this.canEdit || !this.synced) return metaText(this.doc, key);
    return ensureMetaText(this.doc, key, this);
  }

  // ---- werkblad ---------------------------------------------------------------------------------

  toggleTheme(id: string): boolean {
    if (!this.canEdit) return false;
    const result = toggleTheme(this.doc, id, this);
    this.themeRefusal = result.ok ? null : result.reason;
    return result.ok;
  }

  chooseThemes(ids: readonly string[]): boolean {
    if (!this.canEdit) return false;
    const result = chooseThemes(this.doc, ids, this);
    this.themeRefusal = result.ok ? null : result.reason;
    return result.ok;
  }

  toggleWatchWith(id: string): void {
    if (!this.canEdit) return;
    const current = this.werkblad.watchWith as string[];
    setWatchWith(this.doc, current.includes(id) ? current.filter((x) => x !== id) : [...current, id], this);
  }

  setStep(step: string): void {
    if (this.isHost) setStep(this.doc, step, this);
  }

  /** "Wat ik zie" for a theme: the observations of kind zie tagged with it, in time order. */
  zieFor(themeId: string): Observation[] {
    return this.notes.observations.filter((o) => o.kind === 'zie' && o.themes.includes(themeId)).sort((a, b) => a.start - b.start);
  }

  seek(seconds: number): void {
    this.room.player.seek(seconds);
  }

  get position(): number {
    return this.room.player.position;
  }

  // ---- SLIM -------------------------------------------------------------------------------------

  setSelfImage(id: string | null): void {
    if (this.canEdit) setSlimSelfImage(this.doc, id, this);
  }

  setRole(id: string | null): void {
    if (this.canEdit) setSlimRole(this.doc, id, this);
  }

  // ---- fragments and the playlist ---------------------------------------------------------------

  addFragment(init: Omit<FragmentInit, 'id' | 'order'>): string | null {
    return this.canEdit ? addFragment(this.doc, init, this) : null;
  }

  updateFragment(id: string, patch: FragmentPatch): void {
    if (this.canEdit) updateFragment(this.doc, id, patch, this);
  }

  deleteFragment(id: string): void {
    if (this.canEdit) deleteFragment(this.doc, id, this);
  }

  moveFragment(id: string, direction: -1 | 1): void {
    if (this.canEdit) moveFragment(this.doc, id, direction, this);
  }

  /** Plays one fragment for the whole room; this client becomes the one that pauses it at its end. */
  playFragment(id: string): void {
    const fragment = this.fragments.find((f) => f.id === id);
    if (!fragment || !this.canControl) return;
    setPlaylist(this.doc, { fragmentId: id, driverId: this.me.participantId }, this);
    this.phase = 'seeking';
    this.room.player.seek(fragment.start);
    this.room.player.play();
  }

  /** The next fragment after the current one (the first if none), or null after the last. */
  readonly upcoming = $derived.by(() => {
    // Read from the document, recomputed whenever the snapshots it depends on change.
    void this.fragments;
    return nextFragment(this.doc, this.playlist?.fragmentId ?? null);
  });

  playNext(): void {
    const next = this.upcoming;
    if (next) this.playFragment(next.id);
  }

  stopPlaylist(): void {
    if (!this.canControl) return;
    setPlaylist(this.doc, null, this);
    this.phase = 'idle';
  }

  // ---- aandachtspunten and leerpunten -----------------------------------------------------------

  addAandachtspunt(text: string, links: { fragmentIds: string[]; observationIds: string[] }): string | null {
    if (!this.canEdit) return null;
    return addAandachtspunt(this.doc, { text, ...links, authorId: this.me.participantId, authorName: this.me.name }, this);
  }

  updateAandachtspunt(id: string, patch: AandachtspuntPatch): void {
    if (this.canEdit) updateAandachtspunt(this.doc, id, patch, this);
  }

  deleteAandachtspunt(id: string): void {
    if (this.canEdit) deleteAandachtspunt(this.doc, id, this);
  }

  setLeerpunt(source: { roomId: string; punt: Aandachtspunt }, fields: { tried: string; outcome: string }): void {
    if (!this.canEdit) return;
    setLeerpunt(
      this.doc,
      { id: source.punt.id, sourceRoomId: source.roomId, aandachtspunt: source.punt.text, ...fields, authorId: this.me.participantId, authorName: this.me.name },
      this,
    );
  }

  destroy(): void {
    for (const fn of this.cleanup.splice(0)) fn();
  }
}

import { getContext, setContext } from 'svelte';
import { addObservation } from '../../../shared/notes/doc.ts';
import { applyCorrection, type Correction, type CorrectionRefusal } from '../../../shared/spreektijd/corrections.ts';
import { figures, type Beurt, type Figures } from '../../../shared/spreektijd/figures.ts';
import type { AnalysisStatus, SpreektijdView } from '../../../shared/spreektijd/schemas.ts';
import { speakerNumber, type Speaker, type SpeakerCount, type SpeakerId, type Turn } from '../../../shared/spreektijd/types.ts';
import { ApiError, api } from '../lib/api.ts';
import { describeError } from '../lib/errors.ts';
import { t } from '../lib/i18n/i18n.svelte.ts';
import type { NotesState } from '../notes/notes.svelte.ts';
import type { RoomState } from '../rooms/room.svelte.ts';

/** Colours of the voices on the lane: distinguishable, and ≥ 4.5:1 against white text. */
export const SPEAKER_COLOURS: Readonly<Record<SpeakerId, string>> = { s1: '#1F5F8B', s2: '#A3470F', s3: '#4B6B2A' };

/**
 * The room's spreektijd on the client: the turns and status from the server (refetched on every
 * `spreektijd:changed`, live progress from `spreektijd:progress`), the figures computed here from
 * the same pure functions the server uses, and the host's corrections.
 */
export class SpreektijdState {
  view = $state.raw<SpreektijdView | null>(null);
  /** Live progress; newer than `view.status` while the analysis runs. */
  progress = $state.raw<AnalysisStatus | null>(null);
  /** The turn the host selected on the lane, to correct. */
  selectedId = $state<string | null>(null);
  /** The last refusal or failure, in the person's language. */
  error = $state<string | null>(null);
  /** The person may not watch the video, so the turns (derived from it) are not theirs to see. */
  hidden = $state(false);
  busy = $state(false);

  readonly status = $derived(this.progress ?? this.view?.status ?? null);
  readonly speakers = $derived<Speaker[]>(this.view?.speakers ?? []);
  readonly turns = $derived<Turn[]>(this.view?.turns ?? []);
  readonly figures = $derived<Figures>(figures(this.turns, this.speakers.map((s) => s.id)));
  readonly selected = $derived(this.turns.find((t) => t.id === this.selectedId) ?? null);

  private readonly room: RoomState;
  private readonly cleanup: (() => void)[] = [];
  private fetched = 0;

  constructor(room: RoomState) {
    this.room = room;
  }

  get isHost(): boolean {
    return this.room.isHost;
  }

  /** Starts following the room once it is open (socket and view known). */
  start(): void {
    const socket = this.room.socket;
    if (!socket) return;
    const onProgress = (status: AnalysisStatus) => {
      this.progress = status;
      if (status.state === 'done' || status.state === 'failed') void this.refresh();
    };
    const onChanged = ({ revision }: { revision: number }) => {
      if (revision !== this.view?.revision) void this.refresh();
    };
    // A new video (or none) changes what there is to analyse.
    const onMedia = () => void this.refresh();
    socket.on('spreektijd:progress', onProgress);
    socket.on('spreektijd:changed', onChanged);
    socket.on('media:changed', onMedia);
    socket.on('connect', onMedia);
    this.cleanup.push(() => {
      socket.off('spreektijd:progress', onProgress);
      socket.off('spreektijd:changed', onChanged);
      socket.off('media:changed', onMedia);
      socket.off('connect', onMedia);
    });
    void this.refresh();
  }

  destroy(): void {
    for (const c of this.cleanup.splice(0)) c();
  }

  async refresh(): Promise<void> {
    const ticket = ++this.fetched;
    try {
      const view = await api<SpreektijdView>('GET', `/api/rooms/${this.room.roomId}/spreektijd`);
      // An older answer that arrives late must not replace a newer one.
      if (ticket !== this.fetched) return;
      this.hidden = false;
      this.show(view);
    } catch (err) {
      if (ticket !== this.fetched) return;
      if (err instanceof ApiError && err.code === 'forbidden') {
        this.hidden = true;
        this.view = null;
      } else this.error = describeError(err);
    }
  }

  private show(view: SpreektijdView): void {
    if (this.view && view.revision < this.view.revision) return;
    this.view = view;
    this.progress = view.status.state === 'running' || view.status.state === 'queued' ? (this.progress ?? view.status) : null;
    if (this.selectedId && !view.turns.some((t) => t.id === this.selectedId)) this.selectedId = null;
  }

  /** The speaker as the room calls them, in the person's language: name, else role, else "Spreker n". */
  label(id: SpeakerId): string {
    const speaker = this.speakers.find((s) => s.id === id);
    if (speaker?.name.trim()) return speaker.name.trim();
    if (!speaker?.role) return t('spreektijd.speakerN', { n: speakerNumber(id) });
    const same = this.speakers.filter((s) => s.role === speaker.role);
    const role = t(`spreektijd.role.${speaker.role}`);
    return same.length > 1 ? `${role} ${same.indexOf(speaker) + 1}` : role;
  }

  seek(seconds: number): void {
    this.room.player.seek(seconds);
  }

  /** Host: analyse (again), with the number of speakers or automatically. */
  async run(speakers: SpeakerCount): Promise<void> {
    this.error = null;
    try {
      this.progress = await api<AnalysisStatus>('POST', `/api/rooms/${this.room.roomId}/spreektijd/analysis`, { speakers });
    } catch (err) {
      this.error = describeError(err);
    }
  }

  /**
   * Host: one correction. Checked here first with the same reducer the server runs, so a refusal
   * is explained at once in the person's language; the server's answer is then what everyone sees.
   */
  async correct(correction: Correction): Promise<boolean> {
    const view = this.view;
    if (!view) return false;
    const local = applyCorrection({ speakers: view.speakers, turns: view.turns }, correction, 'c0');
    if (!local.ok) {
      this.error = refusal(local.reason);
      return false;
    }
    return this.send('corrections', correction);
  }

  undo = (): Promise<boolean> => this.send('undo');
  redo = (): Promise<boolean> => this.send('redo');

  private async send(path: 'corrections' | 'undo' | 'redo', body?: Correction): Promise<boolean> {
    this.error = null;
    this.busy = true;
    try {
      this.show(await api<SpreektijdView>('POST', `/api/rooms/${this.room.roomId}/spreektijd/${path}`, body));
      return true;
    } catch (err) {
      this.error = err instanceof ApiError && err.code === 'conflict' ? refusal('gone') : describeError(err);
      await this.refresh();
      return false;
    } finally {
      this.busy = false;
    }
  }

  /**
   * One click from a measured beurt to evidence in the werkblad: an observation "zie" under the
   * spreektijd theme with its time range and what was measured.
   */
  addEvidence(notes: NotesState, beurt: Beurt, text: string): string | null {
    if (!notes.canEdit) return null;
    return addObservation(
      notes.doc,
      {
        start: beurt.start,
        end: beurt.end,
        themes: ['spreektijd'],
        kind: 'zie',
        text,
        authorId: notes.me.participantId,
        authorName: notes.me.name,
        role: notes.me.role,
      },
      notes,
    );
  }
}

const refusal = (reason: CorrectionRefusal): string => t(`spreektijd.refused.${reason}`);

const KEY = Symbol('spreektijd');
export const setSpreektijd = (state: SpreektijdState): SpreektijdState => setContext(KEY, state);
export const getSpreektijd = (): SpreektijdState | undefined => getContext<SpreektijdState | undefined>(KEY);

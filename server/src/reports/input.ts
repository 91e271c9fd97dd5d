/**
 * Gathers one room's snapshot for the pure builders in shared/reports: the live shared document
 * (never a private one, so nobody's unrevealed observations can leak into an export), the
 * participants, the video's facts, the consent's client pseudonym and the Kijkwijzer themes.
 */
import { readAandachtspunten, readFragments, readSlim, readWerkblad, type Slim } from '../../../shared/kijkwijzer/doc.ts';
import { SLIM_ROLES, SLIM_SELF_IMAGES } from '../../../shared/kijkwijzer/slim.ts';
import { KIJKWIJZER_THEMES, themeById } from '../../../shared/kijkwijzer/themes.ts';
import { WATCH_WITH } from '../../../shared/kijkwijzer/werkblad.ts';
import { readObservations } from '../../../shared/notes/doc.ts';
import type { Fragment } from '../../../shared/notes/types.ts';
import type { WerkbladInput, WerkbladSlim, WerkbladTheme } from '../../../shared/reports/markdown.ts';
import type { ReportInput, ReportTheme } from '../../../shared/reports/types.ts';
import type { RoomAccess } from '../rooms/guard.ts';
import { sharedDocName } from '../notes/endpoint.ts';
import type { FeedbackStore } from '../kijkwijzer/feedback-store.ts';
import type { ConsentStore } from '../media/consent-store.ts';
import type { MediaStore } from '../media/media-store.ts';
import type { DocHub } from '../notes/hub.ts';
import type { ParticipantStore } from '../rooms/participant-store.ts';
import type { SpeakerTrack } from '../../../shared/spreektijd/corrections.ts';

export interface RoomReport {
  input: ReportInput & { werkblad: WerkbladInput };
  /**
   * The requester's role may read client feedback (the Kijkwijzer feedback store's rule). When
   * false, every fragment's `clientFeedback` is empty and must not be shown.
   */
  includeClientFeedback: boolean;
  /** The werkblad themes' heading questions, by theme id (the print report shows them). */
  themeTitles: ReadonlyMap<string, string>;
}

/** Every Kijkwijzer theme, so an EAF vocabulary / QDA codebook is complete whatever was used. */
export const REPORT_THEMES: readonly ReportTheme[] = KIJKWIJZER_THEMES.map((t) => ({ id: t.id, name: t.shortName.nl }));

function slimInput(slim: Slim): WerkbladSlim | null {
  if (!slim.selfImage && !slim.role && !slim.selfImageOther.trim() && !slim.roleOther.trim()) return null;
  // "Anders, namelijk …" is only useful with what was filled in after it.
  const label = (options: readonly { id: string; label: { nl: string } }[], id: string | null, other: string): string =>
    id === 'anders' ? other.trim() || 'anders' : (options.find((o) => o.id === id)?.label.nl ?? '');
  return {
    selfImage: label(SLIM_SELF_IMAGES, slim.selfImage, slim.selfImageOther),
    role: label(SLIM_ROLES, slim.role, slim.roleOther),
    matches: slim.matches,
  };
}

/** Reads everything synchronously, so the snapshot is one consistent state of the document. */
/** The stores a report reads from. */
export interface ReportSources {
  notes: DocHub;
  participants: ParticipantStore;
  mediaStore: MediaStore;
  consents: ConsentStore;
  feedback: FeedbackStore;
  /** The room's corrected speaker turns if this requester may see them (they derive from the recording). */
  spreektijd: { trackFor(access: RoomAccess): Promise<SpeakerTrack | null> };
}

export async function buildRoomReport(services: ReportSources, access: RoomAccess, exportedAt = new Date()): Promise<RoomReport> {
  const { notes, participants, mediaStore, consents, feedback, spreektijd } = services;
  const roomId = access.room.id;
  const includeClientFeedback = (await feedback.access(roomId, access.role, access.permissions.manageRoom)).canRead;
  const feedbackByFragment = new Map(includeClientFeedback ? (await feedback.list(roomId)).map((f) => [f.fragmentId, f.text]) : []);
  const media = await mediaStore.get(roomId);
  const clientPseudonym = (await consents.current(roomId))?.clientLabel ?? null;
  const people = await participants.listByRoom(roomId);
  const speakerTrack = await spreektijd.trackFor(access);
  // The document last, and read without awaiting: the hub may replace its instance later.
  const doc = await notes.getDoc(sharedDocName(roomId));
  const fragments: Fragment[] = readFragments(doc).map((f) => ({ ...f, clientFeedback: feedbackByFragment.get(f.id) ?? '' }));
  const werkblad = readWerkblad(doc);
  const themes: WerkbladTheme[] = werkblad.themes.map((id) => {
    const theme = themeById(id);
    const notesOf = werkblad.themeNotes[id];
    return { id, name: theme.shortName.nl, questions: theme.questions.map((q) => q.nl), vraag: notesOf?.vraag ?? '', anders: notesOf?.anders ?? '' };
  });
  const watchWith = werkblad.watchWith.map((id) => {
    const label = WATCH_WITH.find((w) => w.id === id)?.label.nl ?? id;
    return id === 'anders' && werkblad.watchWithOther.trim() ? `${label}: ${werkblad.watchWithOther.trim()}` : label;
  });

  return {
    input: {
      room: { id: roomId, title: access.room.title, recordedOn: access.room.recordedOn },
      media: media ? { fileName: media.fileName, mimeType: media.mimeType ?? '', durationSeconds: media.facts.durationSeconds } : null,
      clientPseudonym,
      participants: people.map((p) => ({ id: p.id, name: p.name, role: p.role })),
      observations: readObservations(doc),
      fragments,
      themes: [...REPORT_THEMES],
      exportedAt,
      speakerTrack,
      werkblad: {
        goal: werkblad.goal,
        watchWith,
        themes,
        aandachtspunten: readAandachtspunten(doc).map((a) => ({ text: a.text })),
        slim: slimInput(readSlim(doc)),
      },
    },
    includeClientFeedback,
    themeTitles: new Map(werkblad.themes.map((id) => [id, themeById(id).title.nl])),
  };
}

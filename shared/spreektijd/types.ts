/**
 * Spreektijd: who speaks when in the room's recording. The server measures it from the audio
 * (voice activity, then speakers); the host names the speakers and corrects the turns; the
 * figures (shared/spreektijd/figures.ts) are computed from the corrected turns on both sides.
 */

/** A detected voice: `s1`, `s2`, `s3` in the order they first speak. */
export const SPEAKER_IDS = ['s1', 's2', 's3'] as const;
export type SpeakerId = (typeof SPEAKER_IDS)[number];

/** What the host says a voice is. Exports keep this role, never a name, when pseudonymised. */
export const SPEAKER_ROLES = ['klantmanager', 'client', 'anders'] as const;
export type SpeakerRole = (typeof SPEAKER_ROLES)[number];

export interface Speaker {
  id: SpeakerId;
  /** Null until the host says who this is. */
  role: SpeakerRole | null;
  /** An optional name the host gives (e.g. the colleague's); never in pseudonymised exports. */
  name: string;
}

/**
 * One turn: a stretch of speech by one speaker, in seconds. `overlap` turns were marked by the
 * host as spoken over someone else (an interruption or back-channel): they lie on top of the
 * other turns instead of cutting them.
 */
export interface Turn {
  id: string;
  speaker: SpeakerId;
  start: number;
  end: number;
  overlap: boolean;
}

/** The analysis's automatic result, before any correction. */
export interface AnalysisResult {
  speakers: SpeakerId[];
  turns: Turn[];
  /** How the number of speakers was decided. */
  speakerCount: 'auto' | 'host';
}

/** How far the analysis is. `none`: never ran (or the recording is not on the server). */
export const ANALYSIS_STATES = ['none', 'queued', 'running', 'done', 'failed'] as const;
export type AnalysisState = (typeof ANALYSIS_STATES)[number];

/** The steps of a run, in order; shown as the progress label. */
export const ANALYSIS_STAGES = ['decoding', 'voices', 'speakers'] as const;
export type AnalysisStage = (typeof ANALYSIS_STAGES)[number];

/** Why an analysis did not give turns; each has a Dutch sentence for the room. */
export const ANALYSIS_FAILURES = ['no_audio', 'too_long', 'unreadable', 'not_on_server', 'crashed', 'timeout'] as const;
export type AnalysisFailure = (typeof ANALYSIS_FAILURES)[number];

/** Longest recording analysed: 4 hours keeps memory and time bounded on a small server. */
export const MAX_ANALYSIS_SECONDS = 4 * 3600;

/** How many speakers the host asks for: `auto` lets the analysis decide (1, 2 or 3). */
export const SPEAKER_COUNTS = ['auto', '1', '2', '3'] as const;
export type SpeakerCount = (typeof SPEAKER_COUNTS)[number];

/** Roles as the room and the exports print them, Dutch. */
export const SPEAKER_ROLE_LABELS: Readonly<Record<SpeakerRole, string>> = {
  klantmanager: 'Klantmanager',
  client: 'Cliënt',
  anders: 'Andere spreker',
};

/** "Spreker 2" for an unnamed voice. */
export const speakerNumber = (id: SpeakerId): number => SPEAKER_IDS.indexOf(id) + 1;

/**
 * How a speaker is called in the room and in exports: the name when given (unless
 * pseudonymised), else the role, else "Spreker n". Two voices with the same role are numbered.
 */
export function speakerLabel(speaker: Speaker, speakers: readonly Speaker[], pseudonymise = false): string {
  if (!pseudonymise && speaker.name.trim()) return speaker.name.trim();
  if (!speaker.role) return `Spreker ${speakerNumber(speaker.id)}`;
  const same = speakers.filter((s) => s.role === speaker.role);
  const base = SPEAKER_ROLE_LABELS[speaker.role];
  return same.length > 1 ? `${base} ${same.indexOf(speaker) + 1}` : base;
}

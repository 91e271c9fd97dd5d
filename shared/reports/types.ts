/**
 * Input and output types of the pure export/import builders in `shared/reports/`.
 * Nothing in this folder does I/O: callers gather a `ReportInput` snapshot and write the result.
 */
import type { ErrorCode } from '../errors.ts';
import type { Role } from '../access/roles.ts';
import type { Fragment, Observation, ObservationKind } from '../notes/types.ts';
import type { SpeakerTrack } from '../spreektijd/corrections.ts';

export interface ReportParticipant {
  id: string;
  name: string;
  role: Role;
}

export interface ReportTheme {
  /** Kijkwijzer theme id, as stored in `Observation.themes`. */
  id: string;
  /** Dutch display name. */
  name: string;
}

export interface ReportMedia {
  fileName: string;
  mimeType: string;
  durationSeconds: number | null;
}

export interface ReportInput {
  room: { id: string; title: string; recordedOn: string | null /* YYYY-MM-DD */ };
  media: ReportMedia | null;
  clientPseudonym: string | null;
  participants: ReportParticipant[];
  observations: Observation[];
  fragments: Fragment[];
  /** Kijkwijzer theme ids + Dutch names (data provided by the caller). */
  themes: ReportTheme[];
  exportedAt: Date;
  /** The measured (and corrected) speaker turns, when the room has them and the requester may see them. */
  speakerTrack?: SpeakerTrack | null;
}

export interface ExportOptions {
  /** Replace every person's name by their role label (the client by the pseudonym), also inside texts. */
  pseudonymise: boolean;
}

/** Dutch role labels used in exports and for pseudonyms. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  begeleider: 'begeleider',
  onderzoeker: 'onderzoeker',
  klantmanager: 'klantmanager',
  coach: 'coach',
  collega: 'collega',
  client: 'cliënt',
  meekijker: 'meekijker',
};

/** One observation read back from an interchange file. Times in seconds, rounded to whole ms. */
export interface ImportedObservation {
  start: number;
  end: number | null;
  kind: ObservationKind;
  /** Theme ids when they could be resolved (see the importers), otherwise the raw labels. */
  themes: string[];
  text: string;
  authorName: string | null;
}

export interface ImportSkip {
  /** 1-based line in the source text where the skipped row/cue/annotation starts. */
  line: number;
  /** Dutch + English: "geen geldige tijd / no valid time". */
  reason: string;
}

export interface ImportResult {
  items: ImportedObservation[];
  skipped: ImportSkip[];
}

export interface ImportOptions {
  /**
   * Known themes: labels found in a file (name or id, case-insensitive) are mapped to the theme id.
   * Unknown labels are kept as they are.
   */
  themes?: readonly ReportTheme[];
}

/** Reject input larger than this (UTF-8 bytes). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** Reject input with more rows/cues/annotations than this. */
export const MAX_IMPORT_ITEMS = 20_000;

export type ReportImportErrorCode = Extract<ErrorCode, 'too_large' | 'unprocessable'>;

/**
 * Thrown only when a whole file cannot be used (too large, not this format at all). Bad rows are
 * reported in `ImportResult.skipped` instead. `code` maps onto the shared HTTP error codes.
 */
export class ReportImportError extends Error {
  readonly code: ReportImportErrorCode;
  constructor(code: ReportImportErrorCode, message: string) {
    super(message);
    this.name = 'ReportImportError';
    this.code = code;
  }
}

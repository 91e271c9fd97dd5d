/**
 * HTTP schemas of reports, exports and imports (docs/api-reports.md). The builders themselves live
 * in shared/reports; these describe what travels over HTTP.
 */
import { Type, type Static } from 'typebox';
import { OBSERVATION_KINDS } from '../notes/types.ts';
import { MAX_IMPORT_ITEMS } from '../reports/types.ts';
import { IdSchema, RoleSchema } from './schemas.ts';

const enumOf = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

// ---- exports ------------------------------------------------------------------------------------

/** `chapters.vtt` is the fragments as a chapters track; `md` the werkblad as Markdown. */
export const EXPORT_FORMATS = ['csv', 'vtt', 'chapters.vtt', 'eaf', 'qdpx', 'md'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const ExportParamsSchema = Type.Object({ roomId: IdSchema, format: enumOf(EXPORT_FORMATS) });

export const ExportQuerySchema = Type.Object(
  {
    pseudonymise: Type.Optional(Type.Boolean({ default: false })),
    /** qdpx only: put the recording into the zip. */
    includeVideo: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuerySchema>;

export const ReportQuerySchema = Type.Object({ pseudonymise: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false });

/** An observation's frame with its drawing (PNG), for the print page. */
export const FrameParamsSchema = Type.Object({ roomId: IdSchema, observationId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
export type ReportQuery = Static<typeof ReportQuerySchema>;

// ---- the werkblad report (JSON for the print page) ------------------------------------------------

/** One observation in a werkblad column; `timecode` is "mm:ss.fff" or "start–end". */
/**
 * The drawing on an observation's frame: said in words, its shapes (shared/drawing/shapes.ts, read
 * with `readShapes`) and, when the room's download rules let frames of the recording out, where
 * the server renders the frame with the drawing over it as a PNG.
 */
export const ReportDrawingSchema = Type.Object({
  description: Type.String(),
  shapes: Type.Array(Type.Unknown()),
  frameSrc: Type.Union([Type.String(), Type.Null()]),
});
export type ReportDrawing = Static<typeof ReportDrawingSchema>;

export const ReportMomentSchema = Type.Object({
  start: Type.Number(),
  end: Type.Union([Type.Number(), Type.Null()]),
  timecode: Type.String(),
  text: Type.String(),
  authorName: Type.String(),
  drawing: Type.Optional(ReportDrawingSchema),
});
export type ReportMoment = Static<typeof ReportMomentSchema>;

export const WERKBLAD_REPORT_COLUMNS = ['vraag', 'zie', 'anders'] as const;

export const ReportColumnSchema = Type.Object({
  id: enumOf(WERKBLAD_REPORT_COLUMNS),
  /** Dutch column heading as on the paper werkblad. */
  label: Type.String(),
  /** The werkblad's free text for this column (always empty for `zie`, which is observations only). */
  text: Type.String(),
  /** The room's observations of this kind with this theme, by start time. */
  items: Type.Array(ReportMomentSchema),
});
export type ReportColumn = Static<typeof ReportColumnSchema>;

export const ReportThemeSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** The theme's heading question. */
  title: Type.String(),
  questions: Type.Array(Type.String()),
  columns: Type.Array(ReportColumnSchema),
});
export type ReportTheme = Static<typeof ReportThemeSchema>;

export const ReportFragmentSchema = Type.Object({
  title: Type.String(),
  start: Type.Number(),
  end: Type.Number(),
  timecode: Type.String(),
  question: Type.String(),
  themes: Type.Array(Type.String()),
  /** null when there is none, or when the requester's role may not read client feedback. */
  clientFeedback: Type.Union([Type.String(), Type.Null()]),
});
export type ReportFragment = Static<typeof ReportFragmentSchema>;

/** The measured speaking time on the print page (docs/api-spreektijd.md); labels are roles when pseudonymised. */
export const ReportSpreektijdSchema = Type.Object({
  shares: Type.Array(Type.Object({ label: Type.String(), seconds: Type.Number(), percent: Type.Number(), beurten: Type.Integer() })),
  monologues: Type.Array(Type.Object({ label: Type.String(), start: Type.Number(), end: Type.Number(), timecode: Type.String() })),
  pauses: Type.Integer(),
  chains: Type.Integer(),
  overlaps: Type.Integer(),
  changesPerMinute: Type.Number(),
});
export type ReportSpreektijd = Static<typeof ReportSpreektijdSchema>;

export const WerkbladReportSchema = Type.Object({
  room: Type.Object({ title: Type.String(), recordedOn: Type.Union([Type.String(), Type.Null()]) }),
  exportedAt: Type.String(),
  pseudonymised: Type.Boolean(),
  clientPseudonym: Type.Union([Type.String(), Type.Null()]),
  /** In role order; names are role labels when pseudonymised. */
  participants: Type.Array(Type.Object({ role: RoleSchema, names: Type.Array(Type.String()) })),
  goal: Type.String(),
  watchWith: Type.Array(Type.String()),
  themes: Type.Array(ReportThemeSchema),
  fragments: Type.Array(ReportFragmentSchema),
  /** Whether client feedback was included (the requester's role may read it). */
  clientFeedbackShown: Type.Boolean(),
  aandachtspunten: Type.Array(Type.Object({ text: Type.String() })),
  slim: Type.Union([Type.Object({ selfImage: Type.String(), role: Type.String(), matches: Type.Union([Type.Boolean(), Type.Null()]) }), Type.Null()]),
  /** Null when the recording was not analysed or the requester may not watch it. */
  spreektijd: Type.Optional(Type.Union([ReportSpreektijdSchema, Type.Null()])),
});
export type WerkbladReport = Static<typeof WerkbladReportSchema>;

// ---- imports ------------------------------------------------------------------------------------

export const IMPORT_FORMATS = ['csv', 'vtt', 'eaf'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Route-level body cap: the file itself may be 5 MB (MAX_IMPORT_BYTES), JSON escaping adds some. */
export const IMPORT_BODY_LIMIT = 6 * 1024 * 1024;

export const ImportPreviewBodySchema = Type.Object(
  // No maxLength on content: the importer refuses an oversize file with 413, not a 400.
  { format: enumOf(IMPORT_FORMATS), content: Type.String() },
  { additionalProperties: false },
);
export type ImportPreviewBody = Static<typeof ImportPreviewBodySchema>;

export const ImportBodySchema = Type.Object(
  {
    format: enumOf(IMPORT_FORMATS),
    content: Type.String(),
    /** Indexes into the preview's `items`; without it everything is added. */
    selected: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: MAX_IMPORT_ITEMS, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type ImportBody = Static<typeof ImportBodySchema>;

export const ImportedObservationSchema = Type.Object({
  start: Type.Number(),
  end: Type.Union([Type.Number(), Type.Null()]),
  kind: enumOf(OBSERVATION_KINDS),
  themes: Type.Array(Type.String()),
  text: Type.String(),
  authorName: Type.Union([Type.String(), Type.Null()]),
});

export const ImportSkipSchema = Type.Object({ line: Type.Integer(), reason: Type.String() });

export const ImportPreviewSchema = Type.Object({ items: Type.Array(ImportedObservationSchema), skipped: Type.Array(ImportSkipSchema) });
export type ImportPreview = Static<typeof ImportPreviewSchema>;

export const ImportDoneSchema = Type.Object({ added: Type.Integer(), skipped: Type.Array(ImportSkipSchema) });
export type ImportDone = Static<typeof ImportDoneSchema>;

/**
 * HTTP API schemas for the room's video: consent records, media facts, bring-your-own-file
 * fingerprints and the access log. Same style as ./schemas.ts: the server validates and
 * serialises with them, both sides derive their types from them.
 */
import { Type, type Static } from 'typebox';
import { INVITE_ROLES } from '../access/roles.ts';
import { IdSchema, InviteRoleSchema, RoleSchema } from './schemas.ts';

export const CONSENT_METHODS = ['paper', 'digital', 'verbal_recorded'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export const CONSENT_PURPOSES = ['reflectie', 'onderzoek', 'training'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** Why a room's video is gone: the client withdrew, the retention date passed, or the host removed it. */
export const REMOVAL_REASONS = ['withdrawn', 'retention', 'host'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

/**
 * Whether the caller may watch: `no_permission` (their role lacks seeVideo in this room),
 * `no_consent` (no consent on record, or it was withdrawn), `role_not_in_consent` (the client did
 * not agree to this role watching). The host is always `allowed`.
 */
export const VIDEO_ACCESS = ['allowed', 'no_permission', 'no_consent', 'role_not_in_consent'] as const;
export type VideoAccess = (typeof VIDEO_ACCESS)[number];

export const MEDIA_LIMITS = {
  clientLabelMax: 60,
  noteMax: 500,
  fileNameMax: 255,
} as const;

const enumOf = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Note = Type.String({ maxLength: MEDIA_LIMITS.noteMax });

// ---- consent --------------------------------------------------------------------------------

export const ConsentMethodSchema = enumOf(CONSENT_METHODS);
export const ConsentPurposeSchema = enumOf(CONSENT_PURPOSES);

export const ConsentBodySchema = Type.Object(
  {
    /** A pseudonym or initials: the client's full name is not needed and should not be stored. */
    clientLabel: Type.String({ minLength: 1, maxLength: MEDIA_LIMITS.clientLabelMax, pattern: '\\S' }),
    consentDate: IsoDate,
    method: ConsentMethodSchema,
    purposes: Type.Array(ConsentPurposeSchema, { minItems: 1, uniqueItems: true }),
    /** Invited roles allowed to watch; the host (begeleider) always may. */
    allowedRoles: Type.Array(InviteRoleSchema, { uniqueItems: true, maxItems: INVITE_ROLES.length }),
    fragmentsOutsideRoom: Type.Boolean(),
    retentionUntil: IsoDate,
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
export type ConsentBody = Static<typeof ConsentBodySchema>;

export const WithdrawBodySchema = Type.Object(
  { withdrawnOn: IsoDate, note: Type.Optional(Note) },
  { additionalProperties: false },
);
export type WithdrawBody = Static<typeof WithdrawBodySchema>;

export const ConsentSchema = Type.Object({
  id: IdSchema,
  version: Type.Integer({ minimum: 1 }),
  kind: enumOf(['given', 'withdrawn'] as const),
  clientLabel: Type.String(),
  consentDate: Type.String(),
  method: ConsentMethodSchema,
  purposes: Type.Array(ConsentPurposeSchema),
  allowedRoles: Type.Array(InviteRoleSchema),
  fragmentsOutsideRoom: Type.Boolean(),
  retentionUntil: Type.String(),
  withdrawnOn: Type.Union([Type.String(), Type.Null()]),
  note: Type.String(),
  isDemo: Type.Boolean(),
  recordedBy: Type.String(),
  createdAt: Type.Integer(),
});
export type Consent = Static<typeof ConsentSchema>;

export const ConsentOverviewSchema = Type.Object({
  current: Type.Union([ConsentSchema, Type.Null()]),
  /** Every version, newest first. */
  history: Type.Array(ConsentSchema),
  defaults: Type.Object({ retentionDays: Type.Integer(), retentionUntil: Type.String() }),
});
export type ConsentOverview = Static<typeof ConsentOverviewSchema>;

// ---- media ----------------------------------------------------------------------------------

export const PLAYABILITY = ['playable', 'unsupported', 'unknown'] as const;
export type Playability = (typeof PLAYABILITY)[number];

export const VideoSchema = Type.Object({
  id: IdSchema,
  /** `upload`: stored on the server; `byo`: every participant opens their own copy. */
  mode: enumOf(['upload', 'byo'] as const),
  fileName: Type.String(),
  size: Type.Integer(),
  container: Type.Union([Type.String(), Type.Null()]),
  mimeType: Type.Union([Type.String(), Type.Null()]),
  durationSeconds: Type.Union([Type.Number(), Type.Null()]),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  frameRate: Type.Union([Type.Number(), Type.Null()]),
  videoCodec: Type.Union([Type.String(), Type.Null()]),
  audioCodec: Type.Union([Type.String(), Type.Null()]),
  /** `unknown` when the server has no ffprobe: the browser then decides. */
  playability: enumOf(PLAYABILITY),
  /** Whole-file SHA-256 (uploads only). */
  sha256: Type.Union([Sha256Hex, Type.Null()]),
  /** The fingerprint of shared/media/fingerprint.ts: SHA-256 of the first and last MiB. */
  headTailSha256: Sha256Hex,
  src: Type.Union([Type.String(), Type.Null()]),
  posterSrc: Type.Union([Type.String(), Type.Null()]),
  /** Where to save the file; only while downloads are effectively allowed (see DownloadSettingsSchema). */
  downloadSrc: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
});
export type Video = Static<typeof VideoSchema>;

/**
 * Downloading the room's video. `downloadsAllowed` is the host's setting (off by default);
 * `consentAllows` says whether the current consent is given with `fragmentsOutsideRoom`;
 * `effective` is both: only then can anyone who may watch save the file.
 */
export const DownloadSettingsSchema = Type.Object({
  downloadsAllowed: Type.Boolean(),
  consentAllows: Type.Boolean(),
  effective: Type.Boolean(),
});
export type DownloadSettings = Static<typeof DownloadSettingsSchema>;

/**
 * A boolean without a JSON-schema `type`: the server's validator coerces typed values ("true", 1,
 * null would become booleans), and a switch that lets a recording leave the server must be set
 * by exactly `true` or `false`.
 */
const ExactBoolean = Type.Unsafe<boolean>({ enum: [true, false] });

export const DownloadSettingsBodySchema = Type.Object({ downloadsAllowed: ExactBoolean }, { additionalProperties: false });
export type DownloadSettingsBody = Static<typeof DownloadSettingsBodySchema>;

// ---- conversion to H.264/AAC ----------------------------------------------------------------

/**
 * Why the last conversion did not finish: ffmpeg failed on the file, it ran past its time limit,
 * or its output still was not something browsers play. A cancel is no failure (state `idle`).
 */
export const CONVERSION_FAILURES = ['ffmpeg', 'timeout', 'output'] as const;
export type ConversionFailure = (typeof CONVERSION_FAILURES)[number];

export const CONVERSION_STATES = ['idle', 'running', 'failed'] as const;

/**
 * The room's conversion of its uploaded video to H.264/AAC MP4. Kept in server memory: a restart
 * abandons a running conversion (state `idle` again, the original untouched).
 */
export const ConversionSchema = Type.Object({
  /** The server has ffmpeg with libx264 and AAC; without it the host is not offered a conversion. */
  available: Type.Boolean(),
  state: enumOf(CONVERSION_STATES),
  /** Share of the video's duration converted so far; 0 unless running. */
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
  /** Only in state `failed`: `message` is a Dutch sentence for people, `reason` for translations. */
  error: Type.Union([Type.Object({ reason: enumOf(CONVERSION_FAILURES), message: Type.String() }), Type.Null()]),
});
export type Conversion = Static<typeof ConversionSchema>;

/** Starting a conversion takes no options. */
export const ConversionBodySchema = Type.Object({}, { additionalProperties: false });

export const MediaInfoSchema = Type.Object({
  access: enumOf(VIDEO_ACCESS),
  /** What everyone in the room may know about the consent; details are for the host only. */
  consent: Type.Union([
    Type.Object({
      status: enumOf(['given', 'withdrawn'] as const),
      version: Type.Integer(),
      allowedRoles: Type.Array(InviteRoleSchema),
      fragmentsOutsideRoom: Type.Boolean(),
      retentionUntil: Type.String(),
      isDemo: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  hasVideo: Type.Boolean(),
  /** Facts and source, only for those who may watch. */
  video: Type.Union([VideoSchema, Type.Null()]),
  removed: Type.Union([Type.Object({ reason: enumOf(REMOVAL_REASONS), at: Type.Integer() }), Type.Null()]),
  maxUploadBytes: Type.Integer(),
  downloads: DownloadSettingsSchema,
  /** Converting the uploaded video to a format browsers play (everyone may see the progress). */
  conversion: ConversionSchema,
});
export type MediaInfo = Static<typeof MediaInfoSchema>;

export const ByoBodySchema = Type.Object(
  {
    size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    headTailSha256: Sha256Hex,
    durationSeconds: Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 7 * 86_400 }), Type.Null()]),
    fileName: Type.String({ minLength: 1, maxLength: MEDIA_LIMITS.fileNameMax }),
    width: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 16_384 }), Type.Null()])),
    height: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 16_384 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type ByoBody = Static<typeof ByoBodySchema>;

// ---- access log -----------------------------------------------------------------------------

/**
 * `player`: the participant's player reported a start; `stream`: the server saw the first range
 * request in an hour; `download`: the file was saved; `export`: it went out inside a .qdpx project.
 */
export const PLAY_SOURCES = ['player', 'stream', 'download', 'export'] as const;
export type PlaySource = (typeof PLAY_SOURCES)[number];

export const PlayBodySchema = Type.Object({}, { additionalProperties: false });

export const PlaySchema = Type.Object({
  id: Type.Integer(),
  participantId: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  role: RoleSchema,
  source: enumOf(PLAY_SOURCES),
  mode: enumOf(['upload', 'byo'] as const),
  at: Type.Integer(),
});
export type Play = Static<typeof PlaySchema>;
export const PlayListSchema = Type.Object({ plays: Type.Array(PlaySchema) });

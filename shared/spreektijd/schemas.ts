/**
 * What travels over HTTP and socket.io for spreektijd (docs/api-spreektijd.md), defined once:
 * TypeBox gives the server's runtime checks and both sides' types.
 */
import { Type, type Static } from 'typebox';
import { ANALYSIS_FAILURES, ANALYSIS_STAGES, ANALYSIS_STATES, MAX_ANALYSIS_SECONDS, SPEAKER_COUNTS, SPEAKER_IDS, SPEAKER_ROLES } from './types.ts';

const enumOf = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

export const SpeakerIdSchema = enumOf(SPEAKER_IDS);
export const SpeakerRoleSchema = enumOf(SPEAKER_ROLES);
/** Turn ids are short and plain: `t12`, `c3`. */
export const TurnIdSchema = Type.String({ pattern: '^[a-z][0-9]{1,7}$' });
/** A moment in the recording, seconds. */
const Time = Type.Number({ minimum: 0, maximum: MAX_ANALYSIS_SECONDS });
export const SPEAKER_NAME_MAX = 60;

export const SpeakerSchema = Type.Object({ id: SpeakerIdSchema, role: Type.Union([SpeakerRoleSchema, Type.Null()]), name: Type.String() });

export const TurnSchema = Type.Object({
  id: Type.String(),
  speaker: SpeakerIdSchema,
  start: Type.Number(),
  end: Type.Number(),
  overlap: Type.Boolean(),
});

export const AnalysisStatusSchema = Type.Object({
  state: enumOf(ANALYSIS_STATES),
  /** While running: the step it is at. */
  stage: Type.Union([enumOf(ANALYSIS_STAGES), Type.Null()]),
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
  /** Why it failed, with a Dutch sentence for the room. */
  error: Type.Union([Type.Object({ reason: enumOf(ANALYSIS_FAILURES), message: Type.String() }), Type.Null()]),
  /** How many speakers were asked for. */
  speakerCount: enumOf(SPEAKER_COUNTS),
  /** The server can analyse at all (ffmpeg present, the recording on the server). */
  available: Type.Boolean(),
});
export type AnalysisStatus = Static<typeof AnalysisStatusSchema>;

export const SpreektijdViewSchema = Type.Object({
  status: AnalysisStatusSchema,
  speakers: Type.Array(SpeakerSchema),
  turns: Type.Array(TurnSchema),
  /** Goes up with every change; a client ignores an answer older than what it has. */
  revision: Type.Integer({ minimum: 0 }),
  canUndo: Type.Boolean(),
  canRedo: Type.Boolean(),
});
export type SpreektijdView = Static<typeof SpreektijdViewSchema>;

export const RunBodySchema = Type.Object({ speakers: enumOf(SPEAKER_COUNTS) }, { additionalProperties: false });
export type RunBody = Static<typeof RunBodySchema>;

const strict = { additionalProperties: false } as const;
export const CorrectionSchema = Type.Union([
  Type.Object({ type: Type.Literal('speaker'), turnId: TurnIdSchema, speaker: SpeakerIdSchema }, strict),
  Type.Object({ type: Type.Literal('boundary'), turnId: TurnIdSchema, edge: enumOf(['start', 'end'] as const), time: Time }, strict),
  Type.Object({ type: Type.Literal('split'), turnId: TurnIdSchema, at: Time }, strict),
  Type.Object({ type: Type.Literal('merge'), turnId: TurnIdSchema }, strict),
  Type.Object({ type: Type.Literal('overlap'), turnId: TurnIdSchema, overlap: Type.Boolean() }, strict),
  Type.Object({ type: Type.Literal('add'), speaker: SpeakerIdSchema, start: Time, end: Time, overlap: Type.Boolean() }, strict),
  Type.Object({ type: Type.Literal('remove'), turnId: TurnIdSchema }, strict),
  Type.Object(
    { type: Type.Literal('name'), speaker: SpeakerIdSchema, role: Type.Union([SpeakerRoleSchema, Type.Null()]), name: Type.String({ maxLength: SPEAKER_NAME_MAX }) },
    strict,
  ),
]);

/** The longest correction log one analysis keeps: far more than a person makes. */
export const MAX_CORRECTIONS = 5000;

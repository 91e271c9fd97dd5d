/** HTTP schemas of the Kijkwijzer's server-side parts: reveal, client feedback and trajects. */
import { Type, type Static } from 'typebox';
import { INVITE_ROLES } from '../access/roles.ts';
import { TEXT_MAX } from '../kijkwijzer/doc.ts';
import { IdSchema, InviteRoleSchema, LIMITS } from './schemas.ts';

// ---- reveal ---------------------------------------------------------------------------------------

/** Observation ids are the client's uuids; without `ids` every private observation is revealed. */
const ObservationId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
export const RevealBodySchema = Type.Object({ ids: Type.Optional(Type.Array(ObservationId, { minItems: 1, maxItems: 1000 })) }, { additionalProperties: false });
export type RevealBody = Static<typeof RevealBodySchema>;
export const RevealResultSchema = Type.Object({ revealed: Type.Array(Type.String()) });
export type RevealResult = Static<typeof RevealResultSchema>;

// ---- client feedback ------------------------------------------------------------------------------

export const FragmentParamsSchema = Type.Object({ roomId: IdSchema, fragmentId: IdSchema });

export const FeedbackSchema = Type.Object({
  fragmentId: Type.String(),
  text: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.Integer(),
});
export type Feedback = Static<typeof FeedbackSchema>;
export const FeedbackListSchema = Type.Object({ feedback: Type.Array(FeedbackSchema) });
export type FeedbackList = Static<typeof FeedbackListSchema>;

/** An empty text removes the feedback. */
export const FeedbackBodySchema = Type.Object({ text: Type.String({ maxLength: TEXT_MAX }) }, { additionalProperties: false });
export type FeedbackBody = Static<typeof FeedbackBodySchema>;

/** Who may read client feedback in this room (the host always may), and what the caller may do. */
export const FeedbackSettingsSchema = Type.Object({
  roles: Type.Array(InviteRoleSchema),
  canRead: Type.Boolean(),
  canWrite: Type.Boolean(),
});
export type FeedbackSettings = Static<typeof FeedbackSettingsSchema>;
export const FeedbackRolesBodySchema = Type.Object(
  { roles: Type.Array(InviteRoleSchema, { maxItems: INVITE_ROLES.length, uniqueItems: true }) },
  { additionalProperties: false },
);
export type FeedbackRolesBody = Static<typeof FeedbackRolesBodySchema>;

// ---- trajects -------------------------------------------------------------------------------------

export const TrajectParamsSchema = Type.Object({ trajectId: IdSchema });

export const TrajectSchema = Type.Object({
  id: IdSchema,
  title: Type.String(),
  klantmanagerName: Type.String(),
  createdAt: Type.Integer(),
  roomCount: Type.Integer(),
});
export type Traject = Static<typeof TrajectSchema>;
export const TrajectListSchema = Type.Object({ trajects: Type.Array(TrajectSchema) });
export type TrajectList = Static<typeof TrajectListSchema>;

export const CreateTrajectBodySchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: LIMITS.titleMax, pattern: '\\S' }),
    klantmanagerName: Type.Optional(Type.String({ maxLength: LIMITS.nameMax })),
  },
  { additionalProperties: false },
);
export type CreateTrajectBody = Static<typeof CreateTrajectBodySchema>;

export const AttachRoomBodySchema = Type.Object({ trajectId: Type.Union([IdSchema, Type.Null()]) }, { additionalProperties: false });
export type AttachRoomBody = Static<typeof AttachRoomBodySchema>;

const Ids = Type.Array(Type.String());
export const AandachtspuntSchema = Type.Object({
  id: Type.String(),
  text: Type.String(),
  fragmentIds: Ids,
  observationIds: Ids,
  authorId: Type.String(),
  authorName: Type.String(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export const LeerpuntSchema = Type.Object({
  id: Type.String(),
  sourceRoomId: Type.String(),
  aandachtspunt: Type.String(),
  tried: Type.String(),
  outcome: Type.String(),
  authorId: Type.String(),
  authorName: Type.String(),
  updatedAt: Type.Number(),
});

const TrajectRoomSchema = Type.Object({
  id: IdSchema,
  title: Type.String(),
  recordedOn: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
});
export type TrajectRoom = Static<typeof TrajectRoomSchema>;

/** A traject with its rooms in order, each with what was learned there (read from its document). */
export const TrajectViewSchema = Type.Object({
  traject: TrajectSchema,
  rooms: Type.Array(Type.Object({ room: TrajectRoomSchema, aandachtspunten: Type.Array(AandachtspuntSchema), leerpunten: Type.Array(LeerpuntSchema) })),
});
export type TrajectView = Static<typeof TrajectViewSchema>;

/** For a room: its traject and the aandachtspunten of the room before it, to check in this one. */
export const RoomTrajectSchema = Type.Object({
  traject: Type.Union([TrajectSchema, Type.Null()]),
  previous: Type.Union([Type.Object({ room: TrajectRoomSchema, aandachtspunten: Type.Array(AandachtspuntSchema) }), Type.Null()]),
});
export type RoomTraject = Static<typeof RoomTrajectSchema>;

/**
 * HTTP API schemas, defined once: the server hands them to Fastify (runtime validation and
 * response serialisation), and both sides derive their TypeScript types from them.
 */
import { Type, type Static } from 'typebox';
import { INVITE_ROLES, PERMISSIONS, ROLES } from '../access/roles.ts';
import { ERROR_CODES, VALIDATION_RULES } from '../errors.ts';

export const LIMITS = {
  titleMax: 120,
  descriptionMax: 2000,
  nameMax: 60,
  emailMax: 254,
  passwordMin: 10,
  passwordMax: 200,
  tokenMax: 100,
  inviteDaysMax: 365,
} as const;

export const RoleSchema = Type.Unsafe<(typeof ROLES)[number]>({ type: 'string', enum: [...ROLES] });
export const InviteRoleSchema = Type.Unsafe<(typeof INVITE_ROLES)[number]>({ type: 'string', enum: [...INVITE_ROLES] });
export const PermissionSetSchema = Type.Object(
  Object.fromEntries(PERMISSIONS.map((p) => [p, Type.Boolean()])) as Record<(typeof PERMISSIONS)[number], ReturnType<typeof Type.Boolean>>,
  { additionalProperties: false },
);

/** Opaque ids and capability tokens are base64url; the pattern keeps junk out of SQL and logs. */
export const IdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });
/** A capability token as it travels in an invite link; the client checks a link's token with it too. */
export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{22,100}$';
const Token = Type.String({ pattern: TOKEN_PATTERN });
const Email = Type.String({ format: 'email', minLength: 3, maxLength: LIMITS.emailMax });
const Password = Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax });
const DisplayName = Type.String({ minLength: 1, maxLength: LIMITS.nameMax, pattern: '\\S' });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

/** `field`, `rule` and `limit` are there when the error is about one field of the request. */
export const ErrorBodySchema = Type.Object({
  error: Type.Object({
    code: Type.Unsafe<keyof typeof ERROR_CODES>({ type: 'string', enum: Object.keys(ERROR_CODES) }),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    rule: Type.Optional(Type.Unsafe<(typeof VALIDATION_RULES)[number]>({ type: 'string', enum: [...VALIDATION_RULES] })),
    limit: Type.Optional(Type.Number()),
  }),
});

export const HealthSchema = Type.Object({ status: Type.Literal('ok'), version: Type.String() });

// ---- staff accounts -------------------------------------------------------------------------

export const StaffUserSchema = Type.Object({
  id: IdSchema,
  email: Type.String(),
  name: Type.String(),
  isAdmin: Type.Boolean(),
});
export type StaffUser = Static<typeof StaffUserSchema>;

export const SignInBodySchema = Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }) }, { additionalProperties: false });
export type SignInBody = Static<typeof SignInBodySchema>;

export const MeSchema = Type.Object({ user: StaffUserSchema });

export const SetupStatusSchema = Type.Object({ setupNeeded: Type.Boolean() });

export const StaffInviteBodySchema = Type.Object(
  { isAdmin: Type.Optional(Type.Boolean()), expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })) },
  { additionalProperties: false },
);
export const StaffInviteCreatedSchema = Type.Object({ url: Type.String(), token: Token, expiresAt: Type.Integer() });

export const AcceptStaffInviteBodySchema = Type.Object(
  { token: Token, name: DisplayName, email: Email, password: Password },
  { additionalProperties: false },
);
export type AcceptStaffInviteBody = Static<typeof AcceptStaffInviteBodySchema>;

// ---- rooms ----------------------------------------------------------------------------------

export const RoomParamsSchema = Type.Object({ roomId: IdSchema });
export const InviteParamsSchema = Type.Object({ roomId: IdSchema, inviteId: IdSchema });

export const CreateRoomBodySchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: LIMITS.titleMax, pattern: '\\S' }),
    description: Type.Optional(Type.String({ maxLength: LIMITS.descriptionMax })),
    recordedOn: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateRoomBody = Static<typeof CreateRoomBodySchema>;

export const RoomSchema = Type.Object({
  id: IdSchema,
  title: Type.String(),
  description: Type.String(),
  recordedOn: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  hostName: Type.String(),
});
export type Room = Static<typeof RoomSchema>;

/** A room in "Mijn kamers", with its poster frame when there is one the user may see. */
export const RoomListItemSchema = Type.Object({ ...RoomSchema.properties, posterSrc: Type.Union([Type.String(), Type.Null()]) });
export type RoomListItem = Static<typeof RoomListItemSchema>;
export const RoomListSchema = Type.Object({ rooms: Type.Array(RoomListItemSchema) });

export const MeInRoomSchema = Type.Object({
  participantId: IdSchema,
  name: Type.String(),
  role: RoleSchema,
  permissions: PermissionSetSchema,
});
export type MeInRoom = Static<typeof MeInRoomSchema>;

export const RoomViewSchema = Type.Object({ room: RoomSchema, me: MeInRoomSchema });
export type RoomView = Static<typeof RoomViewSchema>;

export const ParticipantSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  role: RoleSchema,
  joinedAt: Type.Integer(),
});
export type Participant = Static<typeof ParticipantSchema>;
export const ParticipantListSchema = Type.Object({ participants: Type.Array(ParticipantSchema) });

/** A room's whole permission table, every role with every permission. */
export const PermissionTableSchema = Type.Object(
  Object.fromEntries(ROLES.map((r) => [r, PermissionSetSchema])) as Record<(typeof ROLES)[number], typeof PermissionSetSchema>,
);
/** The host's changes to the table: only the roles and permissions that differ; the host's own row cannot be changed. */
export const PermissionOverridesBodySchema = Type.Object(
  Object.fromEntries(
    ROLES.filter((r) => r !== 'begeleider').map((r) => [
      r,
      Type.Optional(Type.Object(Object.fromEntries(PERMISSIONS.map((p) => [p, Type.Optional(Type.Boolean())])), { additionalProperties: false })),
    ]),
  ),
  { additionalProperties: false },
);

// ---- invites --------------------------------------------------------------------------------

export const CreateInviteBodySchema = Type.Object(
  { role: InviteRoleSchema, expiresInDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.inviteDaysMax }), Type.Null()])) },
  { additionalProperties: false },
);
export type CreateInviteBody = Static<typeof CreateInviteBodySchema>;

export const InviteSchema = Type.Object({
  id: IdSchema,
  role: InviteRoleSchema,
  createdAt: Type.Integer(),
  expiresAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
  joinedCount: Type.Integer(),
});
export type Invite = Static<typeof InviteSchema>;
export const InviteListSchema = Type.Object({ invites: Type.Array(InviteSchema) });
/** The token is returned exactly once, at creation: the server keeps only its hash. */
export const InviteCreatedSchema = Type.Object({ invite: InviteSchema, token: Token, url: Type.String() });
export type InviteCreated = Static<typeof InviteCreatedSchema>;

export const InspectInviteBodySchema = Type.Object({ token: Token }, { additionalProperties: false });
export const InviteInfoSchema = Type.Object({ roomTitle: Type.String(), role: InviteRoleSchema, hostName: Type.String() });
export type InviteInfo = Static<typeof InviteInfoSchema>;

export const JoinBodySchema = Type.Object({ token: Token, displayName: DisplayName }, { additionalProperties: false });
export type JoinBody = Static<typeof JoinBodySchema>;

/** HTTP schemas of the call: its access log (GET /api/rooms/:roomId/voice/log). */
import { Type, type Static } from 'typebox';
import { RoleSchema } from '../api/schemas.ts';

export const CallLogEntrySchema = Type.Object({
  id: Type.Integer(),
  participantId: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  /** Wall clock (ms since the epoch). */
  joinedAt: Type.Integer(),
  /** Null while the person is in the call; after a server restart, the restart's time. */
  leftAt: Type.Union([Type.Integer(), Type.Null()]),
});
export type CallLogEntry = Static<typeof CallLogEntrySchema>;
export const CallLogSchema = Type.Object({ entries: Type.Array(CallLogEntrySchema) });
export type CallLogList = Static<typeof CallLogSchema>;

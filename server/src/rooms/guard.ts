import { permissionsFor, type PermissionSet, type Role } from '../../../shared/access/roles.ts';
import type { ErrorCode } from '../../../shared/errors.ts';
import type { Cookies, StaffGuard } from '../access/guard.ts';
import type { SessionPolicy, SessionRef, SessionStore } from '../access/sessions.ts';
import type { Config } from '../config.ts';
import { AppError } from '../http/errors.ts';
import type { ParticipantStore } from './participant-store.ts';
import type { RoomRow, RoomStore } from './room-store.ts';

/** One cookie per room, so a guest can be in two rooms from one browser with different roles. */
export const roomCookieName = (roomId: string): string => `kk_room_${roomId}`;

/** Who is acting in a room: derived from the session cookie on every request and handshake. */
export interface RoomAccess {
  room: RoomRow;
  participantId: string;
  name: string;
  role: Role;
  permissions: PermissionSet;
  /** The session this access rests on: live connections end with it. */
  session: SessionRef;
}

/** The staff guard plus room access: who may do what in which room, from the cookies. */
export function createGuard(deps: { config: Config; staffGuard: StaffGuard; sessions: SessionStore; rooms: RoomStore; participants: ParticipantStore }) {
  const { config, staffGuard, sessions, rooms, participants } = deps;
  const { staffSession } = staffGuard;
  const participantPolicy: SessionPolicy = {
    idleMs: config.participantIdleHours * 3_600_000,
    absoluteMs: config.participantAbsoluteDays * 86_400_000,
  };

  /** The access of whoever sent these cookies to this room, or the error code that says why not. */
  async function roomAccess(cookies: Cookies, roomId: string): Promise<RoomAccess | { error: ErrorCode; message: string }> {
    const room = await rooms.get(roomId);
    const token = cookies[roomCookieName(roomId)];
    if (token && room) {
      const session = await sessions.resolve(token, participantPolicy);
      const participant = session?.participantId ? await participants.get(session.participantId) : null;
      if (session && participant && participant.roomId === roomId) {
        const permissions = permissionsFor(participant.role, room.permissionOverrides);
        return { room, participantId: participant.id, name: participant.name, role: participant.role, permissions, session: { id: session.id, policy: participantPolicy } };
      }
    }
    const signedIn = await staffSession(cookies);
    // Unknown rooms answer 404 only to signed-in staff: a guest probing ids learns nothing.
    if (!signedIn) return { error: 'unauthorised', message: 'Sign in or open your invite link to enter this room.' };
    const { user, session } = signedIn;
    if (!room) return { error: 'not_found', message: 'This room does not exist (any more).' };
    if (room.ownerId !== user.id) return { error: 'forbidden', message: 'You have not been invited to this room.' };
    const host = await participants.findHost(roomId, user.id);
    if (!host) return { error: 'forbidden', message: 'You have not been invited to this room.' };
    return { room, participantId: host.id, name: host.name, role: 'begeleider', permissions: permissionsFor('begeleider'), session };
  }

  return {
    ...staffGuard,
    participantPolicy,
    roomAccess,
    async requireRoom(cookies: Cookies, roomId: string, permission?: keyof PermissionSet): Promise<RoomAccess> {
      const access = await roomAccess(cookies, roomId);
      if ('error' in access) throw new AppError(access.error, access.message);
      if (permission && !access.permissions[permission]) throw new AppError('forbidden', 'Your role in this room does not allow this.');
      return access;
    },
  };
}
export type Guard = ReturnType<typeof createGuard>;

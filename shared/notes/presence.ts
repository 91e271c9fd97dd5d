/**
 * Presence in a notes document: the y-protocols awareness state each client sets (docs/protocol.md).
 * `user.color` and `user.colorLight` are spelled as y-codemirror.next reads them for remote cursors.
 * Any peer can put anything in its awareness state, so readers validate and skip what does not fit.
 */
import { ROLES, type Role } from '../access/roles.ts';

export interface PresenceUser {
  participantId: string;
  name: string;
  role: Role;
  /** CSS colour of this participant's cursor and markers; white text must be readable on it. */
  color: string;
  /** The same colour, translucent, for their text selection. */
  colorLight: string;
}

export interface NotesPresence {
  user: PresenceUser;
  /** Seconds of the recording this participant currently sees, or null before they have a player. */
  position: number | null;
  /** The observation whose text editor they have open. */
  editing: string | null;
  typing: boolean;
}

const isString = (v: unknown): v is string => typeof v === 'string';
/** Colours end up in style attributes, so only plain hex colours pass. */
const isHexColor = (v: unknown): v is string => typeof v === 'string' && /^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(v);

/** A peer's awareness state as presence, or null when it is not (yet) one. */
export function readPresence(state: unknown): NotesPresence | null {
  if (typeof state !== 'object' || state === null) return null;
  const s = state as Record<string, unknown>;
  const user = s.user as Record<string, unknown> | null | undefined;
  if (typeof user !== 'object' || user === null) return null;
  if (!isString(user.participantId) || !isString(user.name) || !isHexColor(user.color) || !isHexColor(user.colorLight)) return null;
  if (!(ROLES as readonly unknown[]).includes(user.role)) return null;
  const position = typeof s.position === 'number' && Number.isFinite(s.position) && s.position >= 0 ? s.position : null;
  return {
    user: {
      participantId: user.participantId,
      name: user.name,
      role: user.role as Role,
      color: user.color,
      colorLight: user.colorLight,
    },
    position,
    editing: isString(s.editing) ? s.editing : null,
    typing: s.typing === true,
  };
}

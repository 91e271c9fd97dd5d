/**
 * Roles and permissions: the single table both sides read. The server enforces it on every
 * request, socket event and Yjs message; the client only uses it to hide what would be refused.
 */
export const ROLES = ['begeleider', 'onderzoeker', 'klantmanager', 'coach', 'collega', 'client', 'meekijker'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a host can hand out with an invite link (the host role itself comes from owning the room). */
export const INVITE_ROLES = ['onderzoeker', 'klantmanager', 'coach', 'collega', 'client', 'meekijker'] as const;
export type InviteRole = (typeof INVITE_ROLES)[number];

export const PERMISSIONS = [
  'manageRoom',
  'seeVideo',
  'controlPlayback',
  'editObservations',
  'export',
  'seeAccessLog',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type PermissionSet = Readonly<Record<Permission, boolean>>;
export type PermissionTable = Readonly<Record<Role, PermissionSet>>;

const all = (value: boolean): PermissionSet =>
  Object.fromEntries(PERMISSIONS.map((p) => [p, value])) as Record<Permission, boolean>;

export const DEFAULT_PERMISSIONS: PermissionTable = {
  begeleider: all(true),
  onderzoeker: { ...all(true), manageRoom: false, seeAccessLog: false },
  klantmanager: { ...all(true), manageRoom: false, seeAccessLog: false },
  coach: { ...all(true), manageRoom: false, export: false, seeAccessLog: false },
  collega: { ...all(false), seeVideo: true, editObservations: true },
  client: { ...all(false), seeVideo: true },
  meekijker: { ...all(false), seeVideo: true },
};

/** Per-room overrides: only the roles and permissions the host changed are stored. */
export type PermissionOverrides = Partial<Record<Role, Partial<Record<Permission, boolean>>>>;

export function permissionsFor(role: Role, overrides: PermissionOverrides = {}): PermissionSet {
  // The host keeps every permission whatever the overrides say, so a room can never lock out its owner.
  if (role === 'begeleider') return DEFAULT_PERMISSIONS.begeleider;
  return { ...DEFAULT_PERMISSIONS[role], ...overrides[role] };
}

export const permissionTable = (overrides: PermissionOverrides = {}): PermissionTable =>
  Object.fromEntries(ROLES.map((r) => [r, permissionsFor(r, overrides)])) as Record<Role, PermissionSet>;

import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import type { Guard } from './access/guard.ts';
import type { SessionStore } from './access/sessions.ts';
import type { StaffInviteStore } from './access/staff-invites.ts';
import type { UserStore } from './access/users.ts';
import type { InviteStore } from './rooms/invite-store.ts';
import type { ParticipantStore } from './rooms/participant-store.ts';
import type { RoomStore } from './rooms/room-store.ts';
import type { DocHub } from './notes/hub.ts';
import type { DocStore } from './notes/store.ts';
import type { Realtime } from './realtime/socket.ts';

/** Everything a route needs, built once in buildApp and reachable as `app.services`. */
export interface Services {
  config: Config;
  db: Db;
  users: UserStore;
  sessions: SessionStore;
  staffInvites: StaffInviteStore;
  rooms: RoomStore;
  invites: InviteStore;
  participants: ParticipantStore;
  guard: Guard;
  realtime: Realtime;
  notes: DocHub;
  docStore: DocStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

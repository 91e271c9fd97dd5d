import type { Config } from './config.ts';
import type { ClusterJobs } from './cluster/jobs.ts';
import type { Signals } from './cluster/signals.ts';
import type { Database } from './db/database.ts';
import type { Guard } from './rooms/guard.ts';
import type { LiveSessions } from './access/live-sessions.ts';
import type { SessionStore } from './access/sessions.ts';
import type { StaffInviteStore } from './access/staff-invites.ts';
import type { UserStore } from './access/users.ts';
import type { InviteStore } from './rooms/invite-store.ts';
import type { ParticipantStore } from './rooms/participant-store.ts';
import type { RoomHooks } from './rooms/hooks.ts';
import type { RoomStore } from './rooms/room-store.ts';
import type { ConsentStore } from './media/consent-store.ts';
import type { MediaStore } from './media/media-store.ts';
import type { MediaService } from './media/service.ts';
import type { Downloads } from './media/downloads.ts';
import type { FeedbackStore } from './kijkwijzer/feedback-store.ts';
import type { TrajectStore } from './kijkwijzer/traject-store.ts';
import type { DocHub } from './notes/hub.ts';
import type { DocStore } from './notes/store.ts';
import type { Realtime } from './realtime/socket.ts';
import type { Spreektijd } from './spreektijd/service.ts';

/** Everything a route needs, built once in buildApp and reachable as `app.services`. */
export interface Services {
  config: Config;
  db: Database;
  users: UserStore;
  sessions: SessionStore;
  liveSessions: LiveSessions;
  staffInvites: StaffInviteStore;
  rooms: RoomStore;
  roomHooks: RoomHooks;
  invites: InviteStore;
  participants: ParticipantStore;
  guard: Guard;
  realtime: Realtime;
  consents: ConsentStore;
  mediaStore: MediaStore;
  media: MediaService;
  downloads: Downloads;
  notes: DocHub;
  docStore: DocStore;
  feedback: FeedbackStore;
  trajects: TrajectStore;
  spreektijd: Spreektijd;
  /** Changes that must reach live connections in every process (cluster/signals.ts). */
  signals: Signals;
  /** Periodic and start-up work on shared state, run by one process of the cluster (cluster/jobs.ts). */
  jobs: ClusterJobs;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import staticFiles from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { permissionsFor } from '../../shared/access/roles.ts';
import { HealthSchema } from '../../shared/api/schemas.ts';
import { closeCodeFor } from '../../shared/errors.ts';
import { createStaffGuard } from './access/guard.ts';
import { LiveSessions } from './access/live-sessions.ts';
import { accessRoutes } from './access/routes.ts';
import { createSessionStore } from './access/sessions.ts';
import { createStaffInviteStore } from './access/staff-invites.ts';
import { createUserStore } from './access/users.ts';
import { createCluster } from './cluster/cluster.ts';
import { RedisUnreachable } from './cluster/redis.ts';
import type { ClusterSignal } from './cluster/signals.ts';
import { ConfigError, type Config } from './config.ts';
import { openStore } from './db/database.ts';
import { AppError, errorBody, installErrorHandlers } from './http/errors.ts';
import { checkOrigin, installOriginCheck } from './http/origin.ts';
import { createConsentStore } from './media/consent-store.ts';
import { createDownloads } from './media/downloads.ts';
import { createMediaStore } from './media/media-store.ts';
import { mediaRoutes } from './media/routes.ts';
import { createMediaService, type MediaChange } from './media/service.ts';
import { uploadRoutes } from './media/uploads.ts';
import { createFeedbackStore } from './kijkwijzer/feedback-store.ts';
import { kijkwijzerRoutes } from './kijkwijzer/routes.ts';
import { createTrajectStore } from './kijkwijzer/traject-store.ts';
import { createNotesEndpoint, isDocOfRoom, privateDocName, roomOfDoc, sharedDocName } from './notes/endpoint.ts';
import { createPlayheadEventStore } from './playhead/event-store.ts';
import { createPlayheadStateStore } from './playhead/state-store.ts';
import { createPlayhead } from './playhead/feature.ts';
import { DocHub } from './notes/hub.ts';
import { notesRoutes } from './notes/routes.ts';
import { createDocStore } from './notes/store.ts';
import { createPointerFeature } from './drawing/pointer.ts';
import { createRealtime, roomChannel } from './realtime/socket.ts';
import { routeUpgrades } from './realtime/upgrade.ts';
import { createInviteStore } from './rooms/invite-store.ts';
import { createParticipantStore } from './rooms/participant-store.ts';
import { createGuard } from './rooms/guard.ts';
import { RoomHooks } from './rooms/hooks.ts';
import { createRoomStore } from './rooms/room-store.ts';
import { reportRoutes } from './reports/routes.ts';
import { roomRoutes } from './rooms/routes.ts';
import { spreektijdRoutes } from './spreektijd/routes.ts';
import { ANALYSIS_HEARTBEAT_MS, createSpreektijd } from './spreektijd/service.ts';
import { createSpreektijdStore } from './spreektijd/store.ts';
import { createVoice } from './voice/feature.ts';
import { voiceRoutes } from './voice/routes.ts';
import { createVoiceStore } from './voice/store.ts';
import type { Services } from './services.ts';
import { PROJECT_ROOT } from './paths.ts';

export const VERSION: string = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Paths whose values must never reach a log line. */
const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.passwordHash',
];

// CSP Level 3 lets 'self' cover ws:/wss: to the page's own host, so no origin is spelled out.
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    // Svelte sets dynamic styles through the CSSOM; inline style attributes are the only allowance.
    styleSrcAttr: ["'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    // blob: is the participant's own local file in bring-your-own-file mode, never a third party.
    mediaSrc: ["'self'", 'blob:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    workerSrc: ["'self'", 'blob:'],
  },
};

/** Room routes (`/api/rooms/:roomId/<this>…`) that touch only the store and signals, never a room's memory. */
const STORE_ONLY_ROOM_ROUTES: ReadonlySet<string> = new Set(['invites', 'permissions', 'participants', 'join', 'leave']);

/** Builds the whole server without listening, so tests can `inject` or listen on port 0. */
export async function buildApp(config: Config, options: { logStream?: NodeJS.WritableStream } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, ...(options.logStream ? { stream: options.logStream } : {}) },
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    forceCloseConnections: true,
    // Behind proxies the client is in X-Forwarded-For, which only the listed proxies may set.
    trustProxy: config.trustProxy ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Before anything is opened: an unreachable Redis is a configuration error at start.
  const cluster = await createCluster(config.redisUrl, app.log).catch((err: unknown) => {
    throw err instanceof RedisUnreachable ? new ConfigError(err.message) : err;
  });
  const { ownership, signals, jobs } = cluster;
  const db = await openStore({ databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'kijkkamer.sqlite') });
  const users = createUserStore(db);
  const sessions = createSessionStore(db);
  const rooms = createRoomStore(db);
  const participants = createParticipantStore(db);
  const guard = createGuard({ config, staffGuard: createStaffGuard({ config, sessions, users }), sessions, rooms, participants });
  const playhead = createPlayhead({
    events: createPlayheadEventStore(db),
    saved: createPlayheadStateStore(db),
    // Probed facts of the room's uploaded video; without them the host's browser reports its own.
    media: async (roomId) => {
      const facts = (await mediaStore.get(roomId))?.facts;
      return facts?.durationSeconds ? { duration: facts.durationSeconds, frameRate: facts.frameRate } : null;
    },
    log: (err, msg) => app.log.error({ err }, msg),
  });
  const voiceStore = createVoiceStore(db);
  const voice = createVoice({
    store: voiceStore,
    iceServers: config.iceServers,
    turnSecret: config.turnSecret,
    pauseForTalk: playhead.pauseForTalk,
    log: (err, msg) => app.log.error({ err }, msg),
  });
  const liveSessions = new LiveSessions(sessions);
  const publicUrl = () => config.publicUrl;
  const realtime = createRealtime(app.server, { guard, liveSessions, publicUrl, ownership, features: [playhead.feature, voice.feature, createPointerFeature()] });
  const docStore = createDocStore(db);
  const notes = new DocHub({
    store: docStore,
    log: (level, msg, data) => app.log[level]({ ...data }, msg),
    owns: (docName) => ownership.holds(roomOfDoc(docName)),
  });
  const notesEndpoint = createNotesEndpoint({ hub: notes, guard, liveSessions, ownership, log: (msg, data) => app.log.warn(data, msg) });
  routeUpgrades(app.server, { '/yjs/': notesEndpoint.handleUpgrade }, {
    checkOrigin: (req) => checkOrigin(req.headers, publicUrl()),
    onRefused: (req, reason) => app.log.warn({ reason, url: req.url?.split('?')[0] }, 'cross-origin WebSocket refused'),
  });

  const consents = createConsentStore(db);
  const mediaStore = createMediaStore(db);
  const announceMedia = (roomId: string, change: MediaChange) => signals.publish({ kind: 'media-changed', roomId, reason: change.reason });
  const media = createMediaService({
    config,
    consents,
    store: mediaStore,
    log: app.log,
    onChange: (roomId, change) => {
      announceMedia(roomId, change);
      // A new or converted video is analysed; a deleted one takes its analysis with it.
      void spreektijd.mediaChanged(roomId, change.reason);
    },
    onConversion: (roomId, conversion) => realtime.io.to(roomChannel(roomId)).emit('media:conversion', conversion),
  });
  const spreektijd = createSpreektijd({
    store: createSpreektijdStore(db),
    video: async (roomId) => {
      const row = await mediaStore.get(roomId);
      if (!row) return null;
      return {
        mediaId: row.id,
        path: row.filePath ? media.absolute(row.filePath) : null,
        durationSeconds: row.facts.durationSeconds,
        hasAudio: row.probed ? row.facts.audioCodec !== null : null,
      };
    },
    ffmpegPath: config.ffmpegPath,
    onProgress: (roomId, status) => signals.publish({ kind: 'spreektijd-progress', roomId, status }),
    onChanged: (roomId, revision) => signals.publish({ kind: 'spreektijd-changed', roomId, revision }),
    canWatch: async (access) => (await media.videoAccess(access)) === 'allowed',
    log: app.log,
  });
  const roomHooks = new RoomHooks();
  const dropRoomDocs = async (roomId: string, participantIds: readonly string[]): Promise<void> => {
    await notes.dropDoc(sharedDocName(roomId));
    for (const id of participantIds) await notes.dropDoc(privateDocName(roomId, id));
  };
  roomHooks.onDeleted((roomId, participantIds) => signals.publish({ kind: 'room-deleted', roomId, participantIds: [...participantIds] }));
  // Here as well, awaited: the documents' rows are gone before the deletion is answered.
  roomHooks.onDeleted(dropRoomDocs);
  roomHooks.onDeleted((roomId) => media.removeRoom(roomId));
  roomHooks.onDeleted((roomId) => spreektijd.dropRoom(roomId));
  const services: Services = {
    config,
    db,
    users,
    sessions,
    liveSessions,
    staffInvites: createStaffInviteStore(db),
    rooms,
    roomHooks,
    invites: createInviteStore(db),
    participants,
    guard,
    realtime,
    consents,
    mediaStore,
    media,
    downloads: createDownloads({ rooms, consents, media, mediaStore, onChange: announceMedia }),
    notes,
    docStore,
    feedback: createFeedbackStore(db),
    trajects: createTrajectStore(db),
    spreektijd,
    signals,
    jobs,
  };
  app.decorate('services', services);

  // Every signal, wherever it was made, reaches the live connections of this process here.
  signals.handle((signal: ClusterSignal) => {
    switch (signal.kind) {
      case 'participants-ended':
        realtime.endParticipants(signal.roomId, signal.participantIds === 'all' ? 'all' : new Set(signal.participantIds), signal.reason);
        if (signal.participantIds !== 'all') notes.closeUsers(new Set(signal.participantIds), closeCodeFor(signal.reason.code), signal.reason.message);
        return;
      case 'sessions-ended':
        liveSessions.endSessions(signal.sessionIds);
        return;
      case 'permissions-changed':
        realtime.refreshPermissions(signal.roomId, (role) => permissionsFor(role, signal.overrides));
        notes.closeUsers(new Set(signal.participantIds), closeCodeFor('internal'), 'permissions changed');
        return;
      case 'room-deleted':
        realtime.endParticipants(signal.roomId, 'all', { code: 'gone', message: 'This room has been deleted.' });
        playhead.forget(signal.roomId);
        // Deleting rows already gone is harmless: every process closes the documents it has open.
        void dropRoomDocs(signal.roomId, signal.participantIds).catch((err: unknown) => app.log.error({ err }, 'dropping the documents of a deleted room failed'));
        return;
      case 'media-changed':
        realtime.io.to(roomChannel(signal.roomId)).emit('media:changed', { reason: signal.reason });
        // The video may be gone by another process's hand (the leader's retention sweep): a
        // conversion or analysis of it running here stops (nothing when there is none).
        if (signal.reason === 'withdrawn' || signal.reason === 'expired' || signal.reason === 'deleted') {
          void Promise.all([media.cancelConversion(signal.roomId), spreektijd.dropRoom(signal.roomId)]).catch((err: unknown) =>
            app.log.error({ err }, 'stopping work on a removed video failed'),
          );
        }
        return;
      case 'spreektijd-progress':
        realtime.io.to(roomChannel(signal.roomId)).emit('spreektijd:progress', signal.status);
        return;
      case 'spreektijd-changed':
        realtime.io.to(roomChannel(signal.roomId)).emit('spreektijd:changed', { revision: signal.revision });
        return;
      default:
        signal satisfies never;
    }
  });
  if (cluster.shared) {
    // A sign-out here ends that session's connections in every process (a staff session spans rooms).
    sessions.onEnded((ids) => signals.publish({ kind: 'sessions-ended', sessionIds: [...ids] }));
    // Handing a room over: its connections reconnect through the proxy to the new owner, which
    // then reads the room from the store.
    ownership.onRelease(async (roomId) => {
      await realtime.moveRoom(roomId);
      await Promise.all([
        playhead.release(roomId),
        notes.release(isDocOfRoom(roomId), closeCodeFor('internal'), 'this room moved to another server; reconnecting'),
      ]);
    });
    ownership.onAcquire((roomId) => {
      notes.forget(isDocOfRoom(roomId));
      playhead.forget(roomId);
    });
    // A request that may read or write what a room keeps in memory (its documents, playhead,
    // conversions) is served only by the room's process: the proxy sends it there, and should it
    // land elsewhere, this process takes the room over first. Requests that only touch the store
    // and then signal (invites, permissions, participants, joining, leaving) may run anywhere.
    app.addHook('onRequest', async (req) => {
      const match = /^\/api\/rooms\/([A-Za-z0-9_-]{8,64})(?:\/([a-z-]+))?(?:[/?]|$)/.exec(req.url);
      const roomId = match?.[1];
      if (!roomId || STORE_ONLY_ROOM_ROUTES.has(match[2] ?? '')) return;
      const claimed = ownership.claim(roomId);
      if (claimed !== true && !(await claimed)) throw new AppError('internal', 'This room is moving to another server. Try again in a moment.');
    });
  }

  // Shared rows: one process of the cluster removes them (the others hear of it as `sessions-ended`).
  jobs.schedule({ name: 'expired sessions', everyMs: 3_600_000, run: async () => void (await sessions.removeExpired()) });
  // This process's own connections: checked here, in every process.
  liveSessions.start(undefined, (err) => app.log.error({ err }, 'checking live sessions failed'));
  // Before Fastify waits for the connections to end: playing rooms pause where they are and say so,
  // then the socket.io connections (upgraded, so Fastify does not close them itself) end after
  // delivering that.
  app.addHook('preClose', async () => {
    await playhead.stop();
    realtime.io.disconnectSockets(true);
  });
  app.addHook('onClose', async () => {
    // First: the cluster's jobs stop (the leader lease is freed for the next leader), rooms are
    // handed back (their clients reconnect to another process) and leases freed.
    await cluster.close();
    liveSessions.stop();
    // Documents unloaded (their last version and compaction written) before the database closes.
    await notesEndpoint.close();
    await spreektijd.close();
    await realtime.io.close();
    // After the sockets: their disconnects may still touch the rooms, never a closed database.
    await playhead.close();
    await voice.close();
    await db.close();
  });

  await app.register(cookie);
  await app.register(helmet, { contentSecurityPolicy: CONTENT_SECURITY_POLICY, crossOriginEmbedderPolicy: false });
  // Counted in Redis across the cluster, per process without it (cluster/rate-limits.ts).
  await app.register(rateLimit, { global: false, ...(cluster.rateLimitStore ? { store: cluster.rateLimitStore } : {}) });
  installErrorHandlers(app);
  installOriginCheck(app, publicUrl);

  app.get('/api/health', { schema: { response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const, version: VERSION }));
  await app.register(accessRoutes);
  await app.register(roomRoutes);
  await app.register(mediaRoutes);
  await app.register(uploadRoutes);
  await app.register(notesRoutes);
  await app.register(kijkwijzerRoutes);
  await app.register(reportRoutes);
  await app.register(spreektijdRoutes);
  // Analyses a restart interrupted start again once the server is up: alone, all of them at start;
  // in a cluster the leader looks every minute for those whose process stopped marking them alive.
  jobs.schedule(
    cluster.shared
      ? { name: 'resume speaker analyses', everyMs: 60_000, run: (signal) => spreektijd.resume(4 * ANALYSIS_HEARTBEAT_MS, signal) }
      : { name: 'resume speaker analyses', everyMs: null, run: (signal) => spreektijd.resume(0, signal) },
  );
  app.addHook('onReady', () => jobs.start());
  await app.register(voiceRoutes(voiceStore));

  const clientDir = config.clientDir && existsSync(join(config.clientDir, 'index.html')) ? config.clientDir : null;
  if (clientDir) await app.register(staticFiles, { root: clientDir, wildcard: false, index: false });
  app.setNotFoundHandler((req, reply) => {
    const isPage = req.method === 'GET' && !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
    if (isPage && clientDir) {
      // The SPA's entry page must never be cached: it names the current hashed asset files.
      return reply.header('Cache-Control', 'no-cache').sendFile('index.html', clientDir);
    }
    return reply.status(404).send(errorBody('not_found', `No such endpoint: ${req.method} ${req.url.split('?')[0]}`));
  });

  return app;
}

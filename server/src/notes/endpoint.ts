import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { fastifyCookie } from '@fastify/cookie';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeCodeFor } from '../../../shared/errors.ts';
import { MAX_MESSAGE_BYTES, YJS_PATH_PREFIX } from '../../../shared/notes/protocol.ts';
import type { LiveSessions } from '../access/live-sessions.ts';
import type { RoomOwnership } from '../cluster/ownership.ts';
import type { Guard } from '../rooms/guard.ts';
import type { UpgradeHandler } from '../realtime/upgrade.ts';
import type { DocHub } from './hub.ts';

/** The room's shared document, and a participant's private one that only they can ever open. */
export const sharedDocName = (roomId: string): string => roomId;
export const privateDocName = (roomId: string, participantId: string): string => `${roomId}/private/${participantId}`;
/** The room a document belongs to, and a test for "this room's documents". */
export const roomOfDoc = (docName: string): string => docName.split('/')[0]!;
export const isDocOfRoom = (roomId: string) => (docName: string): boolean => roomOfDoc(docName) === roomId;

const PATH = new RegExp(`^${YJS_PATH_PREFIX}/([A-Za-z0-9_-]{8,64})(/private)?$`);
const HEARTBEAT_MS = 30_000;
const HEARTBEAT_SLICES = 30;

/**
 * The y-websocket endpoint: `/yjs/<roomId>` and `/yjs/<roomId>/private`. Access is decided from the
 * room cookie at the upgrade; refusals complete the handshake and close with a named code
 * (4401, 4403, 4404…) because browsers never show a WebSocket client the HTTP status. The access
 * check (a store read) finishes before the upgrade completes, so no message can arrive unheard.
 */
export function createNotesEndpoint(deps: {
  hub: DocHub;
  guard: Guard;
  liveSessions: LiveSessions;
  ownership: RoomOwnership;
  log: (msg: string, data: Record<string, unknown>) => void;
}) {
  const { hub, guard, liveSessions, ownership, log } = deps;
  // ws's own cap sits above the hub's, so an oversize message gets the hub's 4413, not ws's 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * MAX_MESSAGE_BYTES });
  const alive = new WeakMap<WebSocket, boolean>();

  // A half-open connection would keep its document loaded forever, so each one is pinged every
  // HEARTBEAT_MS and dropped when the previous ping got no pong. A slice every second rather than
  // everyone at once: thousands of pings (and pongs) in one tick delay every other message.
  const slot = new WeakMap<WebSocket, number>();
  let nextSlot = 0;
  let tick = 0;
  const heartbeat = setInterval(() => {
    tick = (tick + 1) % HEARTBEAT_SLICES;
    for (const ws of wss.clients) {
      if (slot.get(ws) !== tick) continue;
      if (alive.get(ws) === false) ws.terminate();
      else {
        alive.set(ws, false);
        ws.ping();
      }
    }
  }, HEARTBEAT_MS / HEARTBEAT_SLICES);
  heartbeat.unref();

  const refuse = (ws: WebSocket, code: Parameters<typeof closeCodeFor>[0], reason: string) => ws.close(closeCodeFor(code), reason);

  const handleUpgrade: UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = (req.url ?? '').split('?')[0]!.match(PATH);
    const roomId = match?.[1];
    const cookies = fastifyCookie.parse(req.headers.cookie ?? '');
    socket.on('error', () => {}); // a client that gives up while it waits
    serve(req, socket, head, match, roomId, cookies).catch((err: unknown) => {
      log('yjs access check failed', { err: String(err) });
      socket.destroy();
    });
  };

  /**
   * The access check (a store read) and, for someone with access, the claim on the room finish
   * before the upgrade completes: the client speaks as soon as it is open, and nothing would be
   * listening yet. Only someone with access may make it wait for the room.
   */
  const serve = async (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    match: RegExpMatchArray | null,
    roomId: string | undefined,
    cookies: Record<string, string | undefined>,
  ): Promise<void> => {
    let access = roomId ? await guard.roomAccess(cookies, roomId) : null;
    let served = true;
    if (roomId && access && !('error' in access)) {
      const claimed = ownership.claim(roomId);
      if (claimed !== true) {
        served = await claimed;
        // Decided again after the wait for the room: the session may have ended meanwhile.
        access = await guard.roomAccess(cookies, roomId);
      }
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (err) => log('yjs socket error', { err: String(err) }));
      alive.set(ws, true);
      slot.set(ws, nextSlot++ % HEARTBEAT_SLICES);
      ws.on('pong', () => alive.set(ws, true));
      if (!match || !roomId || !access) return refuse(ws, 'bad_request', 'expected /yjs/<roomId> or /yjs/<roomId>/private');
      if ('error' in access) return refuse(ws, access.error, access.message);
      // 4500: the provider reconnects, and by then the room has settled on one process.
      if (!served) return refuse(ws, 'internal', 'this room is moving to another server; reconnecting');
      const isPrivate = match[2] !== undefined;
      if (isPrivate && !access.permissions.editObservations) return refuse(ws, 'forbidden', 'your role cannot write observations');
      if (!isPrivate && !access.permissions.editObservations) log('yjs read-only connection', { roomId, role: access.role });
      // An edit that finds its session ended closes the connection (through this listener),
      // and the hub then drops the edit instead of storing it.
      const live = liveSessions.track(access.session, (reason) => hub.closeSocket(ws, closeCodeFor(reason.code), reason.message));
      ownership.enter(roomId);
      ws.on('close', () => {
        live.release();
        ownership.leave(roomId);
      });
      hub.handleConnection(ws, {
        docName: isPrivate ? privateDocName(roomId, access.participantId) : sharedDocName(roomId),
        userId: access.participantId,
        canWrite: access.permissions.editObservations,
        mayEdit: live.active,
      });
    });
  };

  return {
    handleUpgrade,
    async close() {
      clearInterval(heartbeat);
      await hub.closeAll(1001, 'server shutting down');
      wss.close();
    },
  };
}

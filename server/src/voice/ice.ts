import { createHmac } from 'node:crypto';
import type { IceServer } from '../../../shared/voice/protocol.ts';

/** Long enough for a day's session; a later join gets fresh credentials. */
export const TURN_CREDENTIAL_SECONDS = 12 * 3600;

/**
 * The ICE servers for one participant's join. TURN entries configured without credentials get
 * time-limited ones (the "TURN REST API" coturn checks with `use-auth-secret`): the username is
 * `<expiry>:<participantId>` and the password its HMAC-SHA1 under the shared secret, so a leaked
 * pair stops working by itself and says whose it was.
 */
export function iceServersFor(servers: readonly IceServer[], turnSecret: string | null, participantId: string, nowMs: number): IceServer[] {
  return servers.map((server) => {
    if (server.username !== undefined || turnSecret === null || !server.urls.some((u) => u.startsWith('turn'))) return server;
    const username = `${Math.floor(nowMs / 1000) + TURN_CREDENTIAL_SECONDS}:${participantId}`;
    return { ...server, username, credential: createHmac('sha1', turnSecret).update(username).digest('base64') };
  });
}

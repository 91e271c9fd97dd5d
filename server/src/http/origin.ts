import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.ts';

/**
 * Defence in depth against cross-site request forgery and cross-site WebSocket hijacking (OWASP
 * ASVS 4.2.2, 13.2.3). SameSite=Strict cookies and JSON-only bodies already keep today's browsers
 * from sending a forged request with a session; this also refuses whatever a browser marks as
 * coming from another origin, should either of those ever give way.
 *
 * Browsers send `Origin` on every state-changing request and every WebSocket handshake, and
 * `Sec-Fetch-Site` on every request. A script (curl, a municipal system) sends neither and carries
 * no victim's cookie, so a request without both passes.
 */
export type OriginVerdict = { ok: true } | { ok: false; reason: string };

/** Methods that change something; a GET or HEAD never does, and answers only the cookie's owner. */
export const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function checkOrigin(headers: IncomingHttpHeaders, publicUrl: string): OriginVerdict {
  const site = headers['sec-fetch-site'];
  // 'none' is the user's own navigation (address bar, bookmark); 'same-site' is a sibling
  // subdomain, which is another origin all the same.
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { ok: false, reason: `Sec-Fetch-Site: ${String(site)}` };
  const origin = headers.origin;
  if (origin === undefined) return { ok: true };
  if (origin === 'null') return { ok: false, reason: 'Origin: null' };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { ok: false, reason: 'Origin is not a URL' };
  }
  // Same origin as the address the browser reached (Host, which a page cannot forge), or as
  // PUBLIC_URL when a proxy in front does not pass the Host on.
  if (url.origin === new URL(publicUrl).origin) return { ok: true };
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.host === headers.host?.toLowerCase()) return { ok: true };
  return { ok: false, reason: `Origin: ${url.origin}` };
}

export const CROSS_ORIGIN_MESSAGE = 'Requests from another origin (web site) are refused: open Kijkkamer at its own address.';

/** Refuses state-changing HTTP requests from another origin with 403, before the body is read. */
export function installOriginCheck(app: FastifyInstance, publicUrl: () => string): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!STATE_CHANGING.has(req.method)) return;
    const verdict = checkOrigin(req.headers, publicUrl());
    if (verdict.ok) return;
    req.log.warn({ reason: verdict.reason, method: req.method, url: req.url.split('?')[0] }, 'cross-origin request refused');
    return reply.status(403).send(errorBody('forbidden', CROSS_ORIGIN_MESSAGE));
  });
}

/**
 * The `ICE_SERVERS` setting: which STUN/TURN servers browsers in a call may use. Empty by default,
 * so no address of a participant goes to any third party; inside one network, host candidates are
 * all a call needs. docs/deployment.md shows a coturn server for people behind different NATs.
 *
 * Format: a JSON array of RTCIceServer objects, e.g.
 *   [{"urls":"stun:turn.gemeente.nl:3478"},{"urls":["turn:turn.gemeente.nl:3478?transport=udp"],"username":"kijkkamer","credential":"…"}]
 * A TURN entry without username and credential gets short-lived ones made from `ICE_TURN_SECRET`
 * (coturn's `use-auth-secret`), so no lasting TURN password reaches any browser.
 */
import type { IceServer } from './protocol.ts';

const URL_PATTERN = /^(stun|stuns|turn|turns):[^\s"'<>]{1,200}$/;
const isRecord = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null && !Array.isArray(input);

export type ParsedIce = { ok: true; servers: IceServer[] } | { ok: false; message: string };

export function parseIceServers(raw: string | undefined, hasTurnSecret: boolean): ParsedIce {
  if (raw === undefined || raw.trim() === '') return { ok: true, servers: [] };
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'ICE_SERVERS must be a JSON array, e.g. [{"urls":"stun:turn.example.nl:3478"}]' };
  }
  if (!Array.isArray(input) || input.length > 10) return { ok: false, message: 'ICE_SERVERS must be a JSON array of at most 10 servers' };
  const servers: IceServer[] = [];
  for (const [i, entry] of input.entries()) {
    const where = `ICE_SERVERS[${i}]`;
    if (!isRecord(entry) || !Object.keys(entry).every((k) => ['urls', 'username', 'credential'].includes(k))) {
      return { ok: false, message: `${where} must be an object with urls, and username and credential for TURN` };
    }
    const urls = typeof entry.urls === 'string' ? [entry.urls] : entry.urls;
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && URL_PATTERN.test(u))) {
      return { ok: false, message: `${where}.urls must be stun:, stuns:, turn: or turns: URLs` };
    }
    const { username, credential } = entry;
    if ((username !== undefined && typeof username !== 'string') || (credential !== undefined && typeof credential !== 'string')) {
      return { ok: false, message: `${where}: username and credential must be strings` };
    }
    if ((username === undefined) !== (credential === undefined)) return { ok: false, message: `${where}: set both username and credential, or neither` };
    const isTurn = urls.some((u: string) => u.startsWith('turn'));
    if (isTurn && username === undefined && !hasTurnSecret) {
      return { ok: false, message: `${where} is a TURN server without username and credential: add them, or set ICE_TURN_SECRET` };
    }
    servers.push({ urls: urls as string[], ...(username !== undefined ? { username, credential: credential as string } : {}) });
  }
  return { ok: true, servers };
}

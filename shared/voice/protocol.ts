/**
 * The room's call ("gesprek") over socket.io: payload types for both ends and the checks the server
 * runs on every client message. Event names and signatures live in shared/realtime/events.ts;
 * docs/protocol.md#the-call explains the flow.
 *
 * The server only introduces peers and relays their WebRTC offers, answers and ICE candidates; the
 * audio (and camera) goes browser to browser, encrypted (DTLS-SRTP), and never passes the server.
 * Peers are named by a server-made `peerId`, never by socket id or participant id, so a peer that
 * reconnects within the grace period keeps its id and the others keep their connection to it.
 *
 * Validators refuse rather than repair: anything that is not exactly the documented shape yields
 * `{ ok: false, message }` and nothing is relayed.
 */
import type { Role } from '../access/roles.ts';

/** A mesh: every pair has its own connection, so the call is capped (docs/architecture.md: where an SFU takes over). */
export const MAX_CALL_PEERS = 8;
/** A peer whose connection dropped keeps its place this long, so a network hiccup does not end its call. */
export const RESUME_GRACE_MS = 20_000;
/** Pause-on-talk pauses the room once someone has been talking this long without a break. */
export const TALK_PAUSE_AFTER_MS = 1500;
/** A Chromium offer with audio and video is about 6 KB; anything near this is not a browser's. */
export const MAX_SDP_CHARS = 32_000;
export const MAX_CANDIDATE_CHARS = 512;

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Someone in the call, as every client in the room sees them. */
export interface VoicePeer {
  peerId: string;
  participantId: string;
  name: string;
  role: Role;
  muted: boolean;
  camera: boolean;
  /** The connection dropped and the peer may come back within RESUME_GRACE_MS. */
  away: boolean;
}

export interface VoiceSettings {
  /** "Pauzeer als iemand begint te praten": talk longer than TALK_PAUSE_AFTER_MS pauses the shared playhead. */
  pauseOnTalk: boolean;
}

/** What a room's client needs before joining: who is in the call and the room's setting. */
export interface VoiceStatus {
  peers: VoicePeer[];
  settings: VoiceSettings;
}

export interface MediaFlags {
  muted: boolean;
  camera: boolean;
}

export interface JoinRequest extends MediaFlags {
  /** The token of an earlier join on a connection that dropped: take that place back. */
  resume: string | null;
}

export interface Joined extends VoiceStatus {
  peerId: string;
  /** Present it in the next join after a dropped connection; it is only good for this participant. */
  resume: string;
  iceServers: IceServer[];
}

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

/** RTCIceCandidateInit as it travels; `null` says this peer has no more candidates. */
export interface IceCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment: string | null;
}

export type SignalBody = { kind: 'description'; description: SessionDescription } | { kind: 'candidate'; candidate: IceCandidate | null };
/** Client → server: for one peer in the same room's call. */
export type OutgoingSignal = SignalBody & { to: string };
/** Server → client: relayed from a peer, who the server names. */
export type IncomingSignal = SignalBody & { from: string };

export interface Activity {
  /** The sender's own microphone, after smoothing (activity.ts), and only while it is sent. */
  speaking: boolean;
}

/** The shared playhead was paused because someone talked (pause-on-talk). */
export interface TalkPause {
  participantId: string;
  name: string;
  role: Role;
}

/** Why the server took this connection out of the call. */
export type CallEnded = { reason: 'elsewhere' };

// ---- validation ------------------------------------------------------------------------------

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });
const isRecord = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null && !Array.isArray(input);
const hasOnly = (input: Record<string, unknown>, keys: readonly string[]): boolean => Object.keys(input).every((k) => keys.includes(k));

/** Peer ids and resume tokens are server-made, base64url. */
const PEER_ID = /^[A-Za-z0-9_-]{8,64}$/;

function parseFlags(input: Record<string, unknown>): Parsed<MediaFlags> {
  if (typeof input.muted !== 'boolean') return fail('muted must be true or false');
  if (typeof input.camera !== 'boolean') return fail('camera must be true or false');
  return ok({ muted: input.muted, camera: input.camera });
}

export function parseJoinRequest(input: unknown): Parsed<JoinRequest> {
  if (!isRecord(input) || !hasOnly(input, ['muted', 'camera', 'resume'])) return fail('a join is { muted, camera, resume }');
  const flags = parseFlags(input);
  if (!flags.ok) return flags;
  const { resume } = input;
  if (resume !== null && (typeof resume !== 'string' || !PEER_ID.test(resume))) return fail('resume must be null or the token of an earlier join');
  return ok({ ...flags.value, resume });
}

export function parseMediaFlags(input: unknown): Parsed<MediaFlags> {
  if (!isRecord(input) || !hasOnly(input, ['muted', 'camera'])) return fail('a state is { muted, camera }');
  return parseFlags(input);
}

export function parseActivity(input: unknown): Parsed<Activity> {
  if (!isRecord(input) || !hasOnly(input, ['speaking']) || typeof input.speaking !== 'boolean') return fail('activity is { speaking: true | false }');
  return ok({ speaking: input.speaking });
}

export function parseSettings(input: unknown): Parsed<VoiceSettings> {
  if (!isRecord(input) || !hasOnly(input, ['pauseOnTalk']) || typeof input.pauseOnTalk !== 'boolean') return fail('settings are { pauseOnTalk: true | false }');
  return ok({ pauseOnTalk: input.pauseOnTalk });
}

/** One SDP line: a lower-case letter, `=`, then printable text (RFC 8866 §5); no NUL or stray CR. */
const SDP_LINE = /^[a-z]=[^\r\n\0]*$/;
/** Only audio and video sections: the call has no data channels, so nothing else is negotiated. */
const MEDIA_LINE = /^m=(audio|video) \d{1,5}(\/\d{1,2})? [A-Za-z0-9/]{1,32}( [A-Za-z0-9]{1,32})+$/;

export function checkSdp(sdp: unknown): string | null {
  if (typeof sdp !== 'string' || sdp.length === 0) return 'sdp must be a non-empty string';
  if (sdp.length > MAX_SDP_CHARS) return `sdp must be at most ${MAX_SDP_CHARS} characters`;
  const lines = sdp.split('\r\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== 'v=0') return 'sdp must start with v=0 and use CRLF line ends';
  const bad = lines.findIndex((line) => !SDP_LINE.test(line));
  if (bad !== -1) return `sdp line ${bad + 1} is not a <type>=<value> line`;
  for (const type of ['o=', 's=', 't=']) if (!lines.some((l) => l.startsWith(type))) return `sdp has no ${type} line`;
  const media = lines.filter((l) => l.startsWith('m='));
  if (media.length === 0) return 'sdp has no media section';
  if (media.length > 4) return 'sdp has more media sections than a call uses';
  if (!media.every((l) => MEDIA_LINE.test(l))) return 'sdp may only negotiate audio and video';
  return null;
}

/** RFC 8839 §5.1: candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> [<name> <value>]… */
const CANDIDATE = /^candidate:[A-Za-z0-9+/]{1,32} \d{1,3} (udp|tcp|UDP|TCP) \d{1,10} [A-Za-z0-9.:_-]{1,255} \d{1,5} typ (host|srflx|prflx|relay)( [A-Za-z0-9_-]{1,32} [A-Za-z0-9.:_+/-]{1,255})*$/;

function parseCandidate(input: unknown): Parsed<IceCandidate | null> {
  if (input === null) return ok(null);
  if (!isRecord(input) || !hasOnly(input, ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment'])) {
    return fail('a candidate is { candidate, sdpMid, sdpMLineIndex, usernameFragment } or null');
  }
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = input;
  if (typeof candidate !== 'string' || candidate.length > MAX_CANDIDATE_CHARS || !CANDIDATE.test(candidate)) return fail('candidate is not an ICE candidate line');
  if (sdpMid !== null && (typeof sdpMid !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(sdpMid))) return fail('sdpMid must be null or a short token');
  if (sdpMLineIndex !== null && (!Number.isInteger(sdpMLineIndex) || (sdpMLineIndex as number) < 0 || (sdpMLineIndex as number) > 3)) {
    return fail('sdpMLineIndex must be null or 0 to 3');
  }
  if (sdpMid === null && sdpMLineIndex === null) return fail('a candidate needs sdpMid or sdpMLineIndex');
  if (usernameFragment !== null && (typeof usernameFragment !== 'string' || !/^[A-Za-z0-9+/]{4,256}$/.test(usernameFragment))) {
    return fail('usernameFragment must be null or an ICE ufrag');
  }
  return ok({ candidate, sdpMid, sdpMLineIndex: sdpMLineIndex as number | null, usernameFragment });
}

export function parseSignal(input: unknown): Parsed<OutgoingSignal> {
  if (!isRecord(input)) return fail('a signal must be an object');
  const { to, kind } = input;
  if (typeof to !== 'string' || !PEER_ID.test(to)) return fail('to must be the peerId of someone in the call');
  if (kind === 'description') {
    if (!hasOnly(input, ['to', 'kind', 'description'])) return fail('a description signal is { to, kind, description }');
    const { description } = input;
    if (!isRecord(description) || !hasOnly(description, ['type', 'sdp'])) return fail('description must be { type, sdp }');
    if (description.type !== 'offer' && description.type !== 'answer') return fail("description.type must be 'offer' or 'answer'");
    const problem = checkSdp(description.sdp);
    if (problem) return fail(problem);
    return ok({ to, kind, description: { type: description.type, sdp: description.sdp as string } });
  }
  if (kind === 'candidate') {
    if (!hasOnly(input, ['to', 'kind', 'candidate'])) return fail('a candidate signal is { to, kind, candidate }');
    const candidate = parseCandidate(input.candidate);
    return candidate.ok ? ok({ to, kind, candidate: candidate.value }) : candidate;
  }
  return fail("kind must be 'description' or 'candidate'");
}

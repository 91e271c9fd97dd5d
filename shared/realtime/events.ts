/**
 * socket.io event maps, shared so both ends are typed: `Socket<ServerToClient, ClientToServer>`
 * on the client and `Server<ClientToServer, ServerToClient>` on the server. Every client → server
 * payload is also validated at runtime on the server (see the schemas next to each feature).
 */
import type { Conversion } from '../api/media-schemas.ts';
import type { ErrorCode } from '../errors.ts';
import type { PermissionSet, Role } from '../access/roles.ts';
import type {
  BufferReport,
  ClockPing,
  ClockReply,
  CommandReceipt,
  ControlRequest,
  MediaReport,
  ModeRequest,
  PlayheadLogEntry,
  PlayheadRoomInfo,
  PlayheadSnapshot,
  SoloPosition,
  SoloRequest,
} from '../playhead/protocol.ts';
import type { PlayheadCommand, PlayheadState } from '../playhead/timeline.ts';
import type { AnalysisStatus } from '../spreektijd/schemas.ts';
import type {
  Activity,
  CallEnded,
  IncomingSignal,
  JoinRequest,
  Joined,
  MediaFlags,
  OutgoingSignal,
  TalkPause,
  VoicePeer,
  VoiceSettings,
  VoiceStatus,
} from '../voice/protocol.ts';

/** Sent in the handshake's `auth`; identity comes from the cookie, never from here. */
export interface HandshakeAuth {
  roomId: string;
}

/**
 * The handshake's URL carries the room id too (`/socket.io/?room=<id>`), so a proxy in front of
 * several processes can send every connection of a room to the process that serves it; the server
 * refuses a handshake whose query and `auth.roomId` disagree.
 */
export const ROOM_QUERY = 'room';
export const roomQuery = (roomId: string): Record<typeof ROOM_QUERY, string> => ({ [ROOM_QUERY]: roomId });

/** `connect_error` data: the same codes as HTTP errors and WebSocket close codes. */
export interface ConnectErrorData {
  code: ErrorCode;
}

export interface OnlineParticipant {
  participantId: string;
  name: string;
  role: Role;
  /** Open tabs or devices of this participant. */
  connections: number;
}

/** Acknowledgement for client commands: a clear error instead of a silent drop. */
export type Ack<T = undefined> = (result: { ok: true; value?: T } | { ok: false; error: { code: ErrorCode; message: string } }) => void;

export interface ServerToClient {
  /** The full list of who is online in the room, sent on every change (small and idempotent). */
  'presence:update': (online: OnlineParticipant[]) => void;
  /** The server ends this connection's access (link revoked, room deleted). */
  'session:ended': (reason: { code: ErrorCode; message: string }) => void;
  /** The host changed the room's permission table: this connection's permissions from now on. */
  'access:changed': (permissions: PermissionSet) => void;
  /** Shared playhead (docs/protocol-playhead.md): a new timeline state, scheduled at its atServerTime. */
  'playhead:state': (state: PlayheadState) => void;
  /** Shared playhead: mode, presenter, control requests, whom the room waits for, who looks alone. */
  'playhead:room': (info: PlayheadRoomInfo) => void;
  /** Shared playhead: one new line of the event log. */
  'playhead:log': (entry: PlayheadLogEntry) => void;
  /** Client feedback of a fragment changed; only the id, so roles allowed to read it refetch it over HTTP. */
  'kijkwijzer:feedback': (change: { fragmentId: string }) => void;
  /**
   * The room's video arrived or went away, or whether it may be downloaded changed (`downloads`);
   * only the reason, so each client refetches what its role may see over HTTP.
   */
  'media:changed': (change: { reason: 'uploaded' | 'converted' | 'withdrawn' | 'expired' | 'deleted' | 'downloads' }) => void;
  /** The room's video conversion started, progressed (at most about 4 times a second), failed or ended. */
  'media:conversion': (conversion: Conversion) => void;
  /** Spreektijd: the analysis was queued, progressed (at most about 4 times a second), failed or finished. */
  'spreektijd:progress': (status: AnalysisStatus) => void;
  /**
   * Spreektijd: the turns or speakers changed (analysis done, a correction, undo); only the new
   * revision, so each client refetches what its role may see over HTTP.
   */
  'spreektijd:changed': (change: { revision: number }) => void;
  /** The call (docs/protocol.md#the-call): who is in it, to everyone in the room, on every change. */
  'voice:peers': (peers: VoicePeer[]) => void;
  /** The call: an offer, answer or ICE candidate from a peer, for this connection only. */
  'voice:signal': (signal: IncomingSignal) => void;
  /** The call: the host changed the room's pause-on-talk setting. */
  'voice:settings': (settings: VoiceSettings) => void;
  /** The call: someone's talk paused the shared playhead ("Coach praat — gepauzeerd"). */
  'voice:paused': (by: TalkPause) => void;
  /** The call: this connection is out of it (the same person joined from another tab). */
  'voice:ended': (ended: CallEnded) => void;
}

export interface ClientToServer {
  /** Liveness check with the server's clock, also the base for later clock sync. */
  'ping:time': (ack: (serverTime: number) => void) => void;
  /** Shared playhead: start following; answers with the snapshot. Again after every reconnect. */
  'playhead:join': (ack: Ack<PlayheadSnapshot>) => void;
  /** Stop following (the video went away) without leaving the room. */
  'playhead:leave': (ack?: Ack) => void;
  /** Shared playhead: one NTP-style clock exchange. */
  'playhead:clock': (ping: ClockPing, ack: Ack<ClockReply>) => void;
  'playhead:command': (command: PlayheadCommand, ack: Ack<CommandReceipt>) => void;
  'playhead:buffer': (report: BufferReport, ack?: Ack) => void;
  /** "Los kijken" (true) and "terug naar de groep" (false). */
  'playhead:solo': (request: SoloRequest, ack: Ack) => void;
  /** Where someone looking on their own is; only while solo. */
  'playhead:position': (position: SoloPosition, ack?: Ack) => void;
  'playhead:mode': (request: ModeRequest, ack: Ack) => void;
  'playhead:control': (request: ControlRequest, ack: Ack) => void;
  /** Duration and frame rate as a browser read them, used only while the server does not know them. */
  'playhead:media': (report: MediaReport, ack: Ack) => void;
  /** The call: who is in it and the room's setting, before joining. */
  'voice:status': (ack: Ack<VoiceStatus>) => void;
  /** The call: join (again after a reconnect, with the resume token); answers with the peers to connect to. */
  'voice:join': (request: JoinRequest, ack: Ack<Joined>) => void;
  'voice:leave': (ack?: Ack) => void;
  /** The call: an offer, answer or ICE candidate for one peer in the same call. */
  'voice:signal': (signal: OutgoingSignal, ack: Ack) => void;
  /** The call: this peer's microphone muted or not, camera on or off. */
  'voice:state': (flags: MediaFlags, ack?: Ack) => void;
  /** The call: this peer started or stopped talking (for pause-on-talk). */
  'voice:activity': (activity: Activity, ack?: Ack) => void;
  /** The call: the host switches pause-on-talk. */
  'voice:settings': (settings: VoiceSettings, ack: Ack) => void;
}

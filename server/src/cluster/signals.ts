/**
 * What one process must tell the others so that live connections follow a change wherever they
 * are: an invite revoked, a session ended, a room deleted, its permissions changed, its video
 * withdrawn. The process that made the change applies the signal to its own connections at once
 * (so one process behaves exactly as it always did) and publishes it; every other process applies
 * it when it arrives. With room affinity a room's connections are normally all in one process, but
 * a staff session spans rooms on several processes, and a room may be moving between two.
 */
import type { PermissionOverrides } from '../../../shared/access/roles.ts';
import { ERROR_CODES, type ErrorCode } from '../../../shared/errors.ts';
import type { AnalysisStatus } from '../../../shared/spreektijd/schemas.ts';
import { ANALYSIS_FAILURES, ANALYSIS_STAGES, ANALYSIS_STATES, SPEAKER_COUNTS } from '../../../shared/spreektijd/types.ts';

export type MediaChangeReason = 'uploaded' | 'converted' | 'withdrawn' | 'expired' | 'deleted' | 'downloads';
const MEDIA_REASONS: readonly MediaChangeReason[] = ['uploaded', 'converted', 'withdrawn', 'expired', 'deleted', 'downloads'];

export type ClusterSignal =
  /** An invite revoked (those participants) or a room deleted ('all'): end their connections. */
  | { kind: 'participants-ended'; roomId: string; participantIds: string[] | 'all'; reason: { code: ErrorCode; message: string } }
  /** Sessions signed out, expired or revoked: end every connection opened with them. */
  | { kind: 'sessions-ended'; sessionIds: string[] }
  /** The room's permission table changed: update socket.io connections, reconnect Yjs ones. */
  | { kind: 'permissions-changed'; roomId: string; overrides: PermissionOverrides; participantIds: string[] }
  /** The room was deleted: drop whatever of it is loaded here. */
  | { kind: 'room-deleted'; roomId: string; participantIds: string[] }
  /** The room's video changed (uploaded, consent withdrawn, retention passed…): tell its connections. */
  | { kind: 'media-changed'; roomId: string; reason: MediaChangeReason }
  /**
   * A speaker analysis progressed or its result changed. It may run in another process than the
   * room's (the leader restarts one whose process died), so it reaches the room's connections this way.
   */
  | { kind: 'spreektijd-progress'; roomId: string; status: AnalysisStatus }
  | { kind: 'spreektijd-changed'; roomId: string; revision: number };

export type SignalHandler = (signal: ClusterSignal) => void;

export interface Signals {
  /** Applies the signal here at once, then to every other process. */
  publish(signal: ClusterSignal): void;
  /** The one handler that applies a signal to this process's connections (app.ts). */
  handle(handler: SignalHandler): void;
}

/** One process: publishing is applying. */
export class LocalSignals implements Signals {
  #handler: SignalHandler = () => {};

  publish(signal: ClusterSignal): void {
    this.#handler(signal);
  }

  handle(handler: SignalHandler): void {
    this.#handler = handler;
  }
}

const isId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(v);
const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 100_000 && v.every(isId);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);

function isAnalysisStatus(v: unknown): v is AnalysisStatus {
  if (!isObject(v)) return false;
  const error = v.error;
  const errorOk = error === null || (isObject(error) && isOneOf(ANALYSIS_FAILURES, error.reason) && typeof error.message === 'string' && error.message.length <= 500);
  return (
    isOneOf(ANALYSIS_STATES, v.state) &&
    (v.stage === null || isOneOf(ANALYSIS_STAGES, v.stage)) &&
    Number.isInteger(v.percent) && (v.percent as number) >= 0 && (v.percent as number) <= 100 &&
    errorOk &&
    isOneOf(SPEAKER_COUNTS, v.speakerCount) &&
    typeof v.available === 'boolean'
  );
}

function isOverrides(v: unknown): v is PermissionOverrides {
  if (!isObject(v)) return false;
  return Object.values(v).every((perms) => isObject(perms) && Object.values(perms).every((b) => typeof b === 'boolean'));
}

/**
 * Checks a signal that arrived from another process. Redis is ours, but a message that is not one
 * of these shapes (another version of Kijkkamer on the same Redis, a typo in a manual PUBLISH) is
 * dropped with a log line instead of reaching the connections.
 */
export function parseSignal(raw: unknown): ClusterSignal | null {
  if (!isObject(raw)) return null;
  switch (raw.kind) {
    case 'participants-ended': {
      const reason = raw.reason;
      if (!isId(raw.roomId) || !(raw.participantIds === 'all' || isIdList(raw.participantIds))) return null;
      if (!isObject(reason) || typeof reason.code !== 'string' || !(reason.code in ERROR_CODES) || typeof reason.message !== 'string') return null;
      return { kind: raw.kind, roomId: raw.roomId, participantIds: raw.participantIds, reason: { code: reason.code as ErrorCode, message: reason.message.slice(0, 500) } };
    }
    case 'sessions-ended':
      return isIdList(raw.sessionIds) ? { kind: raw.kind, sessionIds: raw.sessionIds } : null;
    case 'permissions-changed':
      if (!isId(raw.roomId) || !isOverrides(raw.overrides) || !isIdList(raw.participantIds)) return null;
      return { kind: raw.kind, roomId: raw.roomId, overrides: raw.overrides, participantIds: raw.participantIds };
    case 'room-deleted':
      return isId(raw.roomId) && isIdList(raw.participantIds) ? { kind: raw.kind, roomId: raw.roomId, participantIds: raw.participantIds } : null;
    case 'media-changed':
      if (!isId(raw.roomId) || !MEDIA_REASONS.includes(raw.reason as MediaChangeReason)) return null;
      return { kind: raw.kind, roomId: raw.roomId, reason: raw.reason as MediaChangeReason };
    case 'spreektijd-progress':
      if (!isId(raw.roomId) || !isAnalysisStatus(raw.status)) return null;
      return {
        kind: raw.kind,
        roomId: raw.roomId,
        // Only the known fields travel on to the browsers.
        status: { state: raw.status.state, stage: raw.status.stage, percent: raw.status.percent, error: raw.status.error && { reason: raw.status.error.reason, message: raw.status.error.message }, speakerCount: raw.status.speakerCount, available: raw.status.available },
      };
    case 'spreektijd-changed':
      return isId(raw.roomId) && Number.isSafeInteger(raw.revision) && (raw.revision as number) >= 0 ? { kind: raw.kind, roomId: raw.roomId, revision: raw.revision as number } : null;
    default:
      return null;
  }
}

/**
 * One room's call on the server, without any transport: the socket feature (feature.ts) turns
 * messages into method calls and forwards what `out` emits. The server introduces peers, relays
 * their signals and keeps the access log; the audio itself never comes here.
 *
 * - A member is one connection (tab) in the call, named by a random peerId. A participant joining
 *   from a second tab takes the call over from the first (which is told `elsewhere`), so nobody
 *   hears themselves twice.
 * - A connection that drops for network reasons leaves its member `away` for RESUME_GRACE_MS: a
 *   join with its resume token from the same participant takes the place back, with the same
 *   peerId, so the others keep their connection to it. A connection the server ends (revoked link,
 *   deleted room) or the client closes leaves at once.
 * - Pause-on-talk: a member whose activity says `speaking` for TALK_PAUSE_AFTER_MS pauses the
 *   room's shared playhead once per stretch of talk, if the room's setting is on.
 */
import type { Role } from '../../../shared/access/roles.ts';
import {
  MAX_CALL_PEERS,
  RESUME_GRACE_MS,
  TALK_PAUSE_AFTER_MS,
  type CallEnded,
  type IncomingSignal,
  type JoinRequest,
  type MediaFlags,
  type OutgoingSignal,
  type TalkPause,
  type VoicePeer,
} from '../../../shared/voice/protocol.ts';
import { done, refuse, type Answer } from '../realtime/messages.ts';
import { realTimers, type Timers } from '../realtime/timers.ts';

/** Who a connection is, from the handshake. */
export interface Caller {
  socketId: string;
  participantId: string;
  name: string;
  role: Role;
}

export interface CallOutput {
  /** The call's members changed: the whole list, for everyone in the room. */
  peers(peers: VoicePeer[]): void;
  signal(socketId: string, signal: IncomingSignal): void;
  ended(socketId: string, ended: CallEnded): void;
  paused(by: TalkPause): void;
}

/** The access log: one line per stay in the call. */
export interface CallLog {
  joined(roomId: string, who: Omit<Caller, 'socketId'>, at: number): number | Promise<number>;
  left(logId: number, at: number): void | Promise<void>;
}

export interface RoomCallOptions {
  roomId: string;
  out: CallOutput;
  log: CallLog;
  /** Wall clock (ms) for the access log. */
  wallClock(): number;
  newId(): string;
  /** Whether the room's pause-on-talk setting is on, read when it would apply. */
  pauseOnTalk(): boolean | Promise<boolean>;
  /** A write to the access log or a read of the setting failed (the call itself goes on). */
  onError?: (err: unknown, msg: string) => void;
  /** Pauses the room's shared playhead for this talker; false if it was not playing. */
  pauseForTalk(who: TalkPause): boolean;
  timers?: Timers;
  graceMs?: number;
  talkMs?: number;
}

interface Member extends Omit<Caller, 'socketId'>, MediaFlags {
  peerId: string;
  resume: string;
  /** Null while away. */
  socketId: string | null;
  /** The access log line, once written. */
  logId: Promise<number | null>;
  /** When the connection dropped, for the access log if it never comes back. */
  droppedAt: number | null;
  awayTimer: unknown;
  talking: boolean;
  talkTimer: unknown;
}

export class RoomCall {
  readonly #o: RoomCallOptions;
  readonly #timers: Timers;
  readonly #members = new Map<string, Member>();
  /** Access-log writes in the order they happened (a line's end after its start). */
  #logging: Promise<unknown> = Promise.resolve();

  constructor(options: RoomCallOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** Resolves once every access-log write so far is stored. */
  async logged(): Promise<void> {
    await this.#logging;
  }

  #failed(msg: string): (err: unknown) => null {
    return (err) => {
      this.#o.onError?.(err, msg);
      return null;
    };
  }

  peers(): VoicePeer[] {
    return [...this.#members.values()].map((m) => ({
      peerId: m.peerId,
      participantId: m.participantId,
      name: m.name,
      role: m.role,
      muted: m.muted,
      camera: m.camera,
      away: m.socketId === null,
    }));
  }

  join(caller: Caller, request: JoinRequest): Answer<{ peerId: string; resume: string }> {
    const current = this.#bySocket(caller.socketId);
    if (current) return done({ peerId: current.peerId, resume: current.resume });
    const back = request.resume === null ? undefined : [...this.#members.values()].find((m) => m.resume === request.resume);
    if (back && back.participantId === caller.participantId) return this.#resume(back, caller, request);
    // Another tab of the same person: this one takes over, keeping the line in the access log.
    const other = [...this.#members.values()].find((m) => m.participantId === caller.participantId);
    if (!other && this.#members.size >= MAX_CALL_PEERS) return refuse('conflict', `The call is full: at most ${MAX_CALL_PEERS} people can talk together.`);
    let logId: Promise<number | null>;
    if (other) {
      logId = other.logId;
      this.#remove(other, { log: false });
      if (other.socketId) this.#o.out.ended(other.socketId, { reason: 'elsewhere' });
    } else {
      const at = this.#o.wallClock();
      logId = this.#logging.then(() => this.#o.log.joined(this.#o.roomId, caller, at)).catch(this.#failed('writing the call log failed'));
      this.#logging = logId;
    }
    const member: Member = {
      peerId: this.#o.newId(),
      resume: this.#o.newId(),
      socketId: caller.socketId,
      participantId: caller.participantId,
      name: caller.name,
      role: caller.role,
      muted: request.muted,
      camera: request.camera,
      logId,
      droppedAt: null,
      awayTimer: null,
      talking: false,
      talkTimer: null,
    };
    this.#members.set(member.peerId, member);
    this.#announce();
    return done({ peerId: member.peerId, resume: member.resume });
  }

  /** The member asked to leave, or its connection closed on purpose or was ended: gone at once. */
  leave(socketId: string): void {
    const member = this.#bySocket(socketId);
    if (!member) return;
    this.#remove(member, { log: true });
    this.#announce();
  }

  /** The connection dropped (network): the member waits away for its resume. */
  drop(socketId: string): void {
    const member = this.#bySocket(socketId);
    if (!member) return;
    member.socketId = null;
    member.droppedAt = this.#o.wallClock();
    this.#stopTalking(member);
    member.awayTimer = this.#timers.set(() => {
      member.awayTimer = null;
      this.#remove(member, { log: true });
      this.#announce();
    }, this.#o.graceMs ?? RESUME_GRACE_MS);
    this.#announce();
  }

  setFlags(socketId: string, flags: MediaFlags): Answer {
    const member = this.#bySocket(socketId);
    if (!member) return refuse('conflict', 'Join the call first (voice:join).');
    if (member.muted === flags.muted && member.camera === flags.camera) return done(undefined);
    member.muted = flags.muted;
    member.camera = flags.camera;
    if (flags.muted) this.#stopTalking(member);
    this.#announce();
    return done(undefined);
  }

  signal(socketId: string, signal: OutgoingSignal): Answer {
    const from = this.#bySocket(socketId);
    if (!from) return refuse('conflict', 'Join the call first (voice:join).');
    const to = this.#members.get(signal.to);
    // Peers of other rooms are simply not here: the same answer as a peer that left.
    if (!to) return refuse('not_found', 'That peer is not in this call.');
    if (to === from) return refuse('bad_request', 'A peer does not signal itself.');
    if (to.socketId === null) return refuse('conflict', `${to.name} is reconnecting; try again when they are back.`);
    const body = signal.kind === 'description' ? { kind: signal.kind, description: signal.description } : { kind: signal.kind, candidate: signal.candidate };
    this.#o.out.signal(to.socketId, { ...body, from: from.peerId });
    return done(undefined);
  }

  activity(socketId: string, speaking: boolean): Answer {
    const member = this.#bySocket(socketId);
    if (!member) return refuse('conflict', 'Join the call first (voice:join).');
    if (member.muted) return refuse('conflict', 'A muted microphone does not talk.');
    if (!speaking) this.#stopTalking(member);
    else if (!member.talking) {
      member.talking = true;
      member.talkTimer = this.#timers.set(() => {
        member.talkTimer = null;
        void Promise.resolve()
          .then(() => this.#o.pauseOnTalk())
          .catch(this.#failed('reading the call settings failed'))
          .then((on) => {
            // Still talking, still here, once the setting is read.
            if (!on || !member.talking || this.#members.get(member.peerId) !== member) return;
            const who = { participantId: member.participantId, name: member.name, role: member.role };
            if (this.#o.pauseForTalk(who)) this.#o.out.paused(who);
          });
      }, this.#o.talkMs ?? TALK_PAUSE_AFTER_MS);
    }
    return done(undefined);
  }

  /** Everyone leaves (the server stops); the access log gets their leaving time. */
  dispose(): void {
    for (const member of [...this.#members.values()]) this.#remove(member, { log: true });
  }

  #bySocket(socketId: string): Member | undefined {
    return [...this.#members.values()].find((m) => m.socketId === socketId);
  }

  #resume(member: Member, caller: Caller, request: JoinRequest): Answer<{ peerId: string; resume: string }> {
    if (member.socketId !== null) this.#o.out.ended(member.socketId, { reason: 'elsewhere' });
    if (member.awayTimer !== null) this.#timers.clear(member.awayTimer);
    member.awayTimer = null;
    member.droppedAt = null;
    member.socketId = caller.socketId;
    member.muted = request.muted;
    member.camera = request.camera;
    this.#stopTalking(member);
    this.#announce();
    return done({ peerId: member.peerId, resume: member.resume });
  }

  #stopTalking(member: Member): void {
    if (member.talkTimer !== null) this.#timers.clear(member.talkTimer);
    member.talkTimer = null;
    member.talking = false;
  }

  #remove(member: Member, { log }: { log: boolean }): void {
    this.#stopTalking(member);
    if (member.awayTimer !== null) this.#timers.clear(member.awayTimer);
    member.awayTimer = null;
    this.#members.delete(member.peerId);
    if (log) {
      const at = member.droppedAt ?? this.#o.wallClock();
      this.#logging = this.#logging
        .then(() => member.logId)
        .then((id) => (id === null ? undefined : this.#o.log.left(id, at)))
        .catch(this.#failed('writing the call log failed'));
    }
  }

  #announce(): void {
    this.#o.out.peers(this.peers());
  }
}

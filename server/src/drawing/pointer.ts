/**
 * The live pointer's socket.io feature (docs/protocol.md, "The live pointer"): a participant who
 * may annotate (`editObservations`) sends where their pointer is on the picture; the server checks
 * it, stamps who it is from the connection (never from the payload) and passes it on to the rest
 * of the room, positions as *volatile* messages: a receiver whose connection is still writing
 * skips one instead of queueing it. Nothing is stored.
 */
import type { ErrorCode } from '../../../shared/errors.ts';
import { POINTER_RATE, readPointerUpdate } from '../../../shared/drawing/pointer.ts';
import { roomChannel, type RoomServer, type RoomSocket, type SocketFeature } from '../realtime/socket.ts';

type AckResult = { ok: true } | { ok: false; error: { code: ErrorCode; message: string } };

/** Untrusted input: the handler sees whatever the client sent, and validates it itself. */
interface RawSocket {
  on(event: string, listener: (...args: unknown[]) => void): void;
}

export function createPointerFeature(now: () => number = () => performance.now()): SocketFeature {
  return (socket: RoomSocket, _io: RoomServer) => {
    const channel = roomChannel(socket.data.access.room.id);
    let tokens: number = POINTER_RATE.burst;
    let refilled = now();
    /** This connection showed a pointer that the others may still draw. */
    let shown = false;

    const take = (): boolean => {
      const at = now();
      tokens = Math.min(POINTER_RATE.burst, tokens + ((at - refilled) / 1000) * POINTER_RATE.perSecond);
      refilled = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    };

    const answer = (payload: unknown): AckResult => {
      const access = socket.data.access;
      // Read per message: the host may change the room's permissions while the connection lives.
      if (!access.permissions.editObservations) return { ok: false, error: { code: 'forbidden', message: 'Your role in this room does not allow pointing at the video.' } };
      if (!take()) return { ok: false, error: { code: 'rate_limited', message: 'Too many pointer positions: at most 25 a second are useful.' } };
      const update = readPointerUpdate(payload);
      if (!update) return { ok: false, error: { code: 'bad_request', message: 'Expected { kind: "move", x, y } with whole numbers 0–10000, or { kind: "hide" }.' } };
      shown = update.kind === 'move';
      const event = { ...update, participantId: access.participantId, name: access.name };
      // A position may be skipped (the next one is 40 ms away, and senders repeat where they
      // rest); that the pointer went away must arrive.
      if (update.kind === 'move') socket.to(channel).volatile.emit('pointer:update', event);
      else socket.to(channel).emit('pointer:update', event);
      return { ok: true };
    };

    (socket as unknown as RawSocket).on('pointer:update', (...args) => {
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as (result: AckResult) => void) : null;
      const result = answer(ack && args.length === 1 ? undefined : args[0]);
      ack?.(result);
    });
    socket.on('disconnect', () => {
      if (!shown) return;
      const { participantId, name } = socket.data.access;
      socket.to(channel).emit('pointer:update', { kind: 'hide', participantId, name });
    });
  };
}

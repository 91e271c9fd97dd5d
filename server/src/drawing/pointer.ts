/**
 * The live pointer's socket.io feature (docs/protocol.md, "The live pointer"): a participant who
 * may annotate (`editObservations`) sends where their pointer is on the picture; the server checks
 * it, stamps who it is from the connection (never from the payload) and passes it on to the rest
 * of the room, positions as *volatile* messages: a receiver whose connection is still writing
 * skips one instead of queueing it. Nothing is stored.
 */
import { POINTER_RATE, readPointerUpdate } from '../../../shared/drawing/pointer.ts';
import { done, onMessage, refuse, toAck, TokenBucket, type Answer } from '../realtime/messages.ts';
import { roomChannel, type RoomServer, type RoomSocket, type SocketFeature } from '../realtime/socket.ts';

export function createPointerFeature(now: () => number = () => performance.now()): SocketFeature {
  return (socket: RoomSocket, _io: RoomServer) => {
    const channel = roomChannel(socket.data.access.room.id);
    const bucket = new TokenBucket(POINTER_RATE, now);
    /** This connection showed a pointer that the others may still draw. */
    let shown = false;

    const answer = (payload: unknown): Answer => {
      const access = socket.data.access;
      // Read per message: the host may change the room's permissions while the connection lives.
      if (!access.permissions.editObservations) return refuse('forbidden', 'Your role in this room does not allow pointing at the video.');
      if (!bucket.take()) return refuse('rate_limited', 'Too many pointer positions: at most 25 a second are useful.');
      const update = readPointerUpdate(payload);
      if (!update) return refuse('bad_request', 'Expected { kind: "move", x, y } with whole numbers 0–10000, or { kind: "hide" }.');
      shown = update.kind === 'move';
      const event = { ...update, participantId: access.participantId, name: access.name };
      // A position may be skipped (the next one is 40 ms away, and senders repeat where they
      // rest); that the pointer went away must arrive.
      if (update.kind === 'move') socket.to(channel).volatile.emit('pointer:update', event);
      else socket.to(channel).emit('pointer:update', event);
      return done(undefined);
    };

    onMessage(socket, 'pointer:update', (payload, ack) => {
      // Answered first: a position sent without an acknowledgement is relayed all the same.
      const result = answer(payload);
      ack?.(toAck(result));
    });
    socket.on('disconnect', () => {
      if (!shown) return;
      const { participantId, name } = socket.data.access;
      socket.to(channel).emit('pointer:update', { kind: 'hide', participantId, name });
    });
  };
}

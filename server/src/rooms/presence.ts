import type { OnlineParticipant } from '../../../shared/realtime/events.ts';

/**
 * Who is online per room, counted by connection so a second tab does not make someone appear
 * twice and closing one tab does not make them disappear. Pure bookkeeping, no transport.
 */
export class Presence {
  private readonly rooms = new Map<string, Map<string, OnlineParticipant>>();

  join(roomId: string, who: Omit<OnlineParticipant, 'connections'>): OnlineParticipant[] {
    const room = this.rooms.get(roomId) ?? new Map<string, OnlineParticipant>();
    this.rooms.set(roomId, room);
    const existing = room.get(who.participantId);
    room.set(who.participantId, { ...who, connections: (existing?.connections ?? 0) + 1 });
    return this.list(roomId);
  }

  leave(roomId: string, participantId: string): OnlineParticipant[] {
    const room = this.rooms.get(roomId);
    const existing = room?.get(participantId);
    if (room && existing) {
      if (existing.connections > 1) room.set(participantId, { ...existing, connections: existing.connections - 1 });
      else room.delete(participantId);
      if (room.size === 0) this.rooms.delete(roomId);
    }
    return this.list(roomId);
  }

  list(roomId: string): OnlineParticipant[] {
    return [...(this.rooms.get(roomId)?.values() ?? [])];
  }
}

/** A deleted room: its id and everyone who was in it (their private documents go with it). */
export type RoomDeletedHook = (roomId: string, participantIds: readonly string[]) => void | Promise<void>;

/**
 * What a room's deletion means to the capabilities above rooms — realtime ends its connections,
 * notes drops its documents, media removes its files — registered by them in app.ts, so rooms
 * imports none of them. Hooks run in registration order, after the room's row is gone.
 */
export class RoomHooks {
  readonly #deleted: RoomDeletedHook[] = [];

  onDeleted(hook: RoomDeletedHook): void {
    this.#deleted.push(hook);
  }

  async deleted(roomId: string, participantIds: readonly string[]): Promise<void> {
    for (const hook of this.#deleted) await hook(roomId, participantIds);
  }
}

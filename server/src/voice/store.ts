/** Persistence of the call (migration 009): the access log and the pause-on-talk setting. */
import type { Role } from '../../../shared/access/roles.ts';
import type { CallLogEntry } from '../../../shared/voice/schemas.ts';
import type { VoiceSettings } from '../../../shared/voice/protocol.ts';
import type { Database } from '../db/database.ts';
import type { CallLog } from './call.ts';

interface Row {
  id: number;
  participant_id: string;
  name: string;
  role: Role;
  joined_at: number;
  left_at: number | null;
}

export function createVoiceStore(db: Database) {
  const insert = db.prepare<[string, string, string, string, number], { id: number }>(
    'INSERT INTO call_log (room_id, participant_id, name, role, joined_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  );
  const leave = db.prepare('UPDATE call_log SET left_at = ? WHERE id = ? AND left_at IS NULL');
  const closeAll = db.prepare('UPDATE call_log SET left_at = ? WHERE left_at IS NULL');
  const closeRoom = db.prepare('UPDATE call_log SET left_at = ? WHERE room_id = ? AND left_at IS NULL');
  const entries = db.prepare<[string], Row>('SELECT * FROM call_log WHERE room_id = ? ORDER BY joined_at, id');
  const settings = db.prepare<[string], { pause_on_talk: number }>('SELECT pause_on_talk FROM call_settings WHERE room_id = ?');
  const saveSettings = db.prepare(
    'INSERT INTO call_settings (room_id, pause_on_talk) VALUES (?, ?) ON CONFLICT (room_id) DO UPDATE SET pause_on_talk = excluded.pause_on_talk',
  );

  const log: CallLog = {
    joined: async (roomId, who, at) => (await insert.get(roomId, who.participantId, who.name, who.role, at))!.id,
    left: async (logId, at) => void (await leave.run(at, logId)),
  };
  return {
    log,
    entries: async (roomId: string): Promise<CallLogEntry[]> =>
      (await entries.all(roomId)).map((r) => ({ id: r.id, participantId: r.participant_id, name: r.name, role: r.role, joinedAt: r.joined_at, leftAt: r.left_at })),
    /**
     * Calls do not survive a restart (every browser reconnects and joins anew): lines still open
     * from before get the start-up time as their end, the latest the person can have been there.
     */
    closeOpen: async (at: number): Promise<void> => void (await closeAll.run(at)),
    /**
     * The same for one room, where other processes write to the log too (a cluster): lines of the
     * room still open when this process takes it over are from an owner that stopped without
     * writing their end; they get `at`, the takeover. Returns how many were closed.
     */
    closeOpenInRoom: async (roomId: string, at: number): Promise<number> => (await closeRoom.run(at, roomId)).changes,
    settings: async (roomId: string): Promise<VoiceSettings> => ({ pauseOnTalk: (await settings.get(roomId))?.pause_on_talk === 1 }),
    saveSettings: async (roomId: string, value: VoiceSettings): Promise<void> => void (await saveSettings.run(roomId, value.pauseOnTalk ? 1 : 0)),
  };
}
export type VoiceStore = ReturnType<typeof createVoiceStore>;

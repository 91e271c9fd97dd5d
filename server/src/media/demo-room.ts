/**
 * A sample room to try everything in a minute: the synthetic fixture video (no real people),
 * a consent record marked as demo that lets every role watch, and the host as participant.
 */
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSENT_PURPOSES } from '../../../shared/api/media-schemas.ts';
import { INVITE_ROLES } from '../../../shared/access/roles.ts';
import type { UserRow } from '../access/users.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { ParticipantStore } from '../rooms/participant-store.ts';
import type { RoomRow, RoomStore } from '../rooms/room-store.ts';
import type { ConsentStore } from './consent-store.ts';
import type { MediaService } from './service.ts';
import { addDays, isoDay } from './service.ts';

export const DEMO_VIDEO = fileURLToPath(new URL('../../../tests/fixtures/gesprek.mp4', import.meta.url));

export interface DemoDeps {
  config: Config;
  db: Db;
  rooms: RoomStore;
  participants: ParticipantStore;
  consents: ConsentStore;
  media: MediaService;
}

export async function createDemoRoom(deps: DemoDeps, owner: UserRow): Promise<RoomRow> {
  const { config, db, rooms, participants, consents, media } = deps;
  const today = isoDay(Date.now());
  const roomId = db.transaction(() => {
    const id = rooms.create({
      ownerId: owner.id,
      title: 'Demo: gesprek met mevrouw D.',
      description: 'Voorbeeldkamer met een nagemaakte video (beeldnummers en piepjes, geen echte mensen). Probeer hier alles uit.',
      recordedOn: today,
    });
    participants.create({ roomId: id, inviteId: null, userId: owner.id, name: owner.name, role: 'begeleider' });
    consents.give(
      id,
      {
        clientLabel: 'Mevrouw D. (demo)',
        consentDate: today,
        method: 'digital',
        purposes: [...CONSENT_PURPOSES],
        allowedRoles: [...INVITE_ROLES],
        fragmentsOutsideRoom: false,
        retentionUntil: addDays(today, config.retentionDays),
        note: 'Demo: er is geen echte cliënt; de video is synthetisch.',
      },
      { recordedBy: owner.name, isDemo: true },
    );
    return id;
  })();
  // attachFile moves its source, so it gets a copy in the staging folder next to the uploads.
  const staged = join(media.uploadStore.directory, `demo-${newId()}`);
  try {
    await copyFile(DEMO_VIDEO, staged);
    await media.attachFile(roomId, staged, 'gesprek.mp4');
  } catch (err) {
    await rm(staged, { force: true });
    rooms.remove(roomId);
    await media.removeRoom(roomId);
    throw err;
  }
  return rooms.get(roomId)!;
}

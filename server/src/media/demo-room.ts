/**
 * A sample room to try everything in a minute: the synthetic fixture video (no real people),
 * a consent record marked as demo that lets every role watch, and the host as participant.
 */
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CONSENT_PURPOSES } from '../../../shared/api/media-schemas.ts';
import { INVITE_ROLES } from '../../../shared/access/roles.ts';
import type { ThemeId } from '../../../shared/kijkwijzer/themes.ts';
import { addObservation } from '../../../shared/notes/doc.ts';
import type { ObservationKind } from '../../../shared/notes/types.ts';
import type { UserRow } from '../access/users.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { DocHub } from '../notes/hub.ts';
import { sharedDocName } from '../notes/endpoint.ts';
import type { ParticipantStore } from '../rooms/participant-store.ts';
import type { RoomRow, RoomStore } from '../rooms/room-store.ts';
import { PROJECT_ROOT } from '../paths.ts';
import type { ConsentStore } from './consent-store.ts';
import type { MediaService } from './service.ts';
import { addDays, isoDay } from './service.ts';

export const DEMO_VIDEO = join(PROJECT_ROOT, 'tests/fixtures/gesprek.mp4');

export interface DemoDeps {
  config: Config;
  db: Database;
  rooms: RoomStore;
  participants: ParticipantStore;
  consents: ConsentStore;
  media: MediaService;
  notes: Pick<DocHub, 'getDoc' | 'settled'>;
}

/**
 * What a coach might note while watching a klantmanager's conversation with a client, so the
 * timeline, filters and Kijkwijzer themes have something to show. Times fall within the 20 s
 * fixture video.
 */
export const DEMO_OBSERVATIONS: readonly { start: number; end: number | null; kind: ObservationKind; themes: ThemeId[]; text: string }[] = [
  { start: 2, end: 5, kind: 'zie', themes: ['emotie'], text: 'Mevrouw kijkt weg en zucht als het over de brief van de gemeente gaat. Ze lijkt gespannen.' },
  { start: 6.5, end: null, kind: 'vraag', themes: ['weerstand'], text: 'Waarom reageert ze zo kortaf op de vraag naar sollicitaties? Is dit weerstand of onzekerheid?' },
  { start: 10, end: 14, kind: 'zie', themes: ['doel', 'agenda'], text: 'De klantmanager noemt het doel van het gesprek en vraagt wat mevrouw zelf wil bespreken.' },
  { start: 16, end: 19, kind: 'anders', themes: ['spreektijd'], text: 'De klantmanager praat hier veel; mevrouw krijgt weinig ruimte om te antwoorden.' },
];

export async function createDemoRoom(deps: DemoDeps, owner: UserRow): Promise<RoomRow> {
  const { config, db, rooms, participants, consents, media, notes } = deps;
  const today = isoDay(Date.now());
  const { roomId, hostId } = await db.transaction(async () => {
    const id = await rooms.create({
      ownerId: owner.id,
      title: 'Demo: gesprek met mevrouw D.',
      description: 'Voorbeeldkamer met een nagemaakte video (beeldnummers en piepjes, geen echte mensen). Probeer hier alles uit.',
      recordedOn: today,
    });
    const host = await participants.create({ roomId: id, inviteId: null, userId: owner.id, name: owner.name, role: 'begeleider' });
    await consents.give(
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
    return { roomId: id, hostId: host.id };
  });
  // attachFile moves its source, so it gets a copy in the staging folder next to the uploads.
  const staged = join(media.uploadStore.directory, `demo-${newId()}`);
  try {
    await copyFile(DEMO_VIDEO, staged);
    await media.attachFile(roomId, staged, 'gesprek.mp4');
  } catch (err) {
    await rm(staged, { force: true });
    await rooms.remove(roomId);
    await media.removeRoom(roomId);
    throw err;
  }
  // Through the hub, so the observations are stored and reach anyone already connected like a client's edit.
  const doc = await notes.getDoc(sharedDocName(roomId));
  doc.transact(() => {
    for (const o of DEMO_OBSERVATIONS) addObservation(doc, { ...o, authorId: hostId, authorName: owner.name, role: 'begeleider' });
  }, 'demo');
  await notes.settled(sharedDocName(roomId));
  return (await rooms.get(roomId))!;
}

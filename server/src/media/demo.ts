/**
 * `npm run demo`: creates a demo room for the admin account (KIJKKAMER_ADMIN_EMAIL, otherwise
 * the oldest admin). Works next to a running server: SQLite in WAL mode allows a second writer,
 * and PostgreSQL (DATABASE_URL) many.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createUserStore, type UserRow } from '../access/users.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { openStore } from '../db/database.ts';
import { DocHub } from '../notes/hub.ts';
import { createDocStore } from '../notes/store.ts';
import { createParticipantStore } from '../rooms/participant-store.ts';
import { createRoomStore } from '../rooms/room-store.ts';
import { createConsentStore } from './consent-store.ts';
import { createDemoRoom } from './demo-room.ts';
import { createMediaStore } from './media-store.ts';
import { createMediaService } from './service.ts';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Kijkkamer: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const db = await openStore({ databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'kijkkamer.sqlite') });
  try {
    const users = createUserStore(db);
    const oldestAdmin = await db.prepare<[], { id: string }>('SELECT id FROM users WHERE is_admin = 1 ORDER BY created_at LIMIT 1').get();
    const owner: UserRow | null = (config.adminEmail ? await users.findByEmail(config.adminEmail) : null) ?? (oldestAdmin ? await users.findById(oldestAdmin.id) : null);
    if (!owner) {
      console.error('Kijkkamer: er is nog geen beheerdersaccount. Start eerst de server (npm start) en maak het account aan.');
      return 1;
    }
    const consents = createConsentStore(db);
    const media = createMediaService({ config, consents, store: createMediaStore(db), log: { info: (obj, msg) => console.log(msg, obj) } });
    await mkdir(media.uploadStore.directory, { recursive: true });
    // The new room's document is loaded nowhere yet, so this process may write it; the server loads it from the store.
    const notes = new DocHub({ store: createDocStore(db) });
    let room;
    try {
      room = await createDemoRoom({ config, db, rooms: createRoomStore(db), participants: createParticipantStore(db), consents, media, notes }, owner);
    } finally {
      await notes.closeAll();
    }
    console.log(`Demo-kamer gemaakt voor ${owner.email}: ${config.publicUrl}/kamer/${room.id}`);
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();

/** The call log's store, the same tests on SQLite and PostgreSQL. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../server/src/db/database.ts';
import { createVoiceStore, type VoiceStore } from '../../server/src/voice/store.ts';
import { BACKENDS } from '../helpers/backends.ts';

describe.each(BACKENDS)('call log store on $name', (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let store: VoiceStore;
  beforeEach(async () => {
    const place = await backend.create();
    dispose = place.dispose;
    db = await place.open();
    store = createVoiceStore(db);
    await db.prepare('INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?, ?)').run('u', 'u@kijkkamer.test', 'U', 'x', 0, 1);
    for (const room of ['r1', 'r2']) await db.prepare('INSERT INTO rooms (id, owner_id, title, created_at) VALUES (?, ?, ?, ?)').run(room, 'u', room, 1);
  });
  afterEach(async () => {
    await db?.close();
    await dispose?.();
  });

  const who = (name: string) => ({ participantId: `p-${name}`, name, role: 'coach' as const });
  const ends = async (roomId: string) => (await store.entries(roomId)).map((e) => [e.name, e.leftAt]);

  it('closes the open lines of one room only, and keeps the ends already written', async () => {
    await store.log.joined('r1', who('Ans'), 100);
    const left = await store.log.joined('r1', who('Bo'), 110);
    await store.log.left(left, 150);
    await store.log.joined('r1', who('Cas'), 120);
    await store.log.joined('r2', who('Dirk'), 130);

    expect(await store.closeOpenInRoom('r1', 500)).toBe(2);
    expect(await ends('r1')).toEqual([['Ans', 500], ['Bo', 150], ['Cas', 500]]);
    expect(await ends('r2')).toEqual([['Dirk', null]]);
    expect(await store.closeOpenInRoom('r1', 600)).toBe(0);
    expect(await store.closeOpenInRoom('elsewhere', 600)).toBe(0);
    expect(await ends('r2')).toEqual([['Dirk', null]]);
  });

  it('closes every open line at once for a single process starting', async () => {
    await store.log.joined('r1', who('Ans'), 100);
    await store.log.joined('r2', who('Dirk'), 130);
    await store.closeOpen(400);
    expect([...(await ends('r1')), ...(await ends('r2'))]).toEqual([['Ans', 400], ['Dirk', 400]]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../shared/api/media-schemas.ts';
import type { SpreektijdView } from '../../shared/spreektijd/schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { analysed, spreektijdFixture } from '../helpers/spreektijd.ts';

describe('spreektijd and the conversion of a phone video', () => {
  let server: TestServer;
  let host: HttpClient;
  let work: string;
  let clip: Buffer;

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    work = mkdtempSync(join(tmpdir(), 'kijkkamer-sp-hevc-'));
    // An HEVC video (browsers cannot play it) with 25 s of the monologue recording's speech.
    const path = join(work, 'IMG_0042.MOV');
    execFileSync('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10:duration=25',
      '-i', spreektijdFixture('one-voice').video,
      '-map', '0:v', '-map', '1:a', '-t', '25',
      '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1',
      '-c:a', 'aac', '-f', 'mp4', path,
    ]);
    clip = readFileSync(path);
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps the analysis and its corrections when the video is converted: the audio is the same', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    expect((await new TusClient(host, room.id).upload(clip, 1 << 20, 'IMG_0042.MOV')).status).toBe(204);
    const before = await analysed(host, room.id);
    expect(before.status.state).toBe('done');
    expect(before.turns.length).toBeGreaterThan(0);
    const named = await host.post<SpreektijdView>(`/api/rooms/${room.id}/spreektijd/corrections`, { type: 'name', speaker: 's1', role: 'klantmanager', name: '' });
    expect(named.status).toBe(200);

    const original = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body.video!;
    expect((await host.post(`/api/rooms/${room.id}/media/conversion`, {})).status).toBe(202);
    const end = Date.now() + 120_000;
    let converted = original;
    while (converted.id === original.id && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      converted = (await host.get<MediaInfo>(`/api/rooms/${room.id}/media`)).body.video!;
    }
    expect(converted.videoCodec).toBe('h264');

    const after = (await host.get<SpreektijdView>(`/api/rooms/${room.id}/spreektijd`)).body;
    expect(after.status.state).toBe('done');
    expect(after.turns).toEqual(named.body.turns);
    expect(after.speakers).toEqual(named.body.speakers);
    expect(after.revision).toBe(named.body.revision);
    const row = await server.app.services.db.prepare<[string], { media_id: string }>('SELECT media_id FROM speaker_analyses WHERE room_id = ?').get(room.id);
    expect(row?.media_id).toBe(converted.id);
  }, 240_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../helpers/http.ts';
import { PlayheadPeer, until } from '../helpers/playhead.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { settledVoice, VoiceClient } from '../helpers/voice.ts';

describe('pause-on-talk through the shared playhead', () => {
  let server: TestServer;
  let host: HttpClient;
  const closers: { close(): void }[] = [];
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await server.dispose();
  });

  it('pauses everyone’s playhead when someone in the call talks for 1.5 s, names them, and only once per stretch of talk', async () => {
    const room = await createRoom(host);
    const { guest: client } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'client')).token, 'Clara');
    const hostPlayhead = await PlayheadPeer.join(host, room.id);
    const clientPlayhead = await PlayheadPeer.join(client, room.id);
    const h = await VoiceClient.join(host, room.id);
    // A cliënt may not steer the video, but her talk pauses it like anyone's: it is the room's setting.
    const c = await VoiceClient.join(client, room.id);
    closers.push(hostPlayhead, clientPlayhead, h, c);

    expect(await h.emit('voice:settings', { pauseOnTalk: true })).toEqual({ ok: true });
    expect(await hostPlayhead.command({ type: 'play' })).toMatchObject({ ok: true });
    await until(() => clientPlayhead.latest.paused === false, 'playing');

    expect(await c.emit('voice:activity', { speaking: true })).toEqual({ ok: true });
    await until(() => h.paused.length === 1, 'paused for talk');
    expect(h.paused).toEqual([{ participantId: expect.any(String), name: 'Clara', role: 'client' }]);
    await until(() => clientPlayhead.latest.paused && hostPlayhead.latest.paused, 'everyone paused');
    await until(() => hostPlayhead.logs.some((e) => e.action === 'pause'), 'logged');
    expect(hostPlayhead.logs.at(-1)).toMatchObject({ action: 'pause', actor: { name: 'Clara', role: 'client' } });

    // The host resumes while Clara goes on talking: no second pause for the same stretch.
    expect(await hostPlayhead.command({ type: 'play' })).toMatchObject({ ok: true });
    expect(await c.emit('voice:activity', { speaking: true })).toEqual({ ok: true });
    await settledVoice(h, c);
    await until(() => !clientPlayhead.latest.paused, 'playing again');
    // A new stretch does pause again.
    expect(await c.emit('voice:activity', { speaking: false })).toEqual({ ok: true });
    expect(await c.emit('voice:activity', { speaking: true })).toEqual({ ok: true });
    await until(() => h.paused.length === 2, 'paused again');
    await until(() => clientPlayhead.latest.paused, 'everyone paused again');
    expect(hostPlayhead.logs.filter((e) => e.action === 'pause')).toHaveLength(2);
  });

  it('does not listen to a muted microphone', async () => {
    const room = await createRoom(host);
    const h = await VoiceClient.join(host, room.id);
    closers.push(h);
    expect(await h.emit('voice:state', { muted: true, camera: false })).toEqual({ ok: true });
    expect(await h.emit('voice:activity', { speaking: true })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WerkbladReport } from '../../shared/api/reports-schemas.ts';
import type { AnalysisStatus, SpreektijdView } from '../../shared/spreektijd/schemas.ts';
import { figures } from '../../shared/spreektijd/figures.ts';
import type { HttpClient } from '../helpers/http.ts';
import { giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket, type TestSocket } from '../helpers/sockets.ts';
import { analysed, fixtureBytes, spreektijdFixture } from '../helpers/spreektijd.ts';
import { readReference, score } from '../helpers/spreektijd-score.ts';
import { PAUSE_MEASURED_SECONDS } from '../../shared/spreektijd/figures.ts';

describe('spreektijd: a recording uploaded to a room gets its speaker lane', () => {
  let server: TestServer;
  let host: HttpClient;
  let km: HttpClient;
  let coach: HttpClient;
  let roomId: string;
  let socket: TestSocket;
  const progress: AnalysisStatus[] = [];
  const changes: number[] = [];
  let view: SpreektijdView;

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    const room = await createRoom(host);
    roomId = room.id;
    // The coach is invited but the client's consent does not cover coaches watching the video.
    await giveConsent(host, roomId, { allowedRoles: ['klantmanager'] });
    km = (await joinAsGuest(server, roomId, (await invite(host, roomId, 'klantmanager')).token, 'Karin')).guest;
    coach = (await joinAsGuest(server, roomId, (await invite(host, roomId, 'coach')).token, 'Cor')).guest;
    socket = roomSocket(km, roomId);
    socket.on('spreektijd:progress', (status) => progress.push(status));
    socket.on('spreektijd:changed', ({ revision }) => changes.push(revision));
    await connected(socket);
    expect((await new TusClient(host, roomId).upload(fixtureBytes('same-gender'), 1 << 20, 'gesprek.mp4')).status).toBe(204);
    view = await analysed(km, roomId);
  }, 240_000);
  afterAll(async () => {
    socket.disconnect();
    await server.dispose();
  });

  it('starts by itself after the upload and reports its progress live, ending in done', () => {
    expect(view.status).toMatchObject({ state: 'done', percent: 100, error: null, available: true, speakerCount: 'auto' });
    const states = progress.map((p) => p.state);
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('done');
    const running = progress.filter((p) => p.state === 'running').map((p) => p.percent);
    expect(running).toEqual([...running].sort((a, b) => a - b));
    expect(new Set(progress.filter((p) => p.stage).map((p) => p.stage))).toEqual(new Set(['decoding', 'voices', 'speakers']));
    expect(changes.at(-1)).toBe(view.revision);
  });

  it('finds the two voices and who spoke when, as the ground truth says', () => {
    expect(view.speakers.map((s) => s.id)).toEqual(['s1', 's2']);
    expect(view.speakers.every((s) => s.role === null && s.name === '')).toBe(true);
    const reference = readReference(spreektijdFixture('same-gender').reference);
    const result = score(reference, view.turns, PAUSE_MEASURED_SECONDS);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.shareError).toBeLessThanOrEqual(5);
    expect(result.pauses.found).toBe(result.pauses.reference);
    // The klantmanager opens the conversation, so the first voice heard is theirs.
    expect(result.mapping.A).toBe('s1');
  });

  it('shows the turns only to those who may watch the video', async () => {
    expect((await coach.get(`/api/rooms/${roomId}/spreektijd`)).status).toBe(403);
    expect((await host.get<SpreektijdView>(`/api/rooms/${roomId}/spreektijd`)).body.turns).toEqual(view.turns);
  });

  it('puts the turns in the exports only for those who may watch the video', async () => {
    const researcher = (await joinAsGuest(server, roomId, (await invite(host, roomId, 'onderzoeker')).token, 'Olga')).guest;
    const csv = (await km.get<string>(`/api/rooms/${roomId}/exports/csv`)).body;
    expect(csv.split('\r\n').filter((line) => line.includes(',spreekbeurt,'))).toHaveLength(view.turns.length);
    const vtt = (await km.get<string>(`/api/rooms/${roomId}/exports/vtt?pseudonymise=true`)).body;
    expect(vtt).toContain('<v Spreker 1>');
    const hidden = await researcher.get<string>(`/api/rooms/${roomId}/exports/csv`);
    expect(hidden.status).toBe(200);
    expect(hidden.body).not.toContain('spreekbeurt');
    // The print page's werkblad: the figures, with roles only when pseudonymised.
    const report = (await km.get<WerkbladReport>(`/api/rooms/${roomId}/report?pseudonymise=true`)).body;
    expect(report.spreektijd?.shares.map((s) => s.label)).toEqual(['Spreker 1', 'Spreker 2']);
    expect(report.spreektijd?.monologues.length).toBe(5);
    expect((await researcher.get<WerkbladReport>(`/api/rooms/${roomId}/report`)).body.spreektijd).toBeNull();
  });

  it('lets only the host start an analysis or correct, with clear refusals for bad requests', async () => {
    const turn = view.turns[0]!;
    expect((await km.post(`/api/rooms/${roomId}/spreektijd/analysis`, { speakers: '2' })).status).toBe(403);
    expect((await km.post(`/api/rooms/${roomId}/spreektijd/corrections`, { type: 'remove', turnId: turn.id })).status).toBe(403);
    const bad = [
      { type: 'speaker', turnId: turn.id, speaker: 's4' },
      { type: 'boundary', turnId: turn.id, edge: 'start', time: -1 },
      { type: 'boundary', turnId: turn.id, edge: 'middle', time: 1 },
      { type: 'split', turnId: '../etc', at: 1 },
      { type: 'remove', turnId: turn.id, extra: true },
      { type: 'name', speaker: 's1', role: 'baas', name: 'x' },
      { type: 'name', speaker: 's1', role: null, name: 'x'.repeat(61) },
      { type: 'rewrite' },
    ];
    for (const body of bad) {
      const res = await host.post<{ error: { code: string; message: string } }>(`/api/rooms/${roomId}/spreektijd/corrections`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message.length).toBeGreaterThan(0);
    }
    expect((await host.post(`/api/rooms/${roomId}/spreektijd/analysis`, { speakers: 4 })).status).toBe(400);
    const gone = await host.post<{ error: { message: string } }>(`/api/rooms/${roomId}/spreektijd/corrections`, { type: 'remove', turnId: 't999' });
    expect(gone.status).toBe(409);
    expect(gone.body.error.message).toMatch(/no longer exists/);
    expect((await host.post(`/api/rooms/${roomId}/spreektijd/redo`)).status).toBe(409);
  });

  it("applies the host's corrections for everyone at once, and undoes and redoes them", async () => {
    const before = (await km.get<SpreektijdView>(`/api/rooms/${roomId}/spreektijd`)).body;
    const [first, second] = before.turns;
    const seen = changes.length;

    const named = await host.post<SpreektijdView>(`/api/rooms/${roomId}/spreektijd/corrections`, { type: 'name', speaker: 's1', role: 'klantmanager', name: 'Karin' });
    expect(named.status).toBe(200);
    expect(named.body.speakers[0]).toEqual({ id: 's1', role: 'klantmanager', name: 'Karin' });

    const swapped = await host.post<SpreektijdView>(`/api/rooms/${roomId}/spreektijd/corrections`, { type: 'speaker', turnId: first!.id, speaker: 's2' });
    expect(swapped.body.turns[0]).toMatchObject({ id: first!.id, speaker: 's2' });
    const shareBefore = figures(before.turns, ['s1', 's2']).shares;
    const shareAfter = figures(swapped.body.turns, ['s1', 's2']).shares;
    expect(shareAfter[1]!.seconds).toBeCloseTo(shareBefore[1]!.seconds + (first!.end - first!.start), 2);

    const split = await host.post<SpreektijdView>(`/api/rooms/${roomId}/spreektijd/corrections`, { type: 'split', turnId: second!.id, at: (second!.start + second!.end) / 2 });
    expect(split.body.turns.filter((t) => t.start >= second!.start && t.end <= second!.end)).toHaveLength(2);

    const overlap = await host.post<SpreektijdView>(`/api/rooms/${roomId}/spreektijd/corrections`, {
      type: 'add',
      speaker: 's1',
      start: second!.start + 0.2,
      end: second!.start + 0.8,
      overlap: true,
    });
    expect(overlap.body.turns.filter((t) => t.overlap)).toHaveLength(1);
    expect(figures(overlap.body.turns, ['s1', 's2']).overlaps).toHaveLength(1);
    expect(overlap.body.canUndo).toBe(true);

    // Everyone hears of every change, and the view they fetch then is the host's.
    const { until } = await import('../helpers/yjs.ts');
    await until(() => changes.length >= seen + 4, 10_000);
    expect((await km.get<SpreektijdView>(`/api/rooms/${roomId}/spreektijd`)).body).toEqual(overlap.body);

    const undone = await host.post<SpreektijdView>(`/api/rooms/${roomId}/spreektijd/undo`);
    expect(undone.body.turns.filter((t) => t.overlap)).toHaveLength(0);
    expect(undone.body.canRedo).toBe(true);
    const redone = await host.post<SpreektijdView>(`/api/rooms/${roomId}/spreektijd/redo`);
    expect(redone.body.turns).toEqual(overlap.body.turns);
    expect(redone.body.canRedo).toBe(false);
    for (let i = 0; i < 4; i++) expect((await host.post(`/api/rooms/${roomId}/spreektijd/undo`)).status).toBe(200);
    const original = (await km.get<SpreektijdView>(`/api/rooms/${roomId}/spreektijd`)).body;
    expect(original.turns).toEqual(before.turns);
    expect(original.speakers).toEqual(before.speakers);
    expect(original.canUndo).toBe(false);
  });

  it('analyses again with the number of speakers the host gives, starting afresh', async () => {
    expect((await host.post(`/api/rooms/${roomId}/spreektijd/corrections`, { type: 'name', speaker: 's2', role: 'client', name: '' })).status).toBe(200);
    const res = await host.post<AnalysisStatus>(`/api/rooms/${roomId}/spreektijd/analysis`, { speakers: '3' });
    expect(res.status).toBe(202);
    expect(['queued', 'running']).toContain(res.body.state);
    const again = await analysed(km, roomId);
    expect(again.status).toMatchObject({ state: 'done', speakerCount: '3' });
    // Three clusters were asked for; a voice that ends up without turns is not listed.
    expect(again.speakers.length).toBeGreaterThanOrEqual(2);
    expect(again.speakers.every((s) => s.role === null)).toBe(true);
    expect(again.canUndo).toBe(false);
  }, 240_000);
});

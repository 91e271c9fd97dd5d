import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consent, ConsentOverview, MediaInfo } from '../../shared/api/media-schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { consentBody, giveConsent, localDay, TusClient, FIXTURE } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('consent records', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer({ KIJKKAMER_RETENTION_DAYS: '30' });
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  it('has no consent at first and offers the configured retention default', async () => {
    const room = await createRoom(host);
    const res = await host.get<ConsentOverview>(`/api/rooms/${room.id}/consent`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ current: null, history: [], defaults: { retentionDays: 30, retentionUntil: localDay(30) } });
  });

  it('requires consent before a video can be attached, by upload or as a local file', async () => {
    const room = await createRoom(host);
    const create = await new TusClient(host, room.id).create(FIXTURE.byteLength);
    expect(create.status).toBe(409);
    expect(((await create.json()) as ErrorBody).error.message).toMatch(/consent/);
    const byo = await host.post<ErrorBody>(`/api/rooms/${room.id}/media/byo`, { size: 10, headTailSha256: 'a'.repeat(64), durationSeconds: 20, fileName: 'x.mp4' });
    expect(byo.status).toBe(409);
    await giveConsent(host, room.id);
    expect((await new TusClient(host, room.id).create(FIXTURE.byteLength)).status).toBe(201);
  });

  it('appends a new version for every change; history is newest first and rows are never rewritten', async () => {
    const room = await createRoom(host);
    const v1 = await giveConsent(host, room.id, { allowedRoles: ['klantmanager'], note: 'Papieren formulier in dossier.' });
    expect(v1).toMatchObject({ version: 1, kind: 'given', clientLabel: 'Mw. B.', method: 'paper', allowedRoles: ['klantmanager'], isDemo: false, recordedBy: 'Beheerder', withdrawnOn: null });
    const v2 = await giveConsent(host, room.id, { allowedRoles: ['klantmanager', 'onderzoeker'], purposes: ['reflectie', 'onderzoek'] });
    expect(v2.version).toBe(2);
    const overview = await host.get<ConsentOverview>(`/api/rooms/${room.id}/consent`);
    expect(overview.body.current?.id).toBe(v2.id);
    expect(overview.body.history.map((c) => c.version)).toEqual([2, 1]);
    expect(overview.body.history[1]).toEqual(v1);
    await expect(server.app.services.db.prepare('UPDATE consents SET allowed_roles = ? WHERE id = ?').run('[]', v1.id)).rejects.toThrow(/append-only/);
  });

  it('records a withdrawal as its own version that repeats the withdrawn terms', async () => {
    const room = await createRoom(host);
    const given = await giveConsent(host, room.id, { allowedRoles: ['coach'] });
    const res = await host.post<Consent>(`/api/rooms/${room.id}/consent/withdraw`, { withdrawnOn: localDay(), note: 'Telefonisch ingetrokken.' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 2, kind: 'withdrawn', withdrawnOn: localDay(), allowedRoles: ['coach'], clientLabel: given.clientLabel, note: 'Telefonisch ingetrokken.' });
    const again = await host.post<ErrorBody>(`/api/rooms/${room.id}/consent/withdraw`, { withdrawnOn: localDay() });
    expect(again.status).toBe(409);
    const info = await host.get<MediaInfo>(`/api/rooms/${room.id}/media`);
    expect(info.body.consent).toMatchObject({ status: 'withdrawn', version: 2 });
    // New consent after a withdrawal is a new version again.
    expect((await giveConsent(host, room.id)).version).toBe(3);
  });

  it('validates every field with a readable message', async () => {
    const room = await createRoom(host);
    const url = `/api/rooms/${room.id}/consent`;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ clientLabel: '  ' }, /clientLabel/],
      [{ method: 'email' }, /method/],
      [{ purposes: [] }, /purposes/],
      [{ purposes: ['reclame'] }, /purposes/],
      [{ allowedRoles: ['begeleider'] }, /allowedRoles/],
      [{ allowedRoles: ['coach', 'coach'] }, /allowedRoles/],
      [{ consentDate: '2026-02-30' }, /consentDate is not a calendar date/],
      [{ consentDate: localDay(2) }, /consentDate must not be in the future/],
      [{ retentionUntil: localDay(-1) }, /retentionUntil must be today or later/],
      [{ fragmentsOutsideRoom: 'ja' }, /fragmentsOutsideRoom/],
      [{ extra: 1 }, /unknown field "extra"/],
    ];
    for (const [patch, message] of cases) {
      const res = await host.post<ErrorBody>(url, { ...consentBody(), ...patch });
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await host.post<ErrorBody>(`${url}/withdraw`, { withdrawnOn: localDay() })).status).toBe(409);
    await giveConsent(host, room.id, { consentDate: localDay(-3) });
    const early = await host.post<ErrorBody>(`${url}/withdraw`, { withdrawnOn: localDay(-4) });
    expect(early.status).toBe(400);
    expect(early.body.error.message).toMatch(/before the consent date/);
  });

  it('shows consent details to the host only; everyone sees the scope in the media info', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { allowedRoles: ['klantmanager'] });
    const km = await invite(host, room.id, 'klantmanager');
    const { guest } = await joinAsGuest(server, room.id, km.token, 'Karin');
    expect((await guest.get(`/api/rooms/${room.id}/consent`)).status).toBe(403);
    expect((await guest.post(`/api/rooms/${room.id}/consent`, consentBody())).status).toBe(403);
    expect((await guest.post(`/api/rooms/${room.id}/consent/withdraw`, { withdrawnOn: localDay() })).status).toBe(403);
    const info = await guest.get<MediaInfo>(`/api/rooms/${room.id}/media`);
    expect(info.body).toMatchObject({ access: 'allowed', hasVideo: false, consent: { status: 'given', allowedRoles: ['klantmanager'] } });
    expect(JSON.stringify(info.body)).not.toContain('Mw. B.');
  });
});

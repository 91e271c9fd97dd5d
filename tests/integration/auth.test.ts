import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { HttpClient } from '../helpers/http.ts';
import { signedInAdmin } from '../helpers/scenario.ts';
import { ADMIN, startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('staff sign-in and sessions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ KIJKKAMER_SIGNIN_LIMIT: '100' });
  });
  afterAll(() => server.dispose());

  it('signs in with the admin from the environment and sets a strict HttpOnly cookie', async () => {
    const http = new HttpClient(server.url);
    const res = await http.post<{ user: { email: string; isAdmin: boolean } }>('/api/auth/signin', ADMIN);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: ADMIN.email, isAdmin: true });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('kk_staff='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect((await http.get('/api/auth/me')).status).toBe(200);
  });

  it('signs out: the cookie no longer works, even when replayed', async () => {
    const http = await signedInAdmin(server);
    const stolen = http.cookieHeader;
    expect((await http.post('/api/auth/signout')).status).toBe(204);
    expect((await http.get('/api/auth/me')).status).toBe(401);
    const replay = await new HttpClient(server.url).request('GET', '/api/auth/me', undefined, { cookie: stolen });
    expect(replay.status).toBe(401);
  });

  it('refuses a wrong password with 401 and a readable message', async () => {
    const res = await new HttpClient(server.url).post<ErrorBody>('/api/auth/signin', { email: ADMIN.email, password: 'fout-wachtwoord' });
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'unauthorised', message: expect.stringMatching(/not correct/) });
  });

  it('answers invalid bodies with 400 naming the field', async () => {
    const http = new HttpClient(server.url);
    const missing = await http.post<ErrorBody>('/api/auth/signin', { email: ADMIN.email });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/password/);
    const badEmail = await http.post<ErrorBody>('/api/auth/signin', { email: 'geen-adres', password: 'x' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.error.message).toMatch(/email/);
    const extra = await http.post<ErrorBody>('/api/auth/signin', { ...ADMIN, admin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/unknown field "admin"/);
    const notJson = await http.request<ErrorBody>('POST', '/api/auth/signin', '{"email":', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('bad_request');
  });

  it('answers oversized bodies with 413', async () => {
    const res = await new HttpClient(server.url).post<ErrorBody>('/api/auth/signin', { email: ADMIN.email, password: 'x'.repeat(100_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_large');
  });
});

describe('staff invites and first-run setup', () => {
  it('rate-limits many wrong passwords', async () => {
    const server = await startServer({ KIJKKAMER_SIGNIN_LIMIT: '5' });
    onTestFinished(() => server.dispose());
    const http = new HttpClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await http.post('/api/auth/signin', { email: ADMIN.email, password: `poging-${i}-fout` })).status);
    expect(statuses).toContain(429);
    const last = await http.post<ErrorBody>('/api/auth/signin', ADMIN);
    expect(last.status).toBe(429);
    expect(last.body.error.code).toBe('rate_limited');
  });

  it('prints a one-time setup link when no admin is configured, which creates the admin once', async () => {
    const server = await startServer({ KIJKKAMER_ADMIN_EMAIL: '', KIJKKAMER_ADMIN_PASSWORD: '' });
    try {
      const http = new HttpClient(server.url);
      expect((await http.get<{ setupNeeded: boolean }>('/api/setup')).body.setupNeeded).toBe(true);
      expect(server.setupUrl).toMatch(/\/welkom#[A-Za-z0-9_-]{43}$/);
      const token = server.setupUrl!.split('#')[1]!;
      const body = { token, name: 'Eerste Beheerder', email: 'eerste@kijkkamer.test', password: 'nog-een-lang-wachtwoord' };
      const created = await http.post<{ user: { isAdmin: boolean } }>('/api/staff-invites/accept', body);
      expect(created.status).toBe(201);
      expect(created.body.user.isAdmin).toBe(true);
      expect((await http.get('/api/auth/me')).status).toBe(200);
      const again = await new HttpClient(server.url).post('/api/staff-invites/accept', { ...body, email: 'tweede@kijkkamer.test' });
      expect(again.status).toBe(403);
      expect((await http.get<{ setupNeeded: boolean }>('/api/setup')).body.setupNeeded).toBe(false);
    } finally {
      await server.dispose();
    }
  });

  it('lets an admin invite staff who are not admins and cannot invite', async () => {
    const server = await startServer();
    try {
      const admin = await signedInAdmin(server);
      const inv = await admin.post<{ token: string; url: string }>('/api/staff-invites', {});
      expect(inv.status).toBe(201);
      const coach = new HttpClient(server.url);
      const acc = await coach.post<{ user: { isAdmin: boolean } }>('/api/staff-invites/accept', {
        token: inv.body.token,
        name: 'Coach C.',
        email: 'coach@kijkkamer.test',
        password: 'coach-wachtwoord-123',
      });
      expect(acc.status).toBe(201);
      expect(acc.body.user.isAdmin).toBe(false);
      expect((await coach.post('/api/staff-invites', {})).status).toBe(403);
      expect((await new HttpClient(server.url).post('/api/staff-invites', {})).status).toBe(401);
    } finally {
      await server.dispose();
    }
  });
});

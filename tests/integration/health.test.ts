import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../helpers/http.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('health, headers and unknown endpoints', () => {
  let server: TestServer;
  let http: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    http = new HttpClient(server.url);
  });
  afterAll(() => server.dispose());

  it('reports ok with the package version', async () => {
    const res = await http.get<{ status: string; version: string }>('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('sends a strict Content-Security-Policy with no third-party origin', async () => {
    const res = await http.get('/api/health');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const origins = csp.match(/\b(?:https?|wss?):\/\/[^\s;]+/g) ?? [];
    for (const origin of origins) expect(new URL(origin).host).toBe(new URL(server.url).host);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await http.get<{ error: { code: string } }>('/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('refuses WebSocket upgrades on unknown paths', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/elsewhere');
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

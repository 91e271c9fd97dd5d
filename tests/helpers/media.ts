import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InviteRole } from '../../shared/access/roles.ts';
import type { Consent, ConsentBody } from '../../shared/api/media-schemas.ts';
import type { HttpClient } from './http.ts';

export const FIXTURE_PATH = fileURLToPath(new URL('../fixtures/gesprek.mp4', import.meta.url));
export const FIXTURE = readFileSync(FIXTURE_PATH);
export const FIXTURE_SHA256 = createHash('sha256').update(FIXTURE).digest('hex');

export const localDay = (offsetDays = 0): string => {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

export const consentBody = (overrides: Partial<ConsentBody> = {}): ConsentBody => ({
  clientLabel: 'Mw. B.',
  consentDate: localDay(),
  method: 'paper',
  purposes: ['reflectie'],
  allowedRoles: ['klantmanager', 'coach'],
  fragmentsOutsideRoom: false,
  retentionUntil: localDay(90),
  ...overrides,
});

export async function giveConsent(host: HttpClient, roomId: string, overrides: Partial<ConsentBody> & { allowedRoles?: InviteRole[] } = {}): Promise<Consent> {
  const res = await host.post<Consent>(`/api/rooms/${roomId}/consent`, consentBody(overrides));
  if (res.status !== 201) throw new Error(`consent failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Raw tus 1.0 requests with fetch, carrying the client's cookies like a browser would. */
export class TusClient {
  readonly http: HttpClient;
  readonly roomId: string;
  constructor(http: HttpClient, roomId: string) {
    this.http = http;
    this.roomId = roomId;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...TUS, cookie: this.http.cookieHeader, ...extra };
  }

  async create(length: number, filename = 'gesprek.mp4'): Promise<Response> {
    return fetch(`${this.http.base}/api/rooms/${this.roomId}/uploads`, {
      method: 'POST',
      headers: this.headers({ 'upload-length': String(length), 'upload-metadata': `filename ${b64(filename)},filetype ${b64('video/mp4')}` }),
    });
  }

  /** Creates an upload and returns its absolute URL; throws unless 201. */
  async start(length: number, filename?: string): Promise<string> {
    const res = await this.create(length, filename);
    if (res.status !== 201) throw new Error(`tus create failed: ${res.status} ${await res.text()}`);
    return new URL(res.headers.get('location')!, this.http.base).toString();
  }

  patch(url: string, offset: number, chunk: Uint8Array | ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<Response> {
    return fetch(url, {
      method: 'PATCH',
      headers: this.headers({ 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }),
      body: chunk,
      signal,
      // Required by fetch for a streamed request body.
      ...(chunk instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
  }

  async offset(url: string): Promise<{ status: number; offset: number | null; length: number | null }> {
    const res = await fetch(url, { method: 'HEAD', headers: this.headers() });
    const num = (h: string) => (res.headers.get(h) === null ? null : Number(res.headers.get(h)));
    return { status: res.status, offset: num('upload-offset'), length: num('upload-length') };
  }

  /** Whole upload in chunks; returns the last PATCH response. */
  async upload(data: Uint8Array, chunkSize = 64 * 1024, filename?: string): Promise<Response> {
    const url = await this.start(data.byteLength, filename);
    let res: Response | null = null;
    for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
      res = await this.patch(url, offset, data.subarray(offset, Math.min(offset + chunkSize, data.byteLength)));
      if (res.status !== 204) return res;
    }
    return res!;
  }
}

/** Every file below `dir`, relative, sorted; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

import type { TSchema } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kijkwijzerSchemas from '../../shared/api/kijkwijzer-schemas.ts';
import * as mediaSchemas from '../../shared/api/media-schemas.ts';
import * as reportSchemas from '../../shared/api/reports-schemas.ts';
import * as schemas from '../../shared/api/schemas.ts';
import { VALIDATION_RULES, type ErrorBody } from '../../shared/errors.ts';
import { HttpClient } from '../helpers/http.ts';
import { signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Words of the validator that must never reach a person (nor a script's log of "what went wrong"). */
export const SCHEMA_VOCABULARY = /must match|pattern|body\/|\/properties|must NOT|must have required|instancePath|anyOf|additionalProperties|querystring\/|params\//;

const ROOM = 'AAAAAAAAAAAAAAAA';
const FRAGMENT = 'BBBBBBBBBBBBBBBB';

/**
 * Every JSON body the API takes, with the route that takes it. A new body schema in shared/api must
 * be added here; a route whose schema is not (yet) exported from shared/api gets the generic bad
 * bodies only.
 */
const ROUTES: { schema: string; method: 'POST' | 'PUT'; path: string }[] = [
  { schema: 'SignInBodySchema', method: 'POST', path: '/api/auth/signin' },
  { schema: 'StaffInviteBodySchema', method: 'POST', path: '/api/staff-invites' },
  { schema: 'AcceptStaffInviteBodySchema', method: 'POST', path: '/api/staff-invites/accept' },
  { schema: 'CreateRoomBodySchema', method: 'POST', path: '/api/rooms' },
  { schema: 'CreateInviteBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/invites` },
  { schema: 'InspectInviteBodySchema', method: 'POST', path: '/api/invites/inspect' },
  { schema: 'JoinBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/join` },
  { schema: 'PermissionOverridesBodySchema', method: 'PUT', path: `/api/rooms/${ROOM}/permissions` },
  { schema: 'RevealBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/notes/reveal` },
  { schema: 'FeedbackBodySchema', method: 'PUT', path: `/api/rooms/${ROOM}/fragments/${FRAGMENT}/feedback` },
  { schema: 'FeedbackRolesBodySchema', method: 'PUT', path: `/api/rooms/${ROOM}/feedback-settings` },
  { schema: 'CreateTrajectBodySchema', method: 'POST', path: '/api/trajects' },
  { schema: 'AttachRoomBodySchema', method: 'PUT', path: `/api/rooms/${ROOM}/traject` },
  { schema: 'ConsentBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/consent` },
  { schema: 'WithdrawBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/consent/withdraw` },
  { schema: 'DownloadSettingsBodySchema', method: 'PUT', path: `/api/rooms/${ROOM}/media/downloads` },
  { schema: 'ConversionBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/media/conversion` },
  { schema: 'ByoBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/media/byo` },
  { schema: 'PlayBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/media/plays` },
  { schema: 'ImportPreviewBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/imports/preview` },
  { schema: 'ImportBodySchema', method: 'POST', path: `/api/rooms/${ROOM}/imports` },
];

const allSchemas: Record<string, unknown> = { ...schemas, ...kijkwijzerSchemas, ...mediaSchemas, ...reportSchemas };

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  items?: JsonSchema;
}

/** Values that break a property of this schema in each way a person or a script might: wrong type, empty, blank, too long, malformed, out of range. */
function badValues(schema: JsonSchema): unknown[] {
  const s = schema.anyOf?.find((b) => b.type !== 'null') ?? schema;
  switch (s.type) {
    case 'string':
      return [12345, '', '   ', 'x'.repeat((s.maxLength ?? 300) + 1), '%% geen geldige waarde %%', ['lijst']];
    case 'integer':
    case 'number':
      return ['tien', -1, 1.5, 10 ** 12];
    case 'boolean':
      return ['ja', 1, null];
    case 'array':
      return ['geen lijst', [], Array.from({ length: (s.maxItems ?? 20) + 1 }, () => 'x'), [123]];
    case 'object':
      return ['geen object', { onbekend: true }];
    default:
      return ['?', 42];
  }
}

describe('API validation errors are readable, name the field, and never use schema vocabulary', () => {
  let server: TestServer;
  let staff: HttpClient;
  beforeAll(async () => {
    server = await startServer({ KIJKKAMER_SIGNIN_LIMIT: '10000', KIJKKAMER_ROOM_LIMIT: '10000' });
    staff = await signedInAdmin(server);
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('covers every JSON body schema of the API', () => {
    const bodySchemas = Object.keys(allSchemas).filter((name) => /BodySchema$/.test(name) && name !== 'ErrorBodySchema');
    const walked = new Set(ROUTES.map((r) => r.schema));
    expect(bodySchemas.filter((name) => !walked.has(name))).toEqual([]);
  });

  it('answers every broken body with a field, a rule and a sentence', async () => {
    let cases = 0;
    for (const route of ROUTES) {
      const schema = (allSchemas[route.schema] ?? {}) as TSchema & JsonSchema;
      const bodies: unknown[] = [[], 'geen object', { onbekendVeld: 1 }];
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        for (const value of badValues(property)) bodies.push({ [name]: value });
      }
      for (const body of bodies) {
        const res = await staff.request<ErrorBody>(route.method, route.path, JSON.stringify(body));
        const what = `${route.method} ${route.path} ${JSON.stringify(body).slice(0, 80)}`;
        // Some bad values are fine for optional fields; the ones refused must be refused well.
        if (res.status !== 400) continue;
        cases++;
        const { error } = res.body;
        expect(error.code, what).toBe('bad_request');
        expect(error.message, what).not.toMatch(SCHEMA_VOCABULARY);
        expect(error.message, what).toMatch(/^[A-Za-z"].*\.$/);
        expect(VALIDATION_RULES, what).toContain(error.rule);
        if (Array.isArray(body) || typeof body === 'string') expect(error.field, what).toBeUndefined();
        else expect(error.field, what).toBeTypeOf('string');
      }
    }
    // Each route refused many of them: the walk really reached the validator.
    expect(cases).toBeGreaterThan(ROUTES.length * 5);
  });

  it('says what is wrong in the words of the rule, with the limit', async () => {
    const blank = await staff.post<ErrorBody>('/api/rooms', { title: '   ' });
    expect(blank.body.error).toEqual({ code: 'bad_request', message: 'title must contain more than spaces.', field: 'title', rule: 'blank' });
    const long = await staff.post<ErrorBody>('/api/rooms', { title: 'x'.repeat(121) });
    expect(long.body.error).toEqual({ code: 'bad_request', message: 'title can be at most 120 characters long.', field: 'title', rule: 'too_long', limit: 120 });
    const token = await staff.post<ErrorBody>('/api/invites/inspect', { token: 'garbledtoken123' });
    expect(token.body.error).toMatchObject({ code: 'bad_request', field: 'token', rule: 'invalid_format', message: 'token is not in the expected form.' });
    const missing = await staff.post<ErrorBody>(`/api/rooms/${ROOM}/join`, { token: 'x'.repeat(43) });
    expect(missing.body.error).toMatchObject({ field: 'displayName', rule: 'missing', message: 'displayName is required.' });
    const days = await staff.post<ErrorBody>(`/api/rooms/${ROOM}/invites`, { role: 'coach', expiresInDays: 400 });
    expect(days.body.error).toMatchObject({ field: 'expiresInDays', rule: 'too_big', limit: 365 });
    const role = await staff.post<ErrorBody>(`/api/rooms/${ROOM}/invites`, { role: 'baas' });
    expect(role.body.error).toMatchObject({ field: 'role', rule: 'not_allowed' });
    expect(role.body.error.message).toMatch(/^role must be one of: .*klantmanager/);
    const date = await staff.post<ErrorBody>('/api/rooms', { title: 'x', recordedOn: '20-11-2026' });
    expect(date.body.error).toMatchObject({ field: 'recordedOn', rule: 'not_a_date' });
    const extra = await staff.post<ErrorBody>('/api/rooms', { title: 'x', owner: 'ik' });
    expect(extra.body.error).toMatchObject({ field: 'owner', rule: 'unknown_field', message: 'The request has an unknown field "owner".' });
  });

  it('names a malformed address parameter or query, and a broken JSON body, without vocabulary', async () => {
    const param = await staff.get<ErrorBody>('/api/rooms/x');
    expect(param.body.error).toMatchObject({ code: 'bad_request', field: 'roomId', rule: 'invalid_format' });
    const query = await staff.get<ErrorBody>(`/api/rooms/${ROOM}/exports/csv?pseudonymise=misschien`);
    expect(query.status).toBe(400);
    expect(query.body.error.message).not.toMatch(SCHEMA_VOCABULARY);
    const json = await staff.request<ErrorBody>('POST', '/api/rooms', '{"title": ');
    expect(json.body.error).toEqual({ code: 'bad_request', message: 'The request body is not valid JSON.' });
    const anonymous = new HttpClient(server.url);
    const root = await anonymous.request<ErrorBody>('POST', '/api/invites/inspect', '[]');
    expect(root.body.error).toMatchObject({ code: 'bad_request', rule: 'wrong_type', message: 'The request body must be an object.' });
  });
});

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AcceptStaffInviteBodySchema,
  ErrorBodySchema,
  MeSchema,
  SetupStatusSchema,
  SignInBodySchema,
  StaffInviteBodySchema,
  StaffInviteCreatedSchema,
  type StaffUser,
} from '../../../shared/api/schemas.ts';
import { AppError } from '../http/errors.ts';
import { clearSessionCookie, setSessionCookie } from '../http/cookies.ts';
import { STAFF_COOKIE } from './guard.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { UserRow } from './users.ts';

const toStaffUser = (u: UserRow): StaffUser => ({ id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin });
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 409: ErrorBodySchema, 429: ErrorBodySchema };

export const accessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, users, sessions, staffInvites, guard } = app.services;
  const signInLimit = { max: config.signInLimitPerMinute, timeWindow: '1 minute' };

  const startStaffSession = async (reply: Parameters<typeof setSessionCookie>[0], userId: string): Promise<void> => {
    const { token, expiresAt } = await sessions.create({ userId }, guard.staffPolicy);
    setSessionCookie(reply, config, STAFF_COOKIE, token, expiresAt);
  };

  app.get('/api/setup', { schema: { response: { 200: SetupStatusSchema } } }, async () => ({ setupNeeded: await users.count() === 0 }));

  app.post(
    '/api/auth/signin',
    { config: { rateLimit: signInLimit }, schema: { body: SignInBodySchema, response: { 200: MeSchema, ...errors } } },
    async (req, reply) => {
      const user = await users.findByEmail(req.body.email);
      if (!(await verifyPassword(user?.passwordHash ?? null, req.body.password)) || !user) {
        throw new AppError('unauthorised', 'E-mail address or password is not correct.');
      }
      await startStaffSession(reply, user.id);
      return { user: toStaffUser(user) };
    },
  );

  app.post('/api/auth/signout', { schema: { response: { 204: Type.Null() } } }, async (req, reply) => {
    const token = req.cookies[STAFF_COOKIE];
    if (token) await sessions.revoke(token);
    clearSessionCookie(reply, config, STAFF_COOKIE);
    return reply.status(204).send(null);
  });

  app.get('/api/auth/me', { schema: { response: { 200: MeSchema, ...errors } } }, async (req) => ({ user: toStaffUser(await guard.requireStaff(req.cookies)) }));

  app.post(
    '/api/staff-invites',
    { schema: { body: StaffInviteBodySchema, response: { 201: StaffInviteCreatedSchema, ...errors } } },
    async (req, reply) => {
      const admin = await guard.requireStaff(req.cookies);
      if (!admin.isAdmin) throw new AppError('forbidden', 'Only an administrator can invite staff.');
      const { token, expiresAt } = await staffInvites.create({
        isAdmin: req.body.isAdmin ?? false,
        createdBy: admin.id,
        ttlMs: (req.body.expiresInDays ?? 7) * 86_400_000,
      });
      return reply.status(201).send({ token, expiresAt, url: `${config.publicUrl}/welkom#${token}` });
    },
  );

  app.post(
    '/api/staff-invites/accept',
    { config: { rateLimit: signInLimit }, schema: { body: AcceptStaffInviteBodySchema, response: { 201: MeSchema, ...errors } } },
    async (req, reply) => {
      if (await users.findByEmail(req.body.email)) throw new AppError('conflict', 'An account with this e-mail address already exists.');
      const passwordHash = await hashPassword(req.body.password);
      const grant = await staffInvites.consume(req.body.token);
      if (!grant) throw new AppError('forbidden', 'This link is not valid any more. Ask for a new one.');
      const user = await users.create({ email: req.body.email, name: req.body.name.trim(), passwordHash, isAdmin: grant.isAdmin });
      await startStaffSession(reply, user.id);
      return reply.status(201).send({ user: toStaffUser(user) });
    },
  );
};

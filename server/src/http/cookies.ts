import type { FastifyReply } from 'fastify';
import type { Config } from '../config.ts';

/** Session cookies: HttpOnly, SameSite=Strict, Secure whenever the public URL is https. */
export function setSessionCookie(reply: FastifyReply, config: Config, name: string, token: string, expiresAt: number): void {
  reply.setCookie(name, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: config.publicUrl.startsWith('https:'),
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config, name: string): void {
  reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'strict', secure: config.publicUrl.startsWith('https:') });
}

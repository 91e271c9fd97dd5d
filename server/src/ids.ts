import { createHash, randomBytes } from 'node:crypto';

/** Record ids: 96 random bits, base64url. Not secrets, but unguessable so they reveal nothing. */
export const newId = (): string => randomBytes(12).toString('base64url');

/** Capability and session tokens: 256 random bits, base64url (43 characters). */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Tokens are stored only as hashes, so a copy of the database grants nothing. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

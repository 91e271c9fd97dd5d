import { hash, verify } from '@node-rs/argon2';

// argon2id with the library's defaults (19 MiB, 2 passes): the OWASP minimum, fast enough on 2 cores.
export const hashPassword = (password: string): Promise<string> => hash(password);

// Verifying against a fixed hash when the account does not exist keeps the timing the same,
// so sign-in does not reveal which e-mail addresses have accounts.
let dummy: Promise<string> | null = null;
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  dummy ??= hash('kijkkamer-timing-equaliser');
  const ok = await verify(passwordHash ?? (await dummy), password).catch(() => false);
  return passwordHash !== null && ok;
}

import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../server/src/access/passwords.ts';

describe('passwords (argon2id through node:crypto)', () => {
  it('hashes to a PHC string that verifies, with a fresh salt each time', async () => {
    const a = await hashPassword('Geheim wachtwoord 1');
    const b = await hashPassword('Geheim wachtwoord 1');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'Geheim wachtwoord 1')).toBe(true);
    expect(await verifyPassword(a, 'geheim wachtwoord 1')).toBe(false);
  });

  it('verifies a hash made by @node-rs/argon2 before the switch, so existing accounts keep signing in', async () => {
    const legacy = '$argon2id$v=19$m=19456,t=2,p=1$YRjXNYJiAr4dlZ2z+fFiLg$ecPqNkzokc22KxTINNOI7+cWuu1gTPz6D1/oD9Y6+dM';
    expect(await verifyPassword(legacy, 'Geheim wachtwoord 1')).toBe(true);
    expect(await verifyPassword(legacy, 'Geheim wachtwoord 2')).toBe(false);
  });

  it('refuses a missing account, a malformed hash and absurd costs without throwing', async () => {
    expect(await verifyPassword(null, 'kijkkamer-timing-equaliser')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
    expect(await verifyPassword('$argon2id$v=19$m=99999999,t=2,p=1$YRjXNYJiAr4dlZ2z+fFiLg$ecPqNkzokc22KxTINNOI7+cWuu1gTPz6D1/oD9Y6+dM', 'x')).toBe(false);
    expect(await verifyPassword('$argon2i$v=19$m=19456,t=2,p=1$YRjXNYJiAr4dlZ2z+fFiLg$ecPqNkzokc22KxTINNOI7+cWuu1gTPz6D1/oD9Y6+dM', 'Geheim wachtwoord 1')).toBe(false);
  });
});

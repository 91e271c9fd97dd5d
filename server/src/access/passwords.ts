import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * argon2id through Node's own crypto (≥ 24.7), stored as a PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`, unpadded base64) — the format the earlier
 * @node-rs/argon2 hashes have, so existing accounts keep signing in.
 * 19 MiB and 2 passes: the OWASP minimum, fast enough on 2 cores.
 */
const COST = { memory: 19_456, passes: 2, parallelism: 1 } as const;
const TAG_BYTES = 32;
const SALT_BYTES = 16;

interface Phc {
  memory: number;
  passes: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

const derive = (password: string, p: Omit<Phc, 'hash'>, tagLength: number): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    argon2(
      'argon2id',
      { message: password, nonce: p.salt, memory: p.memory, passes: p.passes, parallelism: p.parallelism, tagLength },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );

const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string): Promise<string> {
  const params = { ...COST, salt: randomBytes(SALT_BYTES) };
  const hash = await derive(password, params, TAG_BYTES);
  return `$argon2id$v=19$m=${COST.memory},t=${COST.passes},p=${COST.parallelism}$${b64(params.salt)}$${b64(hash)}`;
}

/** Null for anything that is not an argon2id v19 PHC string with sane costs. */
function parsePhc(text: string): Phc | null {
  const m = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/.exec(text);
  if (!m) return null;
  const [memory, passes, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (memory > 1_048_576 || passes < 1 || parallelism < 1) return null;
  return { memory, passes, parallelism, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

// Verifying against a fixed hash when the account does not exist keeps the timing the same,
// so sign-in does not reveal which e-mail addresses have accounts.
let dummy: Promise<string> | null = null;
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  dummy ??= hashPassword('kijkkamer-timing-equaliser');
  const phc = parsePhc(passwordHash ?? (await dummy));
  if (!phc) return false;
  const hash = await derive(password, phc, phc.hash.length).catch(() => null);
  return passwordHash !== null && hash !== null && timingSafeEqual(hash, phc.hash);
}

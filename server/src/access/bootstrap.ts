import type { Config } from '../config.ts';
import { hashPassword } from './passwords.ts';
import type { StaffInviteStore } from './staff-invites.ts';
import type { UserStore } from './users.ts';

/**
 * The first account: from KIJKKAMER_ADMIN_EMAIL / _PASSWORD when set (scripted installs, tests),
 * otherwise a one-time setup link for the console, valid for a day and replaced at every start.
 */
export async function ensureFirstAdmin(s: { config: Config; users: UserStore; staffInvites: StaffInviteStore }): Promise<{ setupUrl: string | null }> {
  const { config, users, staffInvites } = s;
  if (config.adminEmail && config.adminPassword && !await users.findByEmail(config.adminEmail)) {
    const passwordHash = await hashPassword(config.adminPassword);
    // Several processes of a cluster may start at once: one creates the account, the others find it.
    await users.create({ email: config.adminEmail, name: 'Beheerder', passwordHash, isAdmin: true }).catch(async (err: unknown) => {
      if (!await users.findByEmail(config.adminEmail!)) throw err;
    });
  }
  if (await users.count() > 0) return { setupUrl: null };
  const { token } = await staffInvites.replaceSetupLink(86_400_000);
  return { setupUrl: `${config.publicUrl}/welkom#${token}` };
}

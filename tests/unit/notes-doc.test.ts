import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addObservation,
  deleteObservation,
  isValidObservationShape,
  metaMap,
  observationsMap,
  observationText,
  readObservation,
  readObservations,
  restoreContent,
  updateObservation,
  type ObservationInit,
} from '../../shared/notes/doc.ts';

const init = (over: Partial<ObservationInit> = {}): ObservationInit => ({
  start: 10,
  end: null,
  themes: ['tempo'],
  kind: 'vraag',
  text: 'waarom hier?',
  authorId: 'u1',
  authorName: 'Anna',
  role: 'klantmanager',
  ...over,
});

describe('notes document schema', () => {
  it('adds, reads, updates and deletes observations in transactions with the given origin', () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (t: Y.Transaction) => origins.push(t.origin));
    const late = addObservation(doc, init({ start: 20, end: 22.5 }), 'me');
    const early = addObservation(doc, init({ start: 5, kind: 'zie' }), 'me');
    expect(origins).toEqual(['me', 'me']);

    expect(readObservations(doc).map((o) => o.id)).toEqual([early, late]);
    const entry = observationsMap(doc).get(late)!;
    expect(entry.get('text')).toBeInstanceOf(Y.Text);
    expect(entry.get('themes')).toEqual(['tempo']);

    expect(updateObservation(doc, late, { themes: ['tempo', 'taal'], start: 1 }, 'me')).toBe(true);
    expect(readObservations(doc).map((o) => o.id)).toEqual([late, early]);
    expect(readObservation(entry)!.themes).toEqual(['tempo', 'taal']);
    expect(() => updateObservation(doc, late, { end: 0.5 })).toThrow(TypeError); // end before start
    expect(updateObservation(doc, 'nope', { start: 1 })).toBe(false);

    observationText(doc, late)!.insert(0, '» ');
    expect(readObservation(entry)!.text).toBe('» waarom hier?');
    expect(observationText(doc, 'nope')).toBeNull();

    expect(deleteObservation(doc, early, 'me')).toBe(true);
    expect(deleteObservation(doc, early)).toBe(false);
    expect(readObservations(doc).map((o) => o.id)).toEqual([late]);
  });

  it('refuses invalid input and skips malformed entries written by a peer', () => {
    const doc = new Y.Doc();
    expect(() => addObservation(doc, init({ kind: 'onzin' as never }))).toThrow(TypeError);
    expect(() => addObservation(doc, init({ start: -1 }))).toThrow(TypeError);
    const id = addObservation(doc, init());
    const forged = new Y.Map<unknown>();
    observationsMap(doc).set('forged', forged);
    forged.set('id', 'forged');
    forged.set('text', 'plain string, not Y.Text');
    const wrongKey = new Y.Map<unknown>();
    observationsMap(doc).set('other-key', wrongKey);
    for (const [k, v] of observationsMap(doc).get(id)!.entries()) {
      wrongKey.set(k, v instanceof Y.Text ? new Y.Text(v.toString()) : v);
    }
    expect(readObservations(doc).map((o) => o.id)).toEqual([id]);
    expect(isValidObservationShape({ ...readObservations(doc)[0], role: 'admin' })).toBe(false);
  });

  it('reads a theme a peer repeated once (lists are keyed by theme)', () => {
    const doc = new Y.Doc();
    const id = addObservation(doc, init());
    observationsMap(doc).get(id)!.set('themes', ['tempo', 'taal', 'tempo']);
    expect(readObservations(doc)[0]!.themes).toEqual(['tempo', 'taal']);
  });

  it('restoreContent makes the content equal to the source as a new change', () => {
    const source = new Y.Doc();
    const keep = addObservation(source, init({ text: 'Het 😀 gesprek begint.' }));
    addObservation(source, init({ start: 30, text: 'alleen in de versie' }));
    metaMap(source).set('title', 'Versie');

    const target = new Y.Doc();
    Y.applyUpdate(target, Y.encodeStateAsUpdate(source));
    const text = observationText(target, keep)!;
    text.delete(0, text.length);
    text.insert(0, 'Het 😃 gesprek eindigt.');
    updateObservation(target, keep, { themes: [] });
    for (const o of readObservations(target)) if (o.start === 30) deleteObservation(target, o.id);
    addObservation(target, init({ start: 40, text: 'later toegevoegd' }));
    metaMap(target).set('title', 'Nu');
    metaMap(target).set('extra', 1);

    const origins: unknown[] = [];
    target.on('afterTransaction', (t: Y.Transaction) => origins.push(t.origin));
    restoreContent(target, source, 'restore');
    expect(origins).toEqual(['restore']);
    expect(readObservations(target)).toEqual(readObservations(source));
    expect(metaMap(target).toJSON()).toEqual({ title: 'Versie' });
    // The edited text kept its Y.Text identity (edited in place), so bound editors stay bound.
    expect(observationText(target, keep)).toBe(text);
  });
});

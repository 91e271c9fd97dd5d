import { describe, expect, it } from 'vitest';
import type { Observation } from '../../shared/notes/types.ts';
import {
  authorsOf,
  filterObservations,
  foldForSearch,
  isFiltering,
  NEUTRAL_COLOR,
  NO_FILTER,
  observationColor,
  observationMarkers,
  presenceColor,
  sortObservations,
  withRangeEdge,
} from '../../client/src/notes/view.ts';

let seq = 0;
const obs = (over: Partial<Observation> = {}): Observation => {
  seq++;
  return {
    id: `o${seq}`,
    start: 10,
    end: null,
    themes: [],
    kind: 'zie',
    text: '',
    authorId: 'a',
    authorName: 'Anna',
    role: 'klantmanager',
    createdAt: 1000 + seq,
    updatedAt: 1000 + seq,
    ...over,
  };
};

describe('observation filters and search', () => {
  const list = [
    obs({ id: 'weg', text: 'Cliënt kijkt weg als het over werk gaat', themes: ['weerstand'], kind: 'zie', authorId: 'k', authorName: 'Karin' }),
    obs({ id: 'vraag', text: 'Waarom hier geen doorvraag?', themes: ['emotie', 'doel'], kind: 'vraag', authorId: 'c', authorName: 'Coen' }),
    obs({ id: 'anders', text: 'Volgende keer eerst de agenda samen maken', themes: [], kind: 'anders', authorId: 'k', authorName: 'Karin' }),
  ];
  const ids = (f: Partial<typeof NO_FILTER>) => filterObservations(list, { ...NO_FILTER, ...f }).map((o) => o.id);

  it('passes everything without a filter', () => {
    expect(ids({})).toEqual(['weg', 'vraag', 'anders']);
    expect(isFiltering(NO_FILTER)).toBe(false);
    expect(isFiltering({ ...NO_FILTER, search: '   ' })).toBe(false);
  });

  it('filters by theme, kind and author, and combines them', () => {
    expect(ids({ theme: 'emotie' })).toEqual(['vraag']);
    expect(ids({ theme: 'doel' })).toEqual(['vraag']);
    expect(ids({ kind: 'anders' })).toEqual(['anders']);
    expect(ids({ authorId: 'k' })).toEqual(['weg', 'anders']);
    expect(ids({ authorId: 'k', kind: 'zie' })).toEqual(['weg']);
    expect(ids({ authorId: 'c', theme: 'weerstand' })).toEqual([]);
    expect(isFiltering({ ...NO_FILTER, kind: 'zie' })).toBe(true);
  });

  it('searches the text ignoring case and diacritics, every word anywhere', () => {
    expect(ids({ search: 'client' })).toEqual(['weg']);
    expect(ids({ search: 'CLIËNT werk' })).toEqual(['weg']);
    expect(ids({ search: 'werk  weg' })).toEqual(['weg']);
    expect(ids({ search: 'weg agenda' })).toEqual([]);
    expect(ids({ search: 'door' })).toEqual(['vraag']);
    expect(foldForSearch('Één café')).toBe('een cafe');
  });
});

describe('sorting', () => {
  it('sorts by time in the recording, ranges after moments at the same start, then by creation', () => {
    const a = obs({ id: 'a', start: 30, createdAt: 1 });
    const b = obs({ id: 'b', start: 5, createdAt: 3 });
    const c = obs({ id: 'c', start: 5, end: 9, createdAt: 2 });
    const d = obs({ id: 'd', start: 5, createdAt: 2 });
    expect(sortObservations([a, b, c, d], 'time').map((o) => o.id)).toEqual(['d', 'b', 'c', 'a']);
  });

  it('sorts newest first, and leaves the input alone', () => {
    const list = [obs({ id: 'old', createdAt: 1 }), obs({ id: 'new', createdAt: 9 }), obs({ id: 'mid', createdAt: 5 })];
    expect(sortObservations(list, 'newest').map((o) => o.id)).toEqual(['new', 'mid', 'old']);
    expect(list.map((o) => o.id)).toEqual(['old', 'new', 'mid']);
  });
});

describe('authors', () => {
  it('lists each author once under their latest name, by name', () => {
    const list = [
      obs({ authorId: 'k', authorName: 'Karin', createdAt: 1 }),
      obs({ authorId: 'c', authorName: 'Coen', createdAt: 2 }),
      obs({ authorId: 'k', authorName: 'Karin de V.', createdAt: 3 }),
    ];
    expect(authorsOf(list)).toEqual([
      { id: 'c', name: 'Coen' },
      { id: 'k', name: 'Karin de V.' },
    ]);
  });
});

describe('range edges ([ and ])', () => {
  it('sets the start of a moment, keeping it a moment', () => {
    expect(withRangeEdge({ start: 10, end: null }, 'start', 4)).toEqual({ start: 4, end: null });
  });

  it('sets the end after the start, turning a moment into a range', () => {
    expect(withRangeEdge({ start: 10, end: null }, 'end', 14.5)).toEqual({ start: 10, end: 14.5 });
    expect(withRangeEdge({ start: 10, end: 20 }, 'start', 12)).toEqual({ start: 12, end: 20 });
  });

  it('turns the range around instead of ending before it starts', () => {
    expect(withRangeEdge({ start: 10, end: null }, 'end', 6)).toEqual({ start: 6, end: 10 });
    expect(withRangeEdge({ start: 10, end: 20 }, 'start', 25)).toEqual({ start: 20, end: 25 });
  });

  it('makes a moment again when both edges meet, and never goes below zero', () => {
    expect(withRangeEdge({ start: 10, end: 20 }, 'end', 10)).toEqual({ start: 10, end: null });
    expect(withRangeEdge({ start: 10, end: 20 }, 'start', 20)).toEqual({ start: 20, end: null });
    expect(withRangeEdge({ start: 10, end: null }, 'start', -3)).toEqual({ start: 0, end: null });
  });
});

describe('colours and markers', () => {
  it('colours by the first known Kijkwijzer theme, else neutral', () => {
    expect(observationColor({ themes: ['weerstand', 'emotie'] })).toBe('#AD1457');
    expect(observationColor({ themes: ['onbekend', 'emotie'] })).toBe('#C62828');
    expect(observationColor({ themes: [] })).toBe(NEUTRAL_COLOR);
  });

  it('makes timeline markers with a one-line, shortened label', () => {
    const long = 'x'.repeat(200);
    const [a, b] = observationMarkers([obs({ id: 'a', start: 3, end: 7, text: '  twee\nregels  ', themes: ['doel'] }), obs({ id: 'b', text: long })]);
    expect(a).toEqual({ id: 'a', start: 3, end: 7, color: '#A15C00', label: 'twee regels' });
    expect(b!.label).toHaveLength(120);
    expect(b!.label.endsWith('…')).toBe(true);
  });

  it('gives a participant the same readable colour everywhere', () => {
    const one = presenceColor('participant-1');
    expect(presenceColor('participant-1')).toEqual(one);
    expect(one.color).toMatch(/^#[0-9A-F]{6}$/);
    expect(one.colorLight).toBe(`${one.color}33`);
    const colours = new Set(Array.from({ length: 40 }, (_, i) => presenceColor(`p${i}`).color));
    expect(colours.size).toBeGreaterThan(4);
  });
});

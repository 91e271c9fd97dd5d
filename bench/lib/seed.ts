/** Deterministic room documents for the benches: the same content every run. */
import * as Y from 'yjs';
import { addObservation, deleteObservation, observationText } from '../../shared/notes/doc.ts';

const THEMES = ['weerstand', 'emotie', 'feedback', 'doel', 'agenda', 'spreektijd', 'benadering'];
const KINDS = ['vraag', 'zie', 'anders', 'notitie'] as const;
const ROLES = ['onderzoeker', 'klantmanager', 'coach'] as const;
const WORDS = 'cliënt kijkt weg als het over werk gaat zegt dat ze het lastig vindt knikt pauzeert lacht vraagt door over haar vorige baan weerstand tempo stilte'.split(' ');

/** A deterministic pseudo-random generator, so every run seeds the same documents. */
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const sentence = (r: (n: number) => number, words: number) => Array.from({ length: words }, () => WORDS[r(WORDS.length)]).join(' ');

/**
 * A realistic room document: three authors, observations typed word by word, some edited by
 * someone else (which splits Yjs items), some deleted (tombstones/GC), as a single stored state.
 */
export function seedDocument(count: number, seed: number): Uint8Array {
  const r = rng(seed * 7919 + count);
  const doc = new Y.Doc();
  const ids: string[] = [];
  const created = Date.parse('2026-11-20T10:00:00Z');
  for (let i = 0; i < count; i++) {
    const author = i % 3;
    // Yjs itself reassigns clientID this way; here it stands in for three people's devices.
    doc.clientID = 1000 + author;
    const id = addObservation(doc, {
      start: Math.round(i * 0.7 * 10) / 10,
      end: r(4) === 0 ? Math.round(i * 0.7 * 10) / 10 + 5 + r(30) : null,
      themes: r(3) === 0 ? [] : [...new Set([THEMES[r(THEMES.length)]!, ...(r(4) === 0 ? [THEMES[r(THEMES.length)]!] : [])])],
      kind: KINDS[r(KINDS.length)]!,
      text: '',
      authorId: `author-${author}`,
      authorName: ['Anna', 'Karin', 'Coen'][author]!,
      role: ROLES[author]!,
      createdAt: created + i * 1000,
      updatedAt: created + i * 1000,
    });
    ids.push(id);
    const text = observationText(doc, id)!;
    const words = 6 + r(14);
    for (let w = 0; w < words; w++) text.insert(text.length, (w ? ' ' : '') + WORDS[r(WORDS.length)]);
  }
  for (let i = 0; i < count; i++) {
    if (r(10) === 0) {
      doc.clientID = 1000 + ((i + 1) % 3);
      const text = observationText(doc, ids[i]!)!;
      text.insert(r(text.length + 1), ` (${sentence(r, 2)})`);
    }
  }
  doc.clientID = 1000;
  for (let i = 0; i < count; i += 20) deleteObservation(doc, ids[i]!);
  // Deleted observations are replaced, so the room ends up with `count` live ones.
  for (let i = 0; i < count; i += 20) {
    const id = addObservation(doc, {
      start: i * 0.7,
      end: null,
      themes: ['emotie'],
      kind: 'notitie',
      text: sentence(r, 10),
      authorId: 'author-0',
      authorName: 'Anna',
      role: 'onderzoeker',
    });
    ids[i] = id;
  }
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

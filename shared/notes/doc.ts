/**
 * The shape of a room's Yjs document. This is the only module that reads or writes it, so the
 * client editor, the server hub (restore) and exports agree on one schema:
 *
 *   observations: Y.Map<Y.Map<unknown>>   keyed by observation id; each entry holds
 *     id, start, end, themes (plain string[]), kind, text (Y.Text), authorId, authorName,
 *     role, createdAt, updatedAt, and optionally drawing (a Y.Array of plain shapes on the
 *     frame at start; written through shared/drawing/doc.ts)
 *   meta: Y.Map<unknown>                  room-level fields (plain JSON values, and Y.Texts
 *                                         for the Kijkwijzer werkblad's free-text fields)
 *   fragments, aandachtspunten, leerpunten  the Kijkwijzer's, read and written only through
 *                                         shared/kijkwijzer/doc.ts (built on this module)
 *
 * Any peer can write anything into a shared document, so every reader validates and skips
 * entries of the wrong shape instead of trusting them.
 */
import * as Y from 'yjs';
import { uuidv4 } from 'lib0/random';
import { ROLES, type Role } from '../access/roles.ts';
import { DRAWING_FIELD, isShape, readShapes } from '../drawing/shapes.ts';
import { OBSERVATION_KINDS, type Observation, type ObservationKind } from './types.ts';

export const OBSERVATIONS_KEY = 'observations';
export const META_KEY = 'meta';
/** Kijkwijzer root maps; their entries' shape is owned by shared/kijkwijzer/doc.ts. */
export const FRAGMENTS_KEY = 'fragments';
export const AANDACHTSPUNTEN_KEY = 'aandachtspunten';
export const LEERPUNTEN_KEY = 'leerpunten';
/** Every root map a version restore brings back. */
const RESTORED_KEYS = [OBSERVATIONS_KEY, META_KEY, FRAGMENTS_KEY, AANDACHTSPUNTEN_KEY, LEERPUNTEN_KEY] as const;

/** What a caller supplies to create an observation; id and timestamps are filled in if absent. */
export type ObservationInit = Omit<Observation, 'id' | 'createdAt' | 'updatedAt' | 'drawing'> &
  Partial<Pick<Observation, 'id' | 'createdAt' | 'updatedAt'>>;

/** Fields that may change after creation. Text is edited through `observationText`, authorship never. */
export type ObservationPatch = Partial<Pick<Observation, 'start' | 'end' | 'themes' | 'kind'>>;

export const observationsMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap<Y.Map<unknown>>(OBSERVATIONS_KEY);
export const metaMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap<unknown>(META_KEY);

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** True when `value` is a well-formed plain observation (what `readObservation` returns). */
export function isValidObservationShape(value: unknown): value is Observation {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return (
    typeof o.id === 'string' &&
    o.id.length > 0 &&
    isFiniteNumber(o.start) &&
    o.start >= 0 &&
    (o.end === null || (isFiniteNumber(o.end) && o.end >= o.start)) &&
    Array.isArray(o.themes) &&
    o.themes.every((t) => typeof t === 'string') &&
    (OBSERVATION_KINDS as readonly unknown[]).includes(o.kind) &&
    typeof o.text === 'string' &&
    typeof o.authorId === 'string' &&
    typeof o.authorName === 'string' &&
    (ROLES as readonly unknown[]).includes(o.role) &&
    isFiniteNumber(o.createdAt) &&
    isFiniteNumber(o.updatedAt) &&
    (o.drawing === undefined || (Array.isArray(o.drawing) && o.drawing.every(isShape)))
  );
}

/** A plain snapshot of one entry, or null when a peer wrote something that is not an observation. */
export function readObservation(map: Y.Map<unknown>): Observation | null {
  const text = map.get('text');
  if (!(text instanceof Y.Text)) return null;
  const themes = map.get('themes');
  const list = map.get(DRAWING_FIELD);
  // Shapes a peer wrote wrongly are skipped one by one: a bad shape never hides the note or the rest.
  const drawing = list instanceof Y.Array ? readShapes(list.toArray()) : [];
  const candidate = {
    id: map.get('id'),
    start: map.get('start'),
    end: map.has('end') ? map.get('end') : null,
    // Once each: a peer (or an old document) may repeat one, and lists are keyed by theme.
    themes: Array.isArray(themes) ? [...new Set(themes)] : themes,
    kind: map.get('kind') as ObservationKind,
    text: text.toString(),
    authorId: map.get('authorId'),
    authorName: map.get('authorName'),
    role: map.get('role') as Role,
    createdAt: map.get('createdAt'),
    updatedAt: map.get('updatedAt'),
    ...(drawing.length > 0 ? { drawing } : {}),
  };
  return isValidObservationShape(candidate) ? candidate : null;
}

/** Every valid observation, sorted by start time (then creation, then id, so the order is stable). */
export function readObservations(doc: Y.Doc): Observation[] {
  const out: Observation[] = [];
  for (const [key, entry] of observationsMap(doc).entries()) {
    if (!(entry instanceof Y.Map)) continue;
    const obs = readObservation(entry);
    // An entry whose id field disagrees with its key is forged or corrupt: skip it.
    if (obs && obs.id === key) out.push(obs);
  }
  return out.sort((a, b) => a.start - b.start || a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/** One observation by id, validated like `readObservations` does, or null. */
export function readObservationById(doc: Y.Doc, id: string): Observation | null {
  const entry = observationsMap(doc).get(id);
  const obs = entry instanceof Y.Map ? readObservation(entry) : null;
  return obs && obs.id === id ? obs : null;
}

/**
 * Calls `onChange` after every transaction that touched observations, with the ids it touched
 * (added, removed, or changed anywhere inside, text included), so a reader can re-read just those
 * instead of the whole document on every keystroke. Returns the unsubscribe function.
 */
export function observeObservations(doc: Y.Doc, onChange: (ids: Set<string>, origin: unknown) => void): () => void {
  const map = observationsMap(doc);
  const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction) => {
    const ids = new Set<string>();
    for (const event of events) {
      if (event.target === map && event instanceof Y.YMapEvent) for (const key of event.keysChanged) ids.add(key);
      else if (typeof event.path[0] === 'string') ids.add(event.path[0]);
    }
    if (ids.size > 0) onChange(ids, transaction.origin);
  };
  map.observeDeep(handler);
  return () => map.unobserveDeep(handler);
}

/** Creates an observation and returns its id. Throws on an invalid init (a programming error). */
export function addObservation(doc: Y.Doc, init: ObservationInit, origin?: unknown): string {
  const now = Date.now();
  // lib0's uuidv4 uses getRandomValues, which (unlike crypto.randomUUID) also exists on plain http.
  // Listed field by field so stray properties on `init` never reach the shared document.
  const obs: Observation = {
    id: init.id ?? uuidv4(),
    start: init.start,
    end: init.end,
    themes: [...init.themes],
    kind: init.kind,
    text: init.text,
    authorId: init.authorId,
    authorName: init.authorName,
    role: init.role,
    createdAt: init.createdAt ?? now,
    updatedAt: init.updatedAt ?? now,
  };
  if (!isValidObservationShape(obs)) throw new TypeError('invalid observation');
  doc.transact(() => {
    const entry = new Y.Map<unknown>();
    // Set on the integrated map so every field is one transaction's worth of items.
    observationsMap(doc).set(obs.id, entry);
    for (const [key, value] of Object.entries(obs)) {
      entry.set(key, key === 'text' ? new Y.Text(value as string) : value);
    }
  }, origin);
  return obs.id;
}

/** Changes the given fields and bumps updatedAt. Returns false when there is no such observation. */
export function updateObservation(doc: Y.Doc, id: string, patch: ObservationPatch, origin?: unknown): boolean {
  const entry = observationsMap(doc).get(id);
  const current = entry instanceof Y.Map ? readObservation(entry) : null;
  if (!entry || !current) return false;
  const next = { ...current, ...patch, themes: [...(patch.themes ?? current.themes)], updatedAt: Date.now() };
  if (!isValidObservationShape(next)) throw new TypeError('invalid observation patch');
  doc.transact(() => {
    for (const key of [...(Object.keys(patch) as (keyof ObservationPatch)[]), 'updatedAt' as const]) {
      entry.set(key, next[key]);
    }
  }, origin);
  return true;
}

/** The collaborative text of an observation (bind it to the editor), or null. */
export function observationText(doc: Y.Doc, id: string): Y.Text | null {
  const text = observationsMap(doc).get(id)?.get('text');
  return text instanceof Y.Text ? text : null;
}

export function deleteObservation(doc: Y.Doc, id: string, origin?: unknown): boolean {
  const map = observationsMap(doc);
  if (!map.has(id)) return false;
  doc.transact(() => map.delete(id), origin);
  return true;
}

/**
 * Makes `target`'s content equal to `source`'s as a NEW change on `target` (used to restore a
 * version): keys missing from the source are deleted, differing values replaced, texts edited in
 * place. Because it is an ordinary update, history is kept and connected peers simply receive it.
 */
export function restoreContent(target: Y.Doc, source: Y.Doc, origin: unknown = 'restore'): void {
  target.transact(() => {
    // Entries are Y.Maps, but syncMap also copes with whatever else a peer may have put there.
    for (const key of RESTORED_KEYS) syncMap(target.getMap<unknown>(key), source.getMap<unknown>(key));
  }, origin);
}

function syncMap(target: Y.Map<unknown>, source: Y.Map<unknown>): void {
  for (const key of [...target.keys()]) if (!source.has(key)) target.delete(key);
  for (const [key, value] of source.entries()) {
    const current = target.get(key);
    if (value instanceof Y.Map) {
      const into = current instanceof Y.Map ? current : target.set(key, new Y.Map<unknown>());
      syncMap(into, value);
    } else if (value instanceof Y.Text) {
      if (current instanceof Y.Text) syncText(current, value.toString());
      else target.set(key, new Y.Text(value.toString()));
    } else if (value instanceof Y.Array) {
      // A drawing: a list of plain values, replaced as a whole when it differs.
      const wanted = value.toArray();
      if (!(current instanceof Y.Array) || JSON.stringify(current.toArray()) !== JSON.stringify(wanted)) {
        const list = new Y.Array<unknown>();
        list.push(wanted);
        target.set(key, list);
      }
    } else if (value instanceof Y.AbstractType) {
      // Not part of the schema (XML…): leave it out rather than guess a copy.
    } else if (current instanceof Y.AbstractType || JSON.stringify(current) !== JSON.stringify(value)) {
      // Values are primitives and string arrays, so JSON comparison is exact enough.
      target.set(key, value);
    }
  }
}

/**
 * Replaces only the differing middle, so unchanged text (and cursors in it) survives a restore;
 * also how a plain text field writes a whole new value into a Y.Text.
 */
export function syncText(text: Y.Text, wanted: string): void {
  const now = text.toString();
  if (now === wanted) return;
  let prefix = 0;
  while (prefix < now.length && prefix < wanted.length && now[prefix] === wanted[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < now.length - prefix &&
    suffix < wanted.length - prefix &&
    now[now.length - 1 - suffix] === wanted[wanted.length - 1 - suffix]
  ) {
    suffix++;
  }
  // Never cut a surrogate pair: Yjs would replace a split pair's halves with U+FFFD.
  if (prefix > 0 && isHighSurrogate(now.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(now.charCodeAt(now.length - suffix))) suffix--;
  text.delete(prefix, now.length - prefix - suffix);
  text.insert(prefix, wanted.slice(prefix, wanted.length - suffix));
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

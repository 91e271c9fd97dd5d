/**
 * The Kijkwijzer's part of a room's Yjs document (docs/protocol-kijkwijzer.md): the werkblad, the
 * step the group is at, SLIM, the fragments playlist, aandachtspunten and leerpunten. Built on
 * shared/notes/doc.ts; this module is the only code that reads or writes these keys.
 *
 * Any peer with write access can put anything into the document, so every reader validates and
 * falls back (skips an entry, sanitises a value) instead of trusting what it finds, and every
 * writer checks its input first and reports a mistake instead of writing it.
 *
 * Not in here, on purpose: client feedback per fragment (every participant receives the whole
 * document, so it lives on the server, see server/src/kijkwijzer) and private observations (they
 * live in the participant's private document until revealed, see `moveObservations`).
 */
import * as Y from 'yjs';
import { uuidv4 } from 'lib0/random';
import type { Role } from '../access/roles.ts';
import {
  AANDACHTSPUNTEN_KEY,
  addObservation,
  deleteObservation,
  FRAGMENTS_KEY,
  LEERPUNTEN_KEY,
  metaMap,
  readObservations,
  syncText,
} from '../notes/doc.ts';
import type { Fragment } from '../notes/types.ts';
import { matchesSelfImage, PROFESSIONAL_ROLE_IDS, SELF_IMAGE_IDS, type ProfessionalRoleId, type SelfImageId } from './slim.ts';
import { STEP_IDS, type StepId } from './steps.ts';
import { isThemeId, THEME_IDS, type ThemeId } from './themes.ts';
import { MAX_THEMES, validateThemeChoice, WATCH_WITH_IDS, type ThemeChoiceResult, type WatchWithId } from './werkblad.ts';

// ---- meta keys ----------------------------------------------------------------------------------

export const META = {
  goal: 'werkblad.goal',
  watchWith: 'werkblad.watchWith',
  watchWithOther: 'werkblad.watchWithOther',
  themes: 'werkblad.themes',
  step: 'step',
  slimSelfImage: 'slim.selfImage',
  slimRole: 'slim.role',
  slimSelfImageOther: 'slim.selfImageOther',
  slimRoleOther: 'slim.roleOther',
  playlist: 'playlist',
} as const;

/** The werkblad columns a theme has as free text; `zie` is the observations of kind 'zie'. */
export const THEME_TEXT_COLUMNS = ['vraag', 'anders'] as const;
export type ThemeTextColumn = (typeof THEME_TEXT_COLUMNS)[number];

export const themeTextKey = (themeId: ThemeId, column: ThemeTextColumn): string => `werkblad.theme.${themeId}.${column}`;

/** Every meta key that holds a Y.Text; nothing else may be created as text. */
export const META_TEXT_KEYS: readonly string[] = [
  META.goal,
  META.watchWithOther,
  META.slimSelfImageOther,
  META.slimRoleOther,
  ...THEME_IDS.flatMap((id) => THEME_TEXT_COLUMNS.map((column) => themeTextKey(id, column))),
];
const TEXT_KEYS = new Set(META_TEXT_KEYS);

export const isMetaTextKey = (key: string): boolean => TEXT_KEYS.has(key);

/** The Y.Text at a werkblad/SLIM text key, or null while nobody has written there yet. */
export function metaText(doc: Y.Doc, key: string): Y.Text | null {
  const value = metaMap(doc).get(key);
  return value instanceof Y.Text ? value : null;
}

/**
 * The Y.Text at a text key, created if missing (or if a peer put something else there). Two peers
 * creating the same text at once keep only one of them, with what was typed into it before they
 * synced; texts are therefore created when a theme is chosen, long before anyone types.
 */
export function ensureMetaText(doc: Y.Doc, key: string, origin?: unknown): Y.Text {
  if (!isMetaTextKey(key)) throw new TypeError(`not a Kijkwijzer text key: ${key}`);
  const existing = metaText(doc, key);
  if (existing) return existing;
  const text = new Y.Text();
  doc.transact(() => metaMap(doc).set(key, text), origin);
  return text;
}

const textOf = (doc: Y.Doc, key: string): string => metaText(doc, key)?.toString() ?? '';

/** Writes a whole new value into a text field as a minimal edit (what a plain input field does). */
export function setMetaText(doc: Y.Doc, key: string, value: string, origin?: unknown): void {
  doc.transact(() => syncText(ensureMetaText(doc, key, origin), value), origin);
}

// ---- the werkblad -------------------------------------------------------------------------------

export interface ThemeNotes {
  vraag: string;
  anders: string;
}

export interface Werkblad {
  goal: string;
  watchWith: WatchWithId[];
  watchWithOther: string;
  /** The chosen themes, sanitised: known ids, no duplicates, at most MAX_THEMES, in chosen order. */
  themes: ThemeId[];
  /** Set when the stored choice broke the rules (a peer wrote it): what was wrong with it. */
  themesProblem: Exclude<ThemeChoiceResult, { ok: true }>['reason'] | null;
  /** The vraag and anders texts of every chosen theme. */
  themeNotes: Partial<Record<ThemeId, ThemeNotes>>;
  step: StepId;
}

const stringArray = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

function readThemeChoice(doc: Y.Doc): { themes: ThemeId[]; problem: Werkblad['themesProblem'] } {
  const raw = metaMap(doc).get(META.themes);
  // No choice yet is the werkblad's starting point, not a broken one.
  if (raw === undefined) return { themes: [], problem: null };
  if (!Array.isArray(raw)) return { themes: [], problem: 'unknown_theme' };
  const ids = raw.map((v) => (typeof v === 'string' ? v : ''));
  const check = validateThemeChoice(ids);
  return { themes: [...new Set(ids.filter(isThemeId))].slice(0, MAX_THEMES), problem: check.ok ? null : check.reason };
}

export function readWerkblad(doc: Y.Doc): Werkblad {
  const meta = metaMap(doc);
  const { themes, problem } = readThemeChoice(doc);
  const step = meta.get(META.step);
  const themeNotes: Werkblad['themeNotes'] = {};
  for (const id of themes) {
    themeNotes[id] = { vraag: textOf(doc, themeTextKey(id, 'vraag')), anders: textOf(doc, themeTextKey(id, 'anders')) };
  }
  return {
    goal: textOf(doc, META.goal),
    watchWith: stringArray(meta.get(META.watchWith)).filter((id): id is WatchWithId => (WATCH_WITH_IDS as readonly string[]).includes(id)),
    watchWithOther: textOf(doc, META.watchWithOther),
    themes,
    themesProblem: problem,
    themeNotes,
    step: (STEP_IDS as readonly unknown[]).includes(step) ? (step as StepId) : 'opname',
  };
}

/**
 * Sets the chosen themes when the choice obeys the werkblad's rules (1 to 3 known themes, each
 * once) and returns why not otherwise, writing nothing. The chosen themes' texts are created in the
 * same change, before anyone can type into them.
 */
export function chooseThemes(doc: Y.Doc, ids: readonly string[], origin?: unknown): ThemeChoiceResult {
  const check = validateThemeChoice(ids);
  if (!check.ok) return check;
  doc.transact(() => {
    metaMap(doc).set(META.themes, [...ids]);
    for (const id of ids as readonly ThemeId[]) for (const column of THEME_TEXT_COLUMNS) ensureMetaText(doc, themeTextKey(id, column), origin);
  }, origin);
  return check;
}

/** Adds or removes one theme; refused (with the reason) when the result would break the rules. */
export function toggleTheme(doc: Y.Doc, id: string, origin?: unknown): ThemeChoiceResult {
  const current = readThemeChoice(doc).themes as string[];
  const next = current.includes(id) ? current.filter((t) => t !== id) : [...current, id];
  return chooseThemes(doc, next, origin);
}

export function setWatchWith(doc: Y.Doc, ids: readonly string[], origin?: unknown): boolean {
  if (!ids.every((id) => (WATCH_WITH_IDS as readonly string[]).includes(id)) || new Set(ids).size !== ids.length) return false;
  doc.transact(() => metaMap(doc).set(META.watchWith, [...ids]), origin);
  return true;
}

/** Where the group is in the werkwijze; the UI lets only the host move it. */
export function setStep(doc: Y.Doc, step: string, origin?: unknown): boolean {
  if (!(STEP_IDS as readonly string[]).includes(step)) return false;
  doc.transact(() => metaMap(doc).set(META.step, step), origin);
  return true;
}

// ---- SLIM ---------------------------------------------------------------------------------------

export interface Slim {
  selfImage: SelfImageId | null;
  role: ProfessionalRoleId | null;
  selfImageOther: string;
  roleOther: string;
  /** "Klopt de benadering met het zelfbeeld?": null until both are chosen, or for an 'anders'. */
  matches: boolean | null;
}

const oneOf = <T extends string>(ids: readonly T[], value: unknown): T | null => ((ids as readonly unknown[]).includes(value) ? (value as T) : null);

export function readSlim(doc: Y.Doc): Slim {
  const meta = metaMap(doc);
  const selfImage = oneOf(SELF_IMAGE_IDS, meta.get(META.slimSelfImage));
  const role = oneOf(PROFESSIONAL_ROLE_IDS, meta.get(META.slimRole));
  return {
    selfImage,
    role,
    selfImageOther: textOf(doc, META.slimSelfImageOther),
    roleOther: textOf(doc, META.slimRoleOther),
    matches: selfImage && role ? matchesSelfImage(selfImage, role) : null,
  };
}

export function setSlimSelfImage(doc: Y.Doc, id: string | null, origin?: unknown): boolean {
  if (id !== null && !oneOf(SELF_IMAGE_IDS, id)) return false;
  doc.transact(() => (id === null ? metaMap(doc).delete(META.slimSelfImage) : metaMap(doc).set(META.slimSelfImage, id)), origin);
  return true;
}

export function setSlimRole(doc: Y.Doc, id: string | null, origin?: unknown): boolean {
  if (id !== null && !oneOf(PROFESSIONAL_ROLE_IDS, id)) return false;
  doc.transact(() => (id === null ? metaMap(doc).delete(META.slimRole) : metaMap(doc).set(META.slimRole, id)), origin);
  return true;
}

// ---- fragments ----------------------------------------------------------------------------------

/** A fragment as the shared document holds it: the client feedback is never in the document. */
export type DocFragment = Omit<Fragment, 'clientFeedback'>;
export type FragmentInit = Omit<DocFragment, 'id' | 'order'> & Partial<Pick<DocFragment, 'id' | 'order'>>;
export type FragmentPatch = Partial<Pick<DocFragment, 'start' | 'end' | 'title' | 'question' | 'themes' | 'order'>>;

export const TEXT_MAX = 2000;

export const fragmentsMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap<Y.Map<unknown>>(FRAGMENTS_KEY);

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isShortText = (v: unknown): v is string => typeof v === 'string' && v.length <= TEXT_MAX;
const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);

export function isValidFragmentShape(value: unknown): value is DocFragment {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return (
    typeof f.id === 'string' &&
    f.id.length > 0 &&
    isFiniteNumber(f.start) &&
    f.start >= 0 &&
    isFiniteNumber(f.end) &&
    f.end > f.start &&
    isShortText(f.title) &&
    isShortText(f.question) &&
    isIdList(f.themes) &&
    f.themes.every(isThemeId) &&
    isFiniteNumber(f.order)
  );
}

const FRAGMENT_FIELDS = ['id', 'start', 'end', 'title', 'question', 'themes', 'order'] as const;

function readEntry<T>(entry: unknown, key: string, fields: readonly string[], isValid: (v: unknown) => v is T): T | null {
  if (!(entry instanceof Y.Map)) return null;
  const candidate: Record<string, unknown> = {};
  for (const field of fields) {
    const value: unknown = entry.get(field);
    candidate[field] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  // An entry whose id field disagrees with its key is forged or corrupt.
  return isValid(candidate) && (candidate as { id?: unknown }).id === key ? candidate : null;
}

/** Every valid fragment, in playlist order (ties by start, then id, so every peer agrees). */
export function readFragments(doc: Y.Doc): DocFragment[] {
  const out: DocFragment[] = [];
  for (const [key, entry] of fragmentsMap(doc).entries()) {
    const fragment = readEntry(entry, key, FRAGMENT_FIELDS, isValidFragmentShape);
    if (fragment) out.push(fragment);
  }
  return out.sort((a, b) => a.order - b.order || a.start - b.start || a.id.localeCompare(b.id));
}

export function readFragmentById(doc: Y.Doc, id: string): DocFragment | null {
  return readEntry(fragmentsMap(doc).get(id), id, FRAGMENT_FIELDS, isValidFragmentShape);
}

function writeEntry(map: Y.Map<Y.Map<unknown>>, id: string, value: object): void {
  const entry = new Y.Map<unknown>();
  // Set on the integrated map first so every field is one transaction's worth of items.
  map.set(id, entry);
  for (const [key, v] of Object.entries(value)) entry.set(key, v);
}

/** Adds a fragment at the end of the playlist; returns its id. Throws on an invalid init (a programming error). */
export function addFragment(doc: Y.Doc, init: FragmentInit, origin?: unknown): string {
  const fragment: DocFragment = {
    id: init.id ?? uuidv4(),
    start: init.start,
    end: init.end,
    title: init.title,
    question: init.question,
    themes: [...init.themes],
    order: init.order ?? Math.max(0, ...readFragments(doc).map((f) => f.order)) + 1,
  };
  if (!isValidFragmentShape(fragment)) throw new TypeError('invalid fragment');
  doc.transact(() => writeEntry(fragmentsMap(doc), fragment.id, fragment), origin);
  return fragment.id;
}

export function updateFragment(doc: Y.Doc, id: string, patch: FragmentPatch, origin?: unknown): boolean {
  const entry = fragmentsMap(doc).get(id);
  const current = readFragmentById(doc, id);
  if (!entry || !current) return false;
  const next = { ...current, ...patch, themes: [...(patch.themes ?? current.themes)] };
  if (!isValidFragmentShape(next)) throw new TypeError('invalid fragment patch');
  doc.transact(() => {
    for (const key of Object.keys(patch) as (keyof FragmentPatch)[]) entry.set(key, next[key]);
  }, origin);
  return true;
}

export function deleteFragment(doc: Y.Doc, id: string, origin?: unknown): boolean {
  const map = fragmentsMap(doc);
  if (!map.has(id)) return false;
  doc.transact(() => {
    map.delete(id);
    if (readPlaylist(doc)?.fragmentId === id) metaMap(doc).delete(META.playlist);
  }, origin);
  return true;
}

/** Swaps a fragment with its neighbour in the playlist; false at either end or when unknown. */
export function moveFragment(doc: Y.Doc, id: string, direction: -1 | 1, origin?: unknown): boolean {
  const list = readFragments(doc);
  const at = list.findIndex((f) => f.id === id);
  const other = list[at + direction];
  if (at < 0 || !other) return false;
  const self = list[at]!;
  // Renumber all, so equal orders a peer may have written cannot make the swap a no-op.
  const reordered = [...list];
  reordered[at] = other;
  reordered[at + direction] = self;
  doc.transact(() => {
    reordered.forEach((f, i) => {
      if (f.order !== i + 1) fragmentsMap(doc).get(f.id)?.set('order', i + 1);
    });
  }, origin);
  return true;
}

// ---- the playlist -------------------------------------------------------------------------------

/**
 * The fragment the group is at. `driverId` is the participant who started it: only their client
 * pauses the room at the fragment's end, so the room gets one pause instead of one per person.
 */
export interface PlaylistState {
  fragmentId: string;
  driverId: string;
}

export function readPlaylist(doc: Y.Doc): PlaylistState | null {
  const raw = metaMap(doc).get(META.playlist) as Record<string, unknown> | undefined;
  if (typeof raw !== 'object' || raw === null || typeof raw.fragmentId !== 'string' || typeof raw.driverId !== 'string') return null;
  return readFragmentById(doc, raw.fragmentId) ? { fragmentId: raw.fragmentId, driverId: raw.driverId } : null;
}

export function setPlaylist(doc: Y.Doc, state: PlaylistState | null, origin?: unknown): boolean {
  if (state && !readFragmentById(doc, state.fragmentId)) return false;
  doc.transact(() => (state ? metaMap(doc).set(META.playlist, { ...state }) : metaMap(doc).delete(META.playlist)), origin);
  return true;
}

/** The fragment after `fragmentId` in playlist order, or null after the last. */
export function nextFragment(doc: Y.Doc, fragmentId: string | null): DocFragment | null {
  const list = readFragments(doc);
  if (fragmentId === null) return list[0] ?? null;
  const at = list.findIndex((f) => f.id === fragmentId);
  return at < 0 ? null : (list[at + 1] ?? null);
}

// ---- aandachtspunten ----------------------------------------------------------------------------

/** What the klantmanager will do differently, linked to where it came from. */
export interface Aandachtspunt {
  id: string;
  text: string;
  fragmentIds: string[];
  observationIds: string[];
  authorId: string;
  authorName: string;
  createdAt: number;
  updatedAt: number;
}

export type AandachtspuntInit = Omit<Aandachtspunt, 'id' | 'createdAt' | 'updatedAt'> & Partial<Pick<Aandachtspunt, 'id' | 'createdAt'>>;
export type AandachtspuntPatch = Partial<Pick<Aandachtspunt, 'text' | 'fragmentIds' | 'observationIds'>>;

export const aandachtspuntenMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap<Y.Map<unknown>>(AANDACHTSPUNTEN_KEY);

export function isValidAandachtspuntShape(value: unknown): value is Aandachtspunt {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as Record<string, unknown>;
  return (
    typeof a.id === 'string' &&
    a.id.length > 0 &&
    isShortText(a.text) &&
    isIdList(a.fragmentIds) &&
    isIdList(a.observationIds) &&
    typeof a.authorId === 'string' &&
    typeof a.authorName === 'string' &&
    isFiniteNumber(a.createdAt) &&
    isFiniteNumber(a.updatedAt)
  );
}

const AANDACHTSPUNT_FIELDS = ['id', 'text', 'fragmentIds', 'observationIds', 'authorId', 'authorName', 'createdAt', 'updatedAt'] as const;

/** Every valid aandachtspunt, oldest first. */
export function readAandachtspunten(doc: Y.Doc): Aandachtspunt[] {
  const out: Aandachtspunt[] = [];
  for (const [key, entry] of aandachtspuntenMap(doc).entries()) {
    const punt = readEntry(entry, key, AANDACHTSPUNT_FIELDS, isValidAandachtspuntShape);
    if (punt) out.push(punt);
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

export function addAandachtspunt(doc: Y.Doc, init: AandachtspuntInit, origin?: unknown): string {
  const now = Date.now();
  const punt: Aandachtspunt = {
    id: init.id ?? uuidv4(),
    text: init.text,
    fragmentIds: [...init.fragmentIds],
    observationIds: [...init.observationIds],
    authorId: init.authorId,
    authorName: init.authorName,
    createdAt: init.createdAt ?? now,
    updatedAt: now,
  };
  if (!isValidAandachtspuntShape(punt)) throw new TypeError('invalid aandachtspunt');
  doc.transact(() => writeEntry(aandachtspuntenMap(doc), punt.id, punt), origin);
  return punt.id;
}

export function updateAandachtspunt(doc: Y.Doc, id: string, patch: AandachtspuntPatch, origin?: unknown): boolean {
  const entry = aandachtspuntenMap(doc).get(id);
  const current = readEntry(entry, id, AANDACHTSPUNT_FIELDS, isValidAandachtspuntShape);
  if (!entry || !current) return false;
  const next: Aandachtspunt = { ...current, ...patch, updatedAt: Date.now() };
  if (!isValidAandachtspuntShape(next)) throw new TypeError('invalid aandachtspunt patch');
  doc.transact(() => {
    for (const key of [...(Object.keys(patch) as (keyof AandachtspuntPatch)[]), 'updatedAt' as const]) {
      const value = next[key];
      entry.set(key, Array.isArray(value) ? [...value] : value);
    }
  }, origin);
  return true;
}

export function deleteAandachtspunt(doc: Y.Doc, id: string, origin?: unknown): boolean {
  const map = aandachtspuntenMap(doc);
  if (!map.has(id)) return false;
  doc.transact(() => map.delete(id), origin);
  return true;
}

// ---- leerpunten ---------------------------------------------------------------------------------

/**
 * In a follow-up room of a traject: per aandachtspunt of the previous room, what the klantmanager
 * tried and how it went. Keyed by the aandachtspunt's id; its text is copied so the leerpunt still
 * reads on its own when the previous room is gone.
 */
export interface Leerpunt {
  id: string;
  sourceRoomId: string;
  aandachtspunt: string;
  tried: string;
  outcome: string;
  authorId: string;
  authorName: string;
  updatedAt: number;
}

export type LeerpuntInit = Omit<Leerpunt, 'updatedAt'>;

export const leerpuntenMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap<Y.Map<unknown>>(LEERPUNTEN_KEY);

export function isValidLeerpuntShape(value: unknown): value is Leerpunt {
  if (typeof value !== 'object' || value === null) return false;
  const l = value as Record<string, unknown>;
  return (
    typeof l.id === 'string' &&
    l.id.length > 0 &&
    typeof l.sourceRoomId === 'string' &&
    isShortText(l.aandachtspunt) &&
    isShortText(l.tried) &&
    isShortText(l.outcome) &&
    typeof l.authorId === 'string' &&
    typeof l.authorName === 'string' &&
    isFiniteNumber(l.updatedAt)
  );
}

const LEERPUNT_FIELDS = ['id', 'sourceRoomId', 'aandachtspunt', 'tried', 'outcome', 'authorId', 'authorName', 'updatedAt'] as const;

export function readLeerpunten(doc: Y.Doc): Leerpunt[] {
  const out: Leerpunt[] = [];
  for (const [key, entry] of leerpuntenMap(doc).entries()) {
    const punt = readEntry(entry, key, LEERPUNT_FIELDS, isValidLeerpuntShape);
    if (punt) out.push(punt);
  }
  return out.sort((a, b) => a.updatedAt - b.updatedAt || a.id.localeCompare(b.id));
}

/** Records (or replaces) the leerpunt for one aandachtspunt. Throws on an invalid init. */
export function setLeerpunt(doc: Y.Doc, init: LeerpuntInit, origin?: unknown): void {
  const punt: Leerpunt = { ...init, updatedAt: Date.now() };
  if (!isValidLeerpuntShape(punt)) throw new TypeError('invalid leerpunt');
  const map = leerpuntenMap(doc);
  const entry = map.get(punt.id);
  doc.transact(() => {
    // Edited in place when it exists, so a concurrent edit of another field is not lost with the map.
    if (entry instanceof Y.Map) for (const [key, value] of Object.entries(punt)) entry.set(key, value);
    else writeEntry(map, punt.id, punt);
  }, origin);
}

// ---- private preparation ------------------------------------------------------------------------

/**
 * Reveal: moves observations from a private document into the shared one, keeping their ids,
 * times and createdAt; `author` overrides the authorship with the identity the server vouches
 * for. Written to the target before they are deleted from the source, so a failure in between
 * leaves a copy in both rather than in neither; an id already in the target is not written again.
 * Returns the ids moved (unknown ids are ignored).
 */
export function moveObservations(
  from: Y.Doc,
  to: Y.Doc,
  ids: readonly string[] | 'all',
  author: { authorId: string; authorName: string; role: Role },
  origin?: unknown,
): string[] {
  const wanted = ids === 'all' ? null : new Set(ids);
  const moving = readObservations(from).filter((o) => wanted === null || wanted.has(o.id));
  const present = new Set(readObservations(to).map((o) => o.id));
  to.transact(() => {
    for (const obs of moving) if (!present.has(obs.id)) addObservation(to, { ...obs, ...author }, origin);
  }, origin);
  from.transact(() => {
    for (const obs of moving) deleteObservation(from, obs.id, origin);
  }, origin);
  return moving.map((o) => o.id);
}

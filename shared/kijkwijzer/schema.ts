/**
 * The Kijkwijzer's parts of the room document as the server enforces them (docs/protocol-kijkwijzer.md):
 * one part per root map, next to doc.ts, which reads and writes them. Business rules a reader
 * already reports (1 to 3 themes, each once) are not refused here; shapes and known ids are.
 */
import {
  ID,
  ID_LIST,
  isFiniteNumber,
  isId,
  isOneOf,
  NUMBER,
  STRING,
  text,
  value,
  type DocPart,
  type EntriesPart,
  type ValueRule,
} from '../notes/schema.ts';
import { AANDACHTSPUNTEN_KEY, FRAGMENTS_KEY, LEERPUNTEN_KEY, META_KEY } from '../notes/doc.ts';
import { isMetaTextKey, META, TEXT_MAX } from './doc.ts';
import { PROFESSIONAL_ROLE_IDS, SELF_IMAGE_IDS } from './slim.ts';
import { STEP_IDS } from './steps.ts';
import { isThemeId, THEME_IDS } from './themes.ts';
import { WATCH_WITH_IDS } from './werkblad.ts';

const SHORT_TEXT = value(`a string of at most ${TEXT_MAX} characters`, (v) => typeof v === 'string' && v.length <= TEXT_MAX);
const listOf = (ids: readonly string[], max: number): ValueRule =>
  value(`a list of at most ${max} of ${ids.join(', ')}`, (v) => Array.isArray(v) && v.length <= max && v.every(isOneOf(ids)));
const THEME_LIST = value(`a list of theme ids`, (v) => Array.isArray(v) && v.length <= THEME_IDS.length && v.every(isThemeId));
const DISTINCT_THEMES = value(`a list of distinct theme ids`, (v) => THEME_LIST.kind === 'value' && THEME_LIST.check(v) && new Set(v as string[]).size === (v as string[]).length);

const META_FIELDS: Readonly<Record<string, ValueRule>> = {
  [META.watchWith]: listOf(WATCH_WITH_IDS, WATCH_WITH_IDS.length),
  // Too many or repeated themes are a broken choice the werkblad reports; unknown ones are refused.
  [META.themes]: THEME_LIST,
  [META.step]: value(STEP_IDS.join(' | '), isOneOf(STEP_IDS)),
  [META.slimSelfImage]: value(SELF_IMAGE_IDS.join(' | '), isOneOf(SELF_IMAGE_IDS)),
  [META.slimRole]: value(PROFESSIONAL_ROLE_IDS.join(' | '), isOneOf(PROFESSIONAL_ROLE_IDS)),
  [META.playlist]: value('{ fragmentId, driverId }', (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const keys = Object.keys(v);
    const p = v as Record<string, unknown>;
    return keys.length === 2 && isId(p.fragmentId) && isId(p.driverId);
  }),
};
const META_TEXT = text(TEXT_MAX);

const META_PART: DocPart = {
  kind: 'fields',
  field: (key) => (isMetaTextKey(key) ? META_TEXT : Object.hasOwn(META_FIELDS, key) ? META_FIELDS[key] : undefined),
};

const FRAGMENTS_PART: EntriesPart = {
  kind: 'entries',
  fields: {
    id: ID,
    start: value('a number ≥ 0', (v) => isFiniteNumber(v) && v >= 0),
    end: value('a number ≥ 0', (v) => isFiniteNumber(v) && v >= 0),
    title: SHORT_TEXT,
    question: SHORT_TEXT,
    themes: DISTINCT_THEMES,
    order: NUMBER,
  },
  required: ['id', 'start', 'end', 'title', 'question', 'themes', 'order'],
  idField: 'id',
};

const AANDACHTSPUNTEN_PART: EntriesPart = {
  kind: 'entries',
  fields: {
    id: ID,
    text: SHORT_TEXT,
    fragmentIds: ID_LIST,
    observationIds: ID_LIST,
    authorId: ID,
    authorName: STRING,
    createdAt: NUMBER,
    updatedAt: NUMBER,
  },
  required: ['id', 'text', 'fragmentIds', 'observationIds', 'authorId', 'authorName', 'createdAt', 'updatedAt'],
  idField: 'id',
};

const LEERPUNTEN_PART: EntriesPart = {
  kind: 'entries',
  fields: {
    id: ID,
    sourceRoomId: ID,
    aandachtspunt: SHORT_TEXT,
    tried: SHORT_TEXT,
    outcome: SHORT_TEXT,
    authorId: ID,
    authorName: STRING,
    updatedAt: NUMBER,
  },
  required: ['id', 'sourceRoomId', 'aandachtspunt', 'tried', 'outcome', 'authorId', 'authorName', 'updatedAt'],
  idField: 'id',
};

/** The Kijkwijzer's root maps, keyed by their names in the document. */
export const KIJKWIJZER_PARTS: Readonly<Record<string, DocPart>> = {
  [META_KEY]: META_PART,
  [FRAGMENTS_KEY]: FRAGMENTS_PART,
  [AANDACHTSPUNTEN_KEY]: AANDACHTSPUNTEN_PART,
  [LEERPUNTEN_KEY]: LEERPUNTEN_PART,
};

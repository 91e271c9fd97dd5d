/**
 * The room document's shape as the server enforces it on every incoming update (docs/protocol.md,
 * "Schema as enforced"). Declarative, one part per root map: the observations here, the
 * Kijkwijzer's parts in shared/kijkwijzer/schema.ts. The checking engine is
 * server/src/notes/schema-check.ts; a new field (or a new root map) is a line in its part.
 *
 * The readers in doc.ts keep validating what they read: documents stored before the check existed
 * may still hold anything.
 */
import { ROLES } from '../access/roles.ts';
import { DRAWING_FIELD, isShape, MAX_SHAPES, MAX_LABEL_LENGTH, MAX_STROKE_POINTS, COORD_MAX } from '../drawing/shapes.ts';
import { OBSERVATION_KINDS } from './types.ts';

/** What one place in the document may hold. */
export type ValueRule =
  /** A Y.Text of plain characters (no formatting, embeds or nested types), at most this long. */
  | { kind: 'text'; maxLength: number }
  /** A plain JSON value that passes `check`; `expected` names it in a refusal. */
  | { kind: 'value'; expected: string; check: (value: unknown) => boolean }
  /** A Y.Array of at most `maxItems` plain JSON values, each passing `check` (a drawing's shapes). */
  | { kind: 'list'; maxItems: number; expected: string; check: (item: unknown) => boolean };

/** A root map of Y.Map entries keyed by id, each entry a fixed set of fields (observations, fragments…). */
export interface EntriesPart {
  kind: 'entries';
  fields: Readonly<Record<string, ValueRule>>;
  /** Fields a new entry must bring in the same update, and that may not be deleted on their own. */
  required: readonly string[];
  /** The field that must repeat the entry's key. */
  idField: string | null;
}

/** A root map of named fields, each with its own rule (meta). */
export interface FieldsPart {
  kind: 'fields';
  field: (key: string) => ValueRule | undefined;
}

export type DocPart = EntriesPart | FieldsPart;
/** Root map name → its part. A root name not listed here is refused. */
export type DocSchema = Readonly<Record<string, DocPart>>;

/** Longest map key (observation, fragment… ids are uuids; meta keys are short names). */
export const MAX_KEY_LENGTH = 128;
/** Longest plain string field (names, titles, ids); free text longer than this lives in a Y.Text. */
export const MAX_STRING_LENGTH = 2000;
/** Longest observation text. */
export const MAX_OBSERVATION_TEXT = 100_000;
/** Longest list of ids (themes, linked fragments or observations). */
export const MAX_LIST_LENGTH = 200;

export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isString = (max = MAX_STRING_LENGTH) => (v: unknown): v is string => typeof v === 'string' && v.length <= max;
export const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY_LENGTH;
/** A list of distinct ids. */
export const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.length <= MAX_LIST_LENGTH && v.every(isId) && new Set(v).size === v.length;
export const isOneOf = (ids: readonly string[]) => (v: unknown): boolean => (ids as readonly unknown[]).includes(v);

export const value = (expected: string, check: (v: unknown) => boolean): ValueRule => ({ kind: 'value', expected, check });
export const text = (maxLength: number): ValueRule => ({ kind: 'text', maxLength });
export const list = (maxItems: number, expected: string, check: (item: unknown) => boolean): ValueRule => ({ kind: 'list', maxItems, expected, check });

/** An observation's drawing (shared/drawing/shapes.ts): each shape checked whole, at most MAX_SHAPES. */
export const DRAWING = list(
  MAX_SHAPES,
  `a shape (stroke, arrow, ellipse, rect or label; whole coordinates 0–${COORD_MAX}; at most ${MAX_STROKE_POINTS} points; a label of 1–${MAX_LABEL_LENGTH} printable characters)`,
  isShape,
);

export const ID = value('a non-empty string id', isId);
export const STRING = value(`a string of at most ${MAX_STRING_LENGTH} characters`, isString());
export const NUMBER = value('a finite number', isFiniteNumber);
export const ID_LIST = value(`a list of at most ${MAX_LIST_LENGTH} distinct string ids`, isIdList);

export const OBSERVATIONS_PART: EntriesPart = {
  kind: 'entries',
  fields: {
    id: ID,
    start: value('a number ≥ 0', (v) => isFiniteNumber(v) && v >= 0),
    end: value('a number ≥ 0 or null', (v) => v === null || (isFiniteNumber(v) && v >= 0)),
    themes: ID_LIST,
    kind: value(OBSERVATION_KINDS.join(' | '), isOneOf(OBSERVATION_KINDS)),
    text: text(MAX_OBSERVATION_TEXT),
    authorId: ID,
    authorName: STRING,
    role: value(ROLES.join(' | '), isOneOf(ROLES)),
    createdAt: NUMBER,
    updatedAt: NUMBER,
    [DRAWING_FIELD]: DRAWING,
  },
  required: ['id', 'start', 'themes', 'kind', 'text', 'authorId', 'authorName', 'role', 'createdAt', 'updatedAt'],
  idField: 'id',
};

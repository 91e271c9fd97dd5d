/**
 * Writing a drawing into the room's Yjs document: the `drawing` field of an observation entry, a
 * Y.Array of plain shape objects (shapes.ts) in drawing order. Built on shared/notes/doc.ts, which
 * reads it with the rest of the observation; the server enforces the field's rule
 * (shared/notes/schema.ts).
 *
 * A Y.Array rather than one value, so two people drawing on the same frame at once both keep
 * their shapes, and undo takes back exactly one person's shape.
 */
import * as Y from 'yjs';
import { uuidv4 } from 'lib0/random';
import { observationsMap } from '../notes/doc.ts';
import { DRAWING_FIELD, isShape, MAX_SHAPES, type Shape } from './shapes.ts';

/** A short random shape id (unique within a drawing is all it needs). */
export const newShapeId = (): string => uuidv4().replace(/-/g, '').slice(0, 16);

/**
 * Adds a shape to an observation's drawing, creating the drawing on first use. False when there
 * is no such observation or the drawing is full (MAX_SHAPES); throws on a malformed shape (a
 * programming error: the UI builds shapes through geometry.ts).
 */
export function addShape(doc: Y.Doc, observationId: string, shape: Shape, origin?: unknown): boolean {
  if (!isShape(shape)) throw new TypeError('invalid shape');
  const entry = observationsMap(doc).get(observationId);
  if (!(entry instanceof Y.Map)) return false;
  let added = false;
  doc.transact(() => {
    let list = entry.get(DRAWING_FIELD);
    if (!(list instanceof Y.Array)) list = entry.set(DRAWING_FIELD, new Y.Array<Shape>());
    const drawing = list as Y.Array<Shape>;
    if (drawing.length >= MAX_SHAPES) return;
    drawing.push([shape]);
    entry.set('updatedAt', Date.now());
    added = true;
  }, origin);
  return added;
}

/** Removes one shape by id; false when it is not there. */
export function removeShape(doc: Y.Doc, observationId: string, shapeId: string, origin?: unknown): boolean {
  const list = observationsMap(doc).get(observationId)?.get(DRAWING_FIELD);
  if (!(list instanceof Y.Array)) return false;
  const index = list.toArray().findIndex((s) => isShape(s) && s.id === shapeId);
  if (index < 0) return false;
  doc.transact(() => {
    list.delete(index, 1);
    observationsMap(doc).get(observationId)!.set('updatedAt', Date.now());
  }, origin);
  return true;
}

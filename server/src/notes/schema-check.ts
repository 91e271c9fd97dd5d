/**
 * Decides whether an incoming Yjs update keeps the document in the shape its schema promises
 * (shared/notes/schema.ts), BEFORE it is stored or applied: Yjs cannot roll an applied update
 * back. It reads the decoded update's structs and looks up only what they touch in the server's
 * copy of the document, so a keystroke costs a few map lookups, not a pass over the document.
 *
 * How a struct is placed: an item names its parent (a root name, or the id of the item holding
 * the parent type) and its key only when it has no left or right neighbour; otherwise Yjs derives
 * both from the neighbour (`origin`), which may be in the same update or already in the document.
 */
import * as Y from 'yjs';
import { KIJKWIJZER_PARTS } from '../../../shared/kijkwijzer/schema.ts';
import { OBSERVATIONS_KEY } from '../../../shared/notes/doc.ts';
import { MAX_KEY_LENGTH, OBSERVATIONS_PART, type DocPart, type DocSchema, type EntriesPart, type ValueRule } from '../../../shared/notes/schema.ts';

/** A room's shared document, and a participant's private one (which holds observations only, but may hold the rest). */
export const ROOM_DOC_SCHEMA: DocSchema = { [OBSERVATIONS_KEY]: OBSERVATIONS_PART, ...KIJKWIJZER_PARTS };

export type SchemaVerdict = { ok: true } | { ok: false; reason: string };

type Struct = Y.Item | Y.GC | Y.Skip;
/** What `Y.decodeUpdate` returns as `ds` (Yjs does not export the class's type). */
type DeleteSet = ReturnType<typeof Y.decodeUpdate>['ds'];

/** Where a type sits in the document, as far as the schema cares. */
type Place =
  | { kind: 'root'; name: string; part: DocPart }
  | { kind: 'entry'; part: EntriesPart; key: string; isNew: boolean; entryId: Y.ID }
  | { kind: 'text'; rule: Extract<ValueRule, { kind: 'text' }>; length: number }
  | { kind: 'list'; rule: Extract<ValueRule, { kind: 'list' }>; length: number }
  | { kind: 'refused'; reason: string };

/** Where an item goes: into a type (root, existing or new), or nowhere (its neighbour is gone). */
type Parent = { place: Place; sub: string | null } | 'gc' | 'missing';

const refused = (reason: string): Place => ({ kind: 'refused', reason });
const idKey = (id: Y.ID): string => `${id.client}:${id.clock}`;
/** Exactly this type: Y.XmlText is a Y.Text too, and must not pass for one. */
const isType = (type: unknown, ctor: typeof Y.Map | typeof Y.Text | typeof Y.Array): boolean => type !== null && typeof type === 'object' && type.constructor === ctor;

/** The place of a type a field holds, if its rule says the field holds a type (a text or a list) of that kind. */
function typedPlace(rule: ValueRule | undefined, type: unknown): Place | null {
  if (rule?.kind === 'text' && isType(type, Y.Text)) return { kind: 'text', rule, length: 0 };
  if (rule?.kind === 'list' && isType(type, Y.Array)) return { kind: 'list', rule, length: 0 };
  return null;
}

class Check {
  private readonly doc: Y.Doc;
  private readonly schema: DocSchema;
  private readonly structs: Struct[];
  private readonly ds: DeleteSet;
  /** The update's own structs per client, in clock order, for neighbour lookups. */
  private readonly byClient = new Map<number, Struct[]>();
  private readonly own = new Set<Struct>();
  private readonly parents = new Map<Struct, Parent>();
  private readonly typePlaces = new Map<Y.AbstractType<any>, Place>();
  private readonly newTypePlaces = new Map<Y.Item, Place>();
  /** Characters each text (items each list) gains in this update, by its place. */
  private readonly growth = new Map<Place, number>();
  /** Fields a new entry got in this update, by the entry item's id. */
  private readonly newEntries = new Map<string, { part: EntriesPart; key: string; fields: Set<string> }>();
  /** Keys of existing entries this update writes a new value for (entry item id + key). */
  private readonly rewritten = new Set<string>();

  constructor(doc: Y.Doc, schema: DocSchema, update: { structs: Struct[]; ds: DeleteSet }) {
    this.doc = doc;
    this.schema = schema;
    this.structs = update.structs;
    this.ds = update.ds;
    for (const s of update.structs) {
      let list = this.byClient.get(s.id.client);
      if (!list) this.byClient.set(s.id.client, (list = []));
      list.push(s);
      this.own.add(s);
    }
  }

  run(): SchemaVerdict {
    for (const [client, list] of this.byClient) {
      // A gap before the update's first change from a client: Yjs would park it, unchecked, until
      // the missing part arrives. In-order clients never cause one (sync starts at our state).
      const first = list.find((s) => !(s instanceof Y.Skip));
      if (first && first.id.clock > Y.getState(this.doc.store, client)) return { ok: false, reason: 'depends on changes the server does not have' };
    }
    for (const struct of this.structs) {
      if (!(struct instanceof Y.Item)) continue; // GC and Skip carry no content
      // Already in the document (a resent sync step 2): Yjs skips it, and it passed once.
      if (struct.id.clock + struct.length <= Y.getState(this.doc.store, struct.id.client)) continue;
      const reason = this.checkItem(struct);
      if (reason) return { ok: false, reason };
    }
    for (const [, entry] of this.newEntries) {
      const missing = entry.part.required.filter((f) => !entry.fields.has(f));
      if (missing.length > 0) return { ok: false, reason: `new entry ${entry.key} lacks ${missing.join(', ')}` };
    }
    const reason = this.checkDeletions();
    return reason ? { ok: false, reason } : { ok: true };
  }

  private checkItem(item: Y.Item): string | null {
    const content = item.content;
    if (content instanceof Y.ContentDeleted) return null; // nothing will be there
    const parent = this.parentOf(item);
    if (parent === 'gc') return null; // integrates as garbage: its neighbour or parent was deleted
    if (parent === 'missing') return 'depends on changes the server does not have';
    const { place, sub } = parent;
    switch (place.kind) {
      case 'refused':
        return place.reason;
      case 'root': {
        if (sub === null) return `${place.name} is a map: entries need a key`;
        if (sub.length === 0 || sub.length > MAX_KEY_LENGTH) return `${place.name}: key length ${sub.length}`;
        if (place.part.kind === 'entries') {
          if (!(content instanceof Y.ContentType && isType(content.type, Y.Map))) return `${place.name}.${sub} must be a Y.Map`;
          this.newEntries.set(idKey(item.id), { part: place.part, key: sub, fields: new Set() });
          return null;
        }
        const rule = place.part.field(sub);
        return rule ? this.checkValue(`${place.name}.${sub}`, rule, item) : `${place.name}.${sub} is not in the schema`;
      }
      case 'entry': {
        if (sub === null) return `an entry of ${place.key} is a map: values need a key`;
        const rule = Object.hasOwn(place.part.fields, sub) ? place.part.fields[sub] : undefined;
        const path = `${place.key}.${sub}`;
        if (!rule) return `${path} is not in the schema`;
        const reason = this.checkValue(path, rule, item);
        if (reason) return reason;
        if (sub === place.part.idField && (item.content as Y.ContentAny).arr[0] !== place.key) return `${path} must equal the key`;
        if (place.isNew) this.newEntries.get(idKey(place.entryId))?.fields.add(sub);
        else this.rewritten.add(`${idKey(place.entryId)}/${sub}`);
        return null;
      }
      case 'text': {
        if (sub !== null) return 'a text has no keys';
        if (!(content instanceof Y.ContentString)) return `a text holds plain characters only, not ${content.constructor.name}`;
        const grown = (this.growth.get(place) ?? 0) + content.getLength();
        this.growth.set(place, grown);
        return place.length + grown > place.rule.maxLength ? `text longer than ${place.rule.maxLength} characters` : null;
      }
      case 'list': {
        if (sub !== null) return 'a list has no keys';
        if (!(content instanceof Y.ContentAny)) return `a list holds plain values only, not ${content.constructor.name}`;
        if (!content.arr.every((value) => place.rule.check(value))) return `a list item must be ${place.rule.expected}`;
        const grown = (this.growth.get(place) ?? 0) + content.getLength();
        this.growth.set(place, grown);
        return place.length + grown > place.rule.maxItems ? `a list longer than ${place.rule.maxItems} items` : null;
      }
    }
  }

  private checkValue(path: string, rule: ValueRule, item: Y.Item): string | null {
    const content = item.content;
    if (rule.kind === 'text') {
      return content instanceof Y.ContentType && isType(content.type, Y.Text) ? null : `${path} must be a Y.Text`;
    }
    if (rule.kind === 'list') {
      return content instanceof Y.ContentType && isType(content.type, Y.Array) ? null : `${path} must be a Y.Array`;
    }
    if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) return `${path} must be ${rule.expected}`;
    return rule.check(content.arr[0]) ? null : `${path} must be ${rule.expected}`;
  }

  // --- placing structs -------------------------------------------------------------------------

  /**
   * Follows neighbours within the update until one names its parent or is in the document, then
   * gives every item on the way the same answer (a loop: typed text can chain thousands of items).
   */
  private parentOf(item: Y.Item): Parent {
    const chain: Y.Item[] = [];
    let at: Y.Item = item;
    let parent: Parent | undefined;
    for (;;) {
      parent = this.parents.get(at);
      if (parent) break;
      chain.push(at);
      const next = this.ownParentOrNeighbour(at);
      if (next instanceof Y.Item) at = next;
      else {
        parent = next;
        break;
      }
    }
    for (const i of chain) this.parents.set(i, parent);
    return parent;
  }

  /** The item's parent if it names one (or its neighbour is in the document), else its neighbour in this update. */
  private ownParentOrNeighbour(item: Y.Item): Parent | Y.Item {
    const sub = item.parentSub;
    // Yjs integrates a client's structs in clock order: a reference to the same client's own or
    // later clock cannot be resolved, and makes Y.applyUpdate throw halfway.
    for (const ref of [item.parent, item.origin, item.rightOrigin]) {
      if (ref instanceof Y.ID && ref.client === item.id.client && ref.clock >= item.id.clock) {
        return { place: refused('refers forward to its own changes'), sub: null };
      }
    }
    if (typeof item.parent === 'string') return { place: this.rootPlace(item.parent), sub };
    if (item.parent instanceof Y.ID) {
      const holder = this.find(item.parent);
      if (holder === null) return 'missing';
      // A deleted type (its content collected) takes the item as garbage; any other content holds no children.
      if (!(holder instanceof Y.Item) || holder.content instanceof Y.ContentDeleted) return 'gc';
      if (!(holder.content instanceof Y.ContentType)) return { place: refused('a parent that is not a type'), sub: null };
      if (holder.deleted) return 'gc';
      return { place: this.placeOfHolder(holder), sub };
    }
    // No parent written: the same parent and key as a neighbour's.
    const neighbourId = item.origin ?? item.rightOrigin;
    if (neighbourId === null) return { place: refused('an item without parent or neighbour'), sub: null };
    const neighbour = this.find(neighbourId);
    if (neighbour === null) return 'missing';
    if (!(neighbour instanceof Y.Item)) return 'gc';
    if (this.own.has(neighbour)) return neighbour;
    if (neighbour.parent instanceof Y.AbstractType) return { place: this.placeOfType(neighbour.parent), sub: neighbour.parentSub };
    return 'gc';
  }

  /** The struct holding `id`: this update's own, else the document's; null if neither has it. */
  private find(id: Y.ID): Struct | null {
    const own = this.byClient.get(id.client);
    if (own && own[0]!.id.clock <= id.clock) {
      const last = own.at(-1)!;
      if (id.clock < last.id.clock + last.length) return own[Y.findIndexSS(own as (Y.Item | Y.GC)[], id.clock)] ?? null;
    }
    if (id.clock >= Y.getState(this.doc.store, id.client)) return null;
    const structs = this.doc.store.clients.get(id.client)!;
    return structs[Y.findIndexSS(structs, id.clock)] ?? null;
  }

  /** The place of the type an item holds, whether that item is in this update or the document. */
  private placeOfHolder(holder: Y.Item): Place {
    if (!this.own.has(holder)) return this.placeOfType((holder.content as Y.ContentType).type);
    const cached = this.newTypePlaces.get(holder);
    if (cached) return cached;
    const place = this.childPlace(this.parentOf(holder), holder, true);
    this.newTypePlaces.set(holder, place);
    return place;
  }

  private placeOfType(type: Y.AbstractType<any>): Place {
    const cached = this.typePlaces.get(type);
    if (cached) return cached;
    let place: Place;
    const item = type._item;
    if (item === null) {
      place = this.rootPlace(Y.findRootTypeKey(type));
    } else if (item.parent instanceof Y.AbstractType) {
      place = this.childPlace({ place: this.placeOfType(item.parent), sub: item.parentSub }, item, false);
    } else {
      place = refused('a type outside the document');
    }
    if (place.kind === 'text') place.length = type instanceof Y.Text ? type.length : 0;
    if (place.kind === 'list') place.length = type instanceof Y.Array ? type.length : 0;
    this.typePlaces.set(type, place);
    return place;
  }

  /** What the type held by `holder` is, given where `holder` sits. */
  private childPlace(parent: Parent, holder: Y.Item, isNew: boolean): Place {
    if (parent === 'gc' || parent === 'missing') return refused('a type whose parent is gone');
    const { place, sub } = parent;
    if (sub === null) return refused('a nested type without a key');
    const type = holder.content instanceof Y.ContentType ? holder.content.type : null;
    if (place.kind === 'root') {
      if (place.part.kind === 'entries') {
        return isType(type, Y.Map) ? { kind: 'entry', part: place.part, key: sub, isNew, entryId: holder.id } : refused(`${place.name}.${sub} must be a Y.Map`);
      }
      return typedPlace(place.part.field(sub), type) ?? refused(`${place.name}.${sub} holds no type`);
    }
    if (place.kind === 'entry') {
      const rule = Object.hasOwn(place.part.fields, sub) ? place.part.fields[sub] : undefined;
      return typedPlace(rule, type) ?? refused(`${place.key}.${sub} holds no type`);
    }
    return place.kind === 'refused' ? place : refused('types nested deeper than the schema');
  }

  private rootPlace(name: string): Place {
    const part = Object.hasOwn(this.schema, name) ? this.schema[name] : undefined;
    return part ? { kind: 'root', name, part } : refused(`unknown top-level key ${JSON.stringify(name.slice(0, 40))}`);
  }

  // --- deletions -------------------------------------------------------------------------------

  /** A required field of an entry may go only with its entry, or when the update sets it anew. */
  private checkDeletions(): string | null {
    for (const [client, ranges] of this.ds.clients) {
      const structs = this.doc.store.clients.get(client);
      if (!structs) continue;
      const known = Y.getState(this.doc.store, client);
      for (const { clock, len } of ranges) {
        const end = Math.min(clock + len, known);
        if (clock >= end) continue;
        for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < end; i++) {
          const reason = this.checkDeletion(structs[i]!);
          if (reason) return reason;
        }
      }
    }
    return null;
  }

  private checkDeletion(struct: Struct): string | null {
    if (!(struct instanceof Y.Item) || struct.deleted || struct.parentSub === null) return null;
    const map = struct.parent;
    if (!(map instanceof Y.Map) || map._map.get(struct.parentSub) !== struct) return null;
    const place = this.placeOfType(map);
    if (place.kind !== 'entry' || !place.part.required.includes(struct.parentSub)) return null;
    const entryItem = map._item!;
    if (Y.isDeleted(this.ds, entryItem.id) || this.rewritten.has(`${idKey(entryItem.id)}/${struct.parentSub}`)) return null;
    return `${place.key}.${struct.parentSub} is required and cannot be deleted`;
  }
}

/** Checks a decoded update (`Y.decodeUpdate`) against the schema and the current document. */
export function checkUpdate(doc: Y.Doc, schema: DocSchema, update: { structs: Struct[]; ds: DeleteSet }): SchemaVerdict {
  return new Check(doc, schema, update).run();
}

/**
 * Transport-agnostic Yjs document hub speaking the standard y-websocket protocol, so the stock
 * `WebsocketProvider` can connect. Authentication and URL routing happen before
 * `handleConnection`; the hub only enforces what a connection may do (write or read) and limits.
 *
 * Invariants:
 * - A document is loaded from the store before the connection's first message is handled (messages
 *   wait), so a client can never sync against a half-loaded document.
 * - The store is asynchronous (SQLite or PostgreSQL), so each document has a queue: its messages,
 *   server-side changes, versions and compaction run one after another, in arrival order. A
 *   message is handled only when everything before it is done.
 * - Every change is in the store before any peer sees it (append, apply, commit, broadcast), and
 *   an update that fails to apply is rolled back from the store and the in-memory copy dropped,
 *   so the store stays the single source of truth.
 * - Every client update is checked against the document schema before it is stored or applied
 *   (schema-check.ts); one that breaks it is refused with 4400 and changes nothing.
 *
 * Costs: a loaded document is kept as its encoded state (the bytes the store returned) and turned
 * into a Y.Doc only when something needs one: a client's first update, a server-side reader or
 * writer, a version. Until then a joining client is answered from the bytes (the whole state for
 * an empty client, `Y.diffUpdate` otherwise), so opening a large room costs the server a SQLite
 * read, not a Y.applyUpdate. Once a Y.Doc exists, its full encoding is cached until the next change.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { closeCodeFor } from '../../../shared/errors.ts';
import { restoreContent } from '../../../shared/notes/doc.ts';
import type { DocSchema } from '../../../shared/notes/schema.ts';
import {
  DEFAULT_HUB_LIMITS,
  messageAwareness,
  messageQueryAwareness,
  messageSync,
  type HubLimits,
} from '../../../shared/notes/protocol.ts';
import { checkUpdate, ROOM_DOC_SCHEMA } from './schema-check.ts';
import type { DocStore } from './store.ts';

/** What the hub needs from a socket; a `ws` WebSocket satisfies it, and so does an in-memory fake. */
export interface HubSocket {
  /** `sent` (if the socket supports it) is called once the data left for the network. */
  send(data: Uint8Array, sent?: (err?: Error) => void): void;
  close(code: number, reason: string): void;
  on(event: 'message', listener: (data: Uint8Array | ArrayBuffer | Uint8Array[]) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface HubConnectionInfo {
  docName: string;
  userId: string;
  /** False for roles without `editObservations`: their updates are dropped, awareness still relayed. */
  canWrite: boolean;
  /**
   * Asked before an edit is stored: false drops it (the session behind the connection has ended;
   * whoever answers false also closes the connection). A boolean answers at once.
   */
  mayEdit?: () => boolean | Promise<boolean>;
}

export type HubLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type HubLog = (level: HubLogLevel, msg: string, data?: Record<string, unknown>) => void;

export interface DocHubOptions {
  store: DocStore;
  log?: HubLog;
  limits?: Partial<HubLimits>;
  /** Keep a document in memory this long after its last connection leaves (reconnects are cheap). */
  unloadGraceMs?: number;
  /** Save a version this long after the first change not yet in a version. */
  versionEveryMs?: number;
  /** Fold the update log into one state row after this many appended updates. */
  compactEveryUpdates?: number;
  /** What client updates must keep the document like; the room document's schema by default. */
  schema?: DocSchema;
  /**
   * Whether this process serves the document's room (several processes, see cluster/): only the
   * owner folds the update log, because a copy loaded elsewhere may lack updates the owner wrote
   * after it and would replace them. Always true for one process.
   */
  owns?: (docName: string) => boolean;
}

/** Version labels the hub writes. */
export const VERSION_LABELS = { periodic: 'auto', sessionEnd: 'session-end', beforeRestore: 'before-restore' } as const;

/** Longest a writer waits for our sync step 1 when it never sends its own. */
const STEP1_FALLBACK_MS = 1000;
/** An encoded empty document. */
const EMPTY_STATE = Y.encodeStateAsUpdate(new Y.Doc());

const CLOSE = {
  malformed: closeCodeFor('bad_request'), // 4400
  gone: closeCodeFor('gone'), // 4410
  tooLarge: closeCodeFor('too_large'), // 4413
  rateLimited: closeCodeFor('rate_limited'), // 4429
  // 4500 is outside y-websocket's "permanent" 4400–4499 range, so providers reconnect and resync.
  internal: closeCodeFor('internal'),
};

/** One client connection; also the Yjs/awareness transaction origin of what it sends. */
class Connection {
  closed = false;
  /** Over a limit: nothing more is admitted, and the connection closes once what was admitted is handled. */
  refused = false;
  /** Our sync step 1 is owed, to follow our answer to the client's step 1 (see handleConnection). */
  step1Pending = false;
  /** Awareness client ids this connection announced, removed when it leaves. */
  readonly awarenessIds = new Set<number>();
  tokens: number;
  lastRefill = Date.now();
  readonly socket: HubSocket;
  readonly info: HubConnectionInfo;
  /** Null while the document loads. */
  entry: DocEntry | null = null;
  constructor(socket: HubSocket, info: HubConnectionInfo, burst: number) {
    this.socket = socket;
    this.info = info;
    this.tokens = burst;
  }
}

interface DocEntry {
  name: string;
  /** The live document, once something needed it (see the costs above). */
  doc: Y.Doc | null;
  /** The encoded state while `doc` is null; afterwards the cached encoding of `doc` (null: stale). */
  encoded: Uint8Array | null;
  /** Id of the last update row the store holds for this document (what a compaction may drop). */
  lastId: number;
  awareness: awarenessProtocol.Awareness;
  conns: Set<Connection>;
  /** Upper bound of the encoded size: last exact size plus every update appended since. */
  bytes: number;
  updatesSinceCompact: number;
  /** Changes exist that no version contains yet. */
  dirty: boolean;
  versionTimer: ReturnType<typeof setTimeout> | null;
  unloadTimer: ReturnType<typeof setTimeout> | null;
  /** The end of the document's queue (see the invariants). */
  tail: Promise<void>;
  /** Dropped from memory: queued work is skipped. */
  gone: boolean;
}

type Message = Uint8Array | ArrayBuffer | Uint8Array[];

function toBytes(data: Message): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // ws hands over fragmented frames as Buffer[] when binaryType is 'fragments'.
  const out = new Uint8Array(data.reduce((n, part) => n + part.byteLength, 0));
  let at = 0;
  for (const part of data) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** An update with no structs and no deletions ([0, 0]): what a client in sync sends as step 2. */
const isEmptyUpdate = (u: Uint8Array): boolean => u.byteLength === 2 && u[0] === 0 && u[1] === 0;

/** A state vector that names no client: the client has nothing yet. */
const isEmptyStateVector = (sv: Uint8Array): boolean => sv.byteLength === 1 && sv[0] === 0;

/** A WebSocket close reason is at most 123 bytes of UTF-8. */
function closeReason(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= 123) return text;
  return new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, '') + '…';
}

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
};

export class DocHub {
  private readonly docs = new Map<string, DocEntry>();
  /** Documents being read from the store, so two connections share one load. */
  private readonly loading = new Map<string, Promise<DocEntry>>();
  /** Documents whose last version and compaction are being written: a new load waits for them. */
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly store: DocStore;
  private readonly log: HubLog;
  private readonly limits: HubLimits;
  private readonly unloadGraceMs: number;
  private readonly versionEveryMs: number;
  private readonly compactEveryUpdates: number;
  private readonly schema: DocSchema;
  private readonly owns: (docName: string) => boolean;

  constructor(opts: DocHubOptions) {
    this.store = opts.store;
    this.log = opts.log ?? (() => {});
    this.limits = { ...DEFAULT_HUB_LIMITS, ...opts.limits };
    this.unloadGraceMs = opts.unloadGraceMs ?? 5000;
    this.versionEveryMs = opts.versionEveryMs ?? 10 * 60_000;
    this.compactEveryUpdates = opts.compactEveryUpdates ?? 500;
    this.schema = opts.schema ?? ROOM_DOC_SCHEMA;
    this.owns = opts.owns ?? (() => true);
  }

  handleConnection(socket: HubSocket, info: HubConnectionInfo): void {
    const conn = new Connection(socket, info, this.limits.messageBurst);
    const ready = this.acquire(info.docName).then(
      (entry) => {
        if (conn.closed) {
          if (entry.conns.size === 0) this.scheduleUnload(entry);
          return null;
        }
        conn.entry = entry;
        entry.conns.add(conn);
        this.greet(conn, entry);
        return entry;
      },
      (err: unknown) => {
        this.log('error', 'yjs: cannot load document', { doc: info.docName, err: String(err) });
        this.closeConn(conn, CLOSE.internal, 'cannot load document');
        return null;
      },
    );
    socket.on('message', (data) => {
      const bytes = toBytes(data);
      const verdict = this.admit(conn, bytes);
      if (verdict === 'ignore') return;
      const task = verdict === 'admit' ? () => this.onMessage(conn, bytes) : () => this.closeConn(conn, verdict.code, verdict.reason);
      // Once loaded straight onto the queue; before that in arrival order behind the load.
      if (conn.entry) void this.enqueue(conn.entry, task);
      else void ready.then((entry) => entry && this.enqueue(entry, task));
    });
    socket.on('close', () => this.onClose(conn));
  }

  /**
   * Our step 1 makes the client send what we lack; its own step 1 gets our step 2 in reply. A
   * state vector needs the Y.Doc: without one yet, the client's step 1 is answered first (from
   * the encoded state) and ours follows, so a large room shows before the server builds its doc.
   */
  private greet(conn: Connection, entry: DocEntry): void {
    if (conn.info.canWrite && entry.doc) this.sendStep1(conn);
    else if (conn.info.canWrite) {
      conn.step1Pending = true;
      // A client that never speaks still gets it.
      setTimeout(() => this.flushStep1(conn), STEP1_FALLBACK_MS).unref?.();
    }
    const states = entry.awareness.getStates();
    if (states.size > 0) this.send(conn, this.awarenessFrame(entry, [...states.keys()]));
  }

  /**
   * The live document for server-side readers (exports) and writers; loads it if needed. A write
   * is stored and broadcast like a client's, through the document's queue: `settled` says when.
   * Use the doc synchronously: after the unload grace the instance is destroyed and a later call
   * returns a new one.
   */
  async getDoc(docName: string): Promise<Y.Doc> {
    const entry = await this.acquire(docName);
    if (entry.conns.size === 0) this.scheduleUnload(entry);
    return this.materialize(entry);
  }

  /** Resolves once everything queued for the document (e.g. a server-side write) is stored and sent. */
  async settled(docName: string): Promise<void> {
    const entry = this.docs.get(docName);
    if (entry) await this.drain(entry);
  }

  loadedDocCount(): number {
    return this.docs.size;
  }

  /** Saves a version of the current content now; returns its id. */
  async saveVersion(docName: string, label: string): Promise<number> {
    const entry = this.docs.get(docName);
    if (!entry) return this.store.saveVersion(docName, label);
    let id = 0;
    await this.enqueue(entry, async () => {
      id = await this.versionNow(entry, label);
    });
    if (entry.gone && id === 0) throw new Error('document unloaded before its version was saved');
    return id;
  }

  /**
   * Turns the content back into that of a version, as a NEW update (origin 'restore'), so history
   * is kept and connected peers just receive a change. The current content is saved as a
   * 'before-restore' version first, so a restore can itself be undone. False if the version is
   * not this document's.
   */
  async restoreVersion(docName: string, versionId: number): Promise<boolean> {
    const version = await this.store.getVersion(versionId);
    if (!version || version.doc !== docName) return false;
    const entry = await this.acquire(docName);
    await this.enqueue(entry, async () => {
      await this.versionNow(entry, VERSION_LABELS.beforeRestore);
      const source = new Y.Doc();
      try {
        Y.applyUpdate(source, version.state);
        restoreContent(this.materialize(entry), source, 'restore');
      } finally {
        source.destroy();
      }
    });
    await this.drain(entry);
    if (entry.conns.size === 0) this.scheduleUnload(entry);
    return true;
  }

  /** Room deleted: close its connections with 4410 and delete every stored row. */
  async dropDoc(docName: string): Promise<void> {
    const entry = this.docs.get(docName);
    if (entry) this.evict(entry, CLOSE.gone, 'document deleted');
    await this.unloading.get(docName);
    await this.store.deleteDoc(docName);
  }

  /** Access withdrawn or changed: close these participants' connections to any document. */
  closeUsers(userIds: ReadonlySet<string>, code: number, reason: string): void {
    for (const entry of this.docs.values()) {
      for (const conn of [...entry.conns]) if (userIds.has(conn.info.userId)) this.closeConn(conn, code, reason);
    }
  }

  /** One connection's access ended (its session was signed out or expired): close just that socket. */
  closeSocket(socket: HubSocket, code: number, reason: string): void {
    for (const entry of this.docs.values()) {
      for (const conn of entry.conns) if (conn.socket === socket) return this.closeConn(conn, code, reason);
    }
  }

  /**
   * The room moves to another process: close the connections of these documents with `code` (a
   * code their providers reconnect on) and unload them (a version if there was activity, the log
   * folded), so the next owner reads everything from the store. Resolves once that is written.
   */
  async release(isOfRoom: (docName: string) => boolean, code: number, reason: string): Promise<void> {
    for (const entry of [...this.docs.values()]) {
      if (!isOfRoom(entry.name)) continue;
      for (const conn of [...entry.conns]) this.closeConn(conn, code, reason);
      this.unload(entry);
    }
    // Loads still under way finish first, then every unload of the room is written.
    await Promise.all([...this.loading].filter(([name]) => isOfRoom(name)).map(([, p]) => p.catch(() => {})));
    await Promise.all([...this.unloading].filter(([name]) => isOfRoom(name)).map(([, p]) => p));
  }

  /** The room was just taken over from another process: copies loaded before are forgotten unread. */
  forget(isOfRoom: (docName: string) => boolean): void {
    for (const entry of [...this.docs.values()]) if (isOfRoom(entry.name) && entry.conns.size === 0) this.discard(entry);
  }

  /** Shutdown: close every connection (1001 lets providers reconnect) and unload every document. */
  async closeAll(code = 1001, reason = 'server shutting down'): Promise<void> {
    for (const entry of [...this.docs.values()]) {
      for (const conn of [...entry.conns]) this.closeConn(conn, code, reason);
      this.unload(entry);
    }
    await Promise.all([...this.loading.values()].map((p) => p.catch(() => {})));
    await Promise.all([...this.unloading.values()]);
  }

  // --- documents -------------------------------------------------------------------------------

  /** The loaded document, or its load from the store (one per document at a time). */
  private acquire(docName: string): Promise<DocEntry> {
    const existing = this.docs.get(docName);
    if (existing) {
      if (existing.unloadTimer) clearTimeout(existing.unloadTimer);
      existing.unloadTimer = null;
      return Promise.resolve(existing);
    }
    let pending = this.loading.get(docName);
    if (!pending) {
      pending = this.load(docName).finally(() => this.loading.delete(docName));
      this.loading.set(docName, pending);
    }
    return pending;
  }

  private async load(docName: string): Promise<DocEntry> {
    // An unload still writing its version and compaction first: then the rows are final.
    await this.unloading.get(docName);
    const stored = await this.store.read(docName);
    // Awareness has a Y.Doc of its own (it only needs a client id), so presence works before and
    // without the content's Y.Doc.
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    awareness.setLocalState(null); // the server has no presence of its own
    const entry: DocEntry = {
      name: docName,
      doc: null,
      encoded: stored?.state ?? EMPTY_STATE,
      lastId: stored?.lastId ?? 0,
      awareness,
      conns: new Set(),
      bytes: stored?.state.byteLength ?? 0,
      // Rows merged at load are folded at the next compaction or unload.
      updatesSinceCompact: stored?.updates ?? 0,
      dirty: false,
      versionTimer: null,
      unloadTimer: null,
      tail: Promise.resolve(),
      gone: false,
    };
    awareness.on('update', (changes: AwarenessChanges, origin: unknown) => this.onAwareness(entry, changes, origin));
    this.docs.set(docName, entry);
    this.log('debug', 'yjs: document loaded', { doc: docName, bytes: entry.bytes });
    return entry;
  }

  /** Runs `task` after everything queued before it for this document; skipped once the document is gone. */
  private enqueue(entry: DocEntry, task: () => void | Promise<void>): Promise<void> {
    const next = entry.tail.then(() => (entry.gone ? undefined : task())).catch((err: unknown) => {
      this.log('error', 'yjs: queued work failed', { doc: entry.name, err: String(err) });
    });
    entry.tail = next;
    return next;
  }

  /** Waits until the queue is empty, including work queued while waiting. */
  private async drain(entry: DocEntry): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = entry.tail;
      await tail;
    } while (tail !== entry.tail);
  }

  /** The entry's Y.Doc, built from its encoded state the first time something needs it. */
  private materialize(entry: DocEntry): Y.Doc {
    if (entry.doc) return entry.doc;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, entry.encoded ?? EMPTY_STATE);
    // Registered after loading: only later changes are new.
    doc.on('update', (update: Uint8Array, origin: unknown) => this.onServerUpdate(entry, update, origin));
    entry.doc = doc;
    return doc;
  }

  /** The full encoded state: the loaded bytes, or the live doc's encoding (cached until it changes). */
  private encodedState(entry: DocEntry): Uint8Array {
    entry.encoded ??= Y.encodeStateAsUpdate(entry.doc!);
    return entry.encoded;
  }

  /** What a client with state vector `sv` lacks. */
  private diffFor(entry: DocEntry, sv: Uint8Array): Uint8Array {
    if (isEmptyStateVector(sv)) return this.encodedState(entry);
    return entry.doc ? Y.encodeStateAsUpdate(entry.doc, sv) : Y.diffUpdate(this.encodedState(entry), sv);
  }

  /** Sends our step 1 if it is still owed (read-only connections are owed none: we drop their updates). */
  private flushStep1(conn: Connection): void {
    if (!conn.step1Pending || conn.closed || !conn.entry || conn.entry.gone) return;
    conn.step1Pending = false;
    this.sendStep1(conn);
  }

  private sendStep1(conn: Connection): void {
    const entry = conn.entry!;
    let doc: Y.Doc;
    try {
      doc = this.materialize(entry);
    } catch (err) {
      this.log('error', 'yjs: cannot load document', { doc: entry.name, err: String(err) });
      this.evict(entry, CLOSE.internal, 'cannot load document');
      return;
    }
    this.send(conn, frame((e) => {
      encoding.writeVarUint(e, messageSync);
      syncProtocol.writeSyncStep1(e, doc);
    }));
  }

  /**
   * Saves a version if there was activity, folds the log, and frees the memory. The document leaves
   * the map at once; a new load of it waits until this is written.
   */
  private unload(entry: DocEntry): void {
    if (this.docs.get(entry.name) !== entry) return;
    this.docs.delete(entry.name);
    const done = this.enqueue(entry, () =>
      this.housekeeping(entry, 'unload', async () => {
        if (entry.dirty) await this.versionNow(entry, VERSION_LABELS.sessionEnd);
        await this.compact(entry);
      }),
    ).then(() => {
      this.discard(entry);
      if (this.unloading.get(entry.name) === done) this.unloading.delete(entry.name);
      this.log('debug', 'yjs: document unloaded', { doc: entry.name });
    });
    this.unloading.set(entry.name, done);
  }

  /** Drops the in-memory copy without touching the store, after closing its connections. */
  private evict(entry: DocEntry, code: number, reason: string): void {
    this.discard(entry);
    for (const conn of [...entry.conns]) this.closeConn(conn, code, reason);
  }

  private discard(entry: DocEntry): void {
    entry.gone = true;
    if (entry.unloadTimer) clearTimeout(entry.unloadTimer);
    if (entry.versionTimer) clearTimeout(entry.versionTimer);
    entry.unloadTimer = entry.versionTimer = null;
    if (this.docs.get(entry.name) === entry) this.docs.delete(entry.name);
    entry.doc?.destroy();
    entry.awareness.doc.destroy(); // also destroys the awareness and its interval
  }

  private scheduleUnload(entry: DocEntry): void {
    if (entry.unloadTimer) clearTimeout(entry.unloadTimer);
    entry.unloadTimer = setTimeout(() => {
      entry.unloadTimer = null;
      if (entry.conns.size === 0) this.unload(entry);
    }, this.unloadGraceMs);
    entry.unloadTimer.unref?.();
  }

  private async versionNow(entry: DocEntry, label: string): Promise<number> {
    const id = await this.store.saveVersion(entry.name, label, this.encodedState(entry));
    entry.dirty = false;
    if (entry.versionTimer) clearTimeout(entry.versionTimer);
    entry.versionTimer = null;
    return id;
  }

  /**
   * Folds the update log into one state row, without decoding anything: with a live doc its
   * encoding is that state (every appended update was applied, and Yjs has collected deleted
   * content); without one, the bytes loaded are the store's rows merged. (The store's own
   * `compact` applies the state to a Y.Doc: a stall of hundreds of ms for a large room.)
   */
  private async compact(entry: DocEntry): Promise<void> {
    if (entry.updatesSinceCompact === 0 || !this.owns(entry.name)) return;
    const state = this.encodedState(entry);
    const { lastId, updatesSinceCompact } = entry;
    await this.store.replace(entry.name, state, lastId);
    entry.bytes = state.byteLength;
    entry.updatesSinceCompact -= updatesSinceCompact;
  }

  /** Bookkeeping after a change reached the store: versions, compaction. */
  private changed(entry: DocEntry, bytes: number): void {
    entry.bytes += bytes;
    entry.updatesSinceCompact++;
    entry.dirty = true;
    if (!entry.versionTimer) {
      entry.versionTimer = setTimeout(() => {
        entry.versionTimer = null;
        if (entry.dirty && this.docs.get(entry.name) === entry) {
          void this.enqueue(entry, () => this.housekeeping(entry, 'periodic version', () => this.versionNow(entry, VERSION_LABELS.periodic)));
        }
      }, this.versionEveryMs);
      entry.versionTimer.unref?.();
    }
    if (entry.updatesSinceCompact >= this.compactEveryUpdates) {
      void this.enqueue(entry, () => this.housekeeping(entry, 'compaction', () => this.compact(entry)));
    }
  }

  /**
   * Versions and compaction only tidy up what is already in the update log, so a failure is
   * logged, never thrown: from a timer it would crash the process, from a message handler it
   * would be mistaken for the client's fault.
   */
  private async housekeeping(entry: DocEntry, what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log('error', `yjs: ${what} failed`, { doc: entry.name, err: String(err) });
    }
  }

  /**
   * Changes made on the server (restore, server-side writers): persist, then broadcast to all, in
   * the document's queue (`settled` tells the writer when).
   */
  private onServerUpdate(entry: DocEntry, update: Uint8Array, origin: unknown): void {
    if (origin instanceof Connection) return; // client updates are persisted in applyClientUpdate
    entry.encoded = null;
    void this.enqueue(entry, async () => {
      try {
        entry.lastId = await this.store.append(entry.name, update);
      } catch (err) {
        // The memory copy is now ahead of the store: drop it so the store stays authoritative.
        this.log('error', 'yjs: cannot persist server-side change', { doc: entry.name, err: String(err) });
        this.evict(entry, CLOSE.internal, 'storage error');
        return;
      }
      this.changed(entry, update.byteLength);
      this.broadcast(entry, this.updateFrame(update), null);
    });
  }

  // --- messages --------------------------------------------------------------------------------

  /**
   * The checks a message passes on arrival, before it waits in the queue: size and rate. Over a
   * limit, the messages admitted before it are still handled (in order, as they would have been
   * had the store answered at once), and then the connection closes.
   */
  private admit(conn: Connection, data: Uint8Array): 'admit' | 'ignore' | { code: number; reason: string } {
    if (conn.closed || conn.refused) return 'ignore';
    const over =
      data.byteLength > this.limits.maxMessageBytes
        ? { code: CLOSE.tooLarge, reason: 'message too large' }
        : !this.takeToken(conn)
          ? { code: CLOSE.rateLimited, reason: 'too many messages' }
          : null;
    if (!over) return 'admit';
    conn.refused = true;
    return over;
  }

  private async onMessage(conn: Connection, data: Uint8Array): Promise<void> {
    if (conn.closed) return;
    const entry = conn.entry!;
    try {
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      if (type === messageSync) {
        const syncType = decoding.readVarUint(decoder);
        if (syncType === syncProtocol.messageYjsSyncStep1) {
          const stateVector = decoding.readVarUint8Array(decoder);
          const diff = this.diffFor(entry, stateVector);
          // Our own step 1 (which may have to build the Y.Doc) once the answer is on its way.
          this.send(conn, frame((e) => {
            encoding.writeVarUint(e, messageSync);
            encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
            encoding.writeVarUint8Array(e, diff);
          }), conn.step1Pending ? () => this.flushStep1(conn) : undefined);
        } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
          const update = decoding.readVarUint8Array(decoder);
          return await this.applyClientUpdate(conn, update);
        } else {
          this.closeConn(conn, CLOSE.malformed, 'unknown sync message');
        }
      } else if (type === messageAwareness) {
        awarenessProtocol.applyAwarenessUpdate(entry.awareness, decoding.readVarUint8Array(decoder), conn);
      } else if (type === messageQueryAwareness) {
        this.send(conn, this.awarenessFrame(entry, [...entry.awareness.getStates().keys()]));
      } else {
        // Auth (2) is never sent by clients; anything else is not y-websocket.
        this.closeConn(conn, CLOSE.malformed, 'unknown message type');
      }
    } catch (err) {
      // Decoding errors (truncated frames, bad state vectors, bad awareness JSON) change nothing.
      this.log('warn', 'yjs: malformed message', { doc: entry.name, userId: conn.info.userId, err: String(err) });
      this.closeConn(conn, CLOSE.malformed, 'malformed message');
    }
  }

  private async applyClientUpdate(conn: Connection, update: Uint8Array): Promise<void> {
    const entry = conn.entry!;
    if (isEmptyUpdate(update)) return;
    if (!conn.info.canWrite) {
      this.log('info', 'yjs: dropped update from read-only connection', { doc: entry.name, userId: conn.info.userId });
      return;
    }
    let doc: Y.Doc;
    try {
      doc = this.materialize(entry);
    } catch (err) {
      this.log('error', 'yjs: cannot load document', { doc: entry.name, err: String(err) });
      return this.evict(entry, CLOSE.internal, 'cannot load document');
    }
    let verdict: ReturnType<typeof checkUpdate>;
    try {
      // Full decode first: catches truncated or garbled updates before anything is touched. The
      // schema check then reads the decoded structs against the live document.
      verdict = checkUpdate(doc, this.schema, Y.decodeUpdate(update));
    } catch (err) {
      this.log('warn', 'yjs: malformed update', { doc: entry.name, userId: conn.info.userId, err: String(err) });
      return this.closeConn(conn, CLOSE.malformed, 'malformed update');
    }
    if (!verdict.ok) {
      this.log('warn', 'yjs: update refused by the document schema', { doc: entry.name, userId: conn.info.userId, reason: verdict.reason });
      return this.closeConn(conn, CLOSE.malformed, closeReason(`update refused: ${verdict.reason}`));
    }
    if (entry.bytes + update.byteLength > this.limits.maxDocBytes) {
      // `bytes` overestimates (duplicates, deleted content): measure before refusing.
      entry.bytes = this.encodedState(entry).byteLength;
      if (entry.bytes + update.byteLength > this.limits.maxDocBytes) {
        this.log('warn', 'yjs: document size limit reached', { doc: entry.name, bytes: entry.bytes });
        return this.closeConn(conn, CLOSE.tooLarge, 'document too large');
      }
    }
    if (conn.info.mayEdit) {
      const may = conn.info.mayEdit();
      if (!(may instanceof Promise ? await may : may) || conn.closed) return;
    }
    let stage = 'store' as 'store' | 'apply';
    try {
      // One transaction: if applying throws, the appended row is rolled back.
      await this.store.transaction(async () => {
        entry.lastId = await this.store.append(entry.name, update);
        stage = 'apply';
        entry.encoded = null;
        Y.applyUpdate(doc, update, conn);
        stage = 'store'; // a failing COMMIT comes after this
      });
    } catch (err) {
      // The in-memory document may hold part of the update (Yjs does not roll back). Drop it;
      // the others reconnect (4500) and resync from the store, which never saw the update.
      this.log('error', 'yjs: update failed', { doc: entry.name, userId: conn.info.userId, stage, err: String(err) });
      this.closeConn(conn, stage === 'apply' ? CLOSE.malformed : CLOSE.internal, 'update failed');
      this.evict(entry, CLOSE.internal, 'document reloaded');
      return;
    }
    this.changed(entry, update.byteLength);
    this.broadcast(entry, this.updateFrame(update), conn);
  }

  private onAwareness(entry: DocEntry, { added, updated, removed }: AwarenessChanges, origin: unknown): void {
    if (origin instanceof Connection) {
      for (const id of [...added, ...updated]) origin.awarenessIds.add(id);
      for (const id of removed) origin.awarenessIds.delete(id);
    }
    // To everyone, sender included, as y-websocket's server does (it keeps clocks in step).
    this.broadcast(entry, this.awarenessFrame(entry, [...added, ...updated, ...removed]), null);
  }

  // --- connections -----------------------------------------------------------------------------

  private takeToken(conn: Connection): boolean {
    const now = Date.now();
    const { messagesPerSecond, messageBurst } = this.limits;
    conn.tokens = Math.min(messageBurst, conn.tokens + ((now - conn.lastRefill) / 1000) * messagesPerSecond);
    conn.lastRefill = now;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  /** Closes and forgets a connection at once, so nothing it sends after this is processed. */
  private closeConn(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    this.log(code === 1001 ? 'debug' : 'info', 'yjs: closing connection', {
      doc: conn.info.docName,
      userId: conn.info.userId,
      code,
      reason,
    });
    try {
      conn.socket.close(code, reason);
    } catch {
      // already closed underneath us
    }
    this.onClose(conn);
  }

  private onClose(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    const { entry } = conn;
    if (!entry) return; // still loading: never joined
    entry.conns.delete(conn);
    if (this.docs.get(entry.name) !== entry) return; // evicted or unloaded already
    if (conn.awarenessIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(entry.awareness, [...conn.awarenessIds], null);
    }
    if (entry.conns.size === 0) this.scheduleUnload(entry);
  }

  private send(conn: Connection, data: Uint8Array, sent?: () => void): void {
    if (conn.closed) return;
    try {
      if (sent) conn.socket.send(data, sent);
      else conn.socket.send(data);
    } catch (err) {
      this.log('warn', 'yjs: send failed', { doc: conn.info.docName, err: String(err) });
      this.closeConn(conn, CLOSE.internal, 'send failed');
    }
  }

  private broadcast(entry: DocEntry, data: Uint8Array, except: Connection | null): void {
    // A failed send removes that connection from the set; a Set iterator tolerates that.
    for (const conn of entry.conns) if (conn !== except) this.send(conn, data);
  }

  private updateFrame(update: Uint8Array): Uint8Array {
    return frame((e) => {
      encoding.writeVarUint(e, messageSync);
      syncProtocol.writeUpdate(e, update);
    });
  }

  private awarenessFrame(entry: DocEntry, clients: number[]): Uint8Array {
    return frame((e) => {
      encoding.writeVarUint(e, messageAwareness);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(entry.awareness, clients));
    });
  }
}

interface AwarenessChanges {
  added: number[];
  updated: number[];
  removed: number[];
}

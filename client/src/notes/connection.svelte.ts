import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { errorCodeForClose, type ErrorCode } from '../../../shared/errors.ts';
import { messageAwareness, YJS_PATH_PREFIX } from '../../../shared/notes/protocol.ts';
import { awarenessClockOf, SaveTracker } from './save-tracker.ts';

/**
 * What the person is told about their notes: `saving` only once a change waited a moment for the
 * server (a healthy echo takes milliseconds, so it would only flicker), and `offline` also when the
 * socket looks open but nothing comes back: a laptop that lost its Wi-Fi often gets no close event
 * for half a minute. Changes are in IndexedDB either way, so "offline" never means "lost".
 */
export type SaveState = 'connecting' | 'saving' | 'saved' | 'offline' | 'closed';

const SAVING_AFTER_MS = 1000;
const STALLED_AFTER_MS = 5000;
/** Without some awareness traffic after a change there is nothing for the server to echo. */
const CHECKPOINT_AFTER_MS = 250;

/** Longest the server connection waits for this browser's stored copy (IndexedDB may be unavailable). */
const STORED_COPY_WAIT_MS = 3000;

/**
 * User Timing marks of opening the document (`performance.getEntriesByName`): bench:notes reads
 * them to split opening a large room into load, transfer, apply and render; so can a person in
 * the browser's performance panel.
 */
export const TIMING = {
  start: 'kijkkamer:notes:start',
  stored: 'kijkkamer:notes:stored',
  connect: 'kijkkamer:notes:connect',
  synced: 'kijkkamer:notes:synced',
  /** A measure: applying the server's sync step 2. */
  apply: 'kijkkamer:notes:apply',
  rendered: 'kijkkamer:notes:rendered',
  allRendered: 'kijkkamer:notes:all-rendered',
} as const;

/** Close codes the server uses for refusals that reconnecting cannot fix (docs/protocol.md). */
const isPermanentClose = (code: number): boolean => code >= 4400 && code < 4500;

/**
 * One Yjs document kept in step with the server over the standard y-websocket protocol and kept in
 * this browser with y-indexeddb, so edits survive a lost connection and a closed tab and merge
 * when the server is back.
 */
export class DocConnection {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  private readonly persistence: IndexeddbPersistence;
  private readonly tracker = new SaveTracker();
  private phase = $state<'connecting' | 'online' | 'offline' | 'closed'>('connecting');
  private synced = $state(false);
  /** Until the first sync, a connection that is up is still "connecting", not "saving". */
  private everSynced = $state(false);
  private pendingSince = $state<number | null>(null);
  private now = $state(Date.now());
  /** Why the server refused this document for good, if it did. */
  closedWith = $state<ErrorCode | 'unknown' | null>(null);
  private ticker: ReturnType<typeof setInterval> | null = null;
  private checkpointTimer: ReturnType<typeof setTimeout> | null = null;
  /** This browser's stored copy is in `doc` (or did not come in time): connecting may start. */
  private storedLoaded = false;
  private destroyed = false;

  readonly saveState: SaveState = $derived.by(() => {
    if (this.phase === 'closed') return 'closed';
    if (this.phase === 'connecting' || (this.phase === 'online' && !this.everSynced)) return 'connecting';
    if (this.phase === 'offline') return 'offline';
    const waited = this.pendingSince === null ? 0 : this.now - this.pendingSince;
    if (waited >= STALLED_AFTER_MS) return 'offline';
    if (!this.synced || waited >= SAVING_AFTER_MS) return 'saving';
    return 'saved';
  });

  /** Resolves at the first sync with the server. */
  readonly firstSync: Promise<void>;
  private readonly timed: boolean;

  /** `timed`: leave the User Timing marks (for the room's shared document only, so they are unambiguous). */
  constructor(docName: string, storageKey: string, timed = false) {
    this.timed = timed;
    this.mark(TIMING.start);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // BroadcastChannel sync between tabs is off: every change goes through the server, which
    // checks the permission to write, and IndexedDB already covers this browser.
    this.provider = new WebsocketProvider(`${scheme}//${location.host}${YJS_PATH_PREFIX}`, docName, this.doc, { connect: false, disableBc: true });
    this.persistence = new IndexeddbPersistence(storageKey, this.doc);
    this.hookAwareness();

    // Registered after the provider's own listener, so by the time a change is counted it is sent.
    this.doc.on('update', this.onUpdate);
    this.provider.on('status', ({ status }) => {
      if (status === 'connected') this.phase = 'online';
    });
    this.provider.on('connection-close', () => {
      this.synced = false;
      this.tracker.lost();
      if (this.phase !== 'closed') this.phase = 'offline';
    });
    this.provider.on('closed', ({ code }) => this.onPermanentClose(code));
    let firstSynced!: () => void;
    this.firstSync = new Promise((resolve) => (firstSynced = resolve));
    this.timeFirstApply();
    this.provider.on('sync', (synced: boolean) => {
      this.synced = synced;
      if (!synced) return;
      if (!this.everSynced) {
        this.mark(TIMING.synced);
        firstSynced();
      }
      this.everSynced = true;
      // The resync itself sent our offline changes (sync step 2): count it as a change to confirm.
      this.tracker.changed();
      this.refresh();
      this.scheduleCheckpoint(0);
    });
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    // Connect once this browser's copy is loaded, so our state vector names it and the server sends
    // only what we lack: otherwise a large room travels (and is applied) twice.
    let storedWait: ReturnType<typeof setTimeout> | undefined;
    void Promise.race([this.persistence.whenSynced, new Promise((resolve) => (storedWait = setTimeout(resolve, STORED_COPY_WAIT_MS)))]).then(() => {
      clearTimeout(storedWait);
      this.mark(TIMING.stored);
      this.storedLoaded = true;
      if (this.destroyed || this.phase === 'closed') return;
      if (navigator.onLine) this.connectNow();
      else this.phase = 'offline';
    });
  }

  private connectNow(): void {
    if (!this.storedLoaded) return; // the stored copy's arrival connects
    this.mark(TIMING.connect);
    this.provider.connect();
  }

  private mark(name: string): void {
    if (this.timed) performance.mark(name);
  }

  /** Measures the apply of the server's first answer (the provider is its origin, before the first sync). */
  private timeFirstApply(): void {
    if (!this.timed) return;
    let started = 0;
    const before = (tr: Y.Transaction) => {
      if (tr.origin === this.provider && !this.everSynced) started = performance.now();
    };
    const after = (tr: Y.Transaction) => {
      if (tr.origin !== this.provider || started === 0) return;
      performance.measure(TIMING.apply, { start: started, end: performance.now() });
      this.doc.off('beforeTransaction', before);
      this.doc.off('afterTransaction', after);
    };
    this.doc.on('beforeTransaction', before);
    this.doc.on('afterTransaction', after);
  }

  get awareness() {
    return this.provider.awareness;
  }

  /** After a refusal that may pass (rate limit), try again on the person's request. */
  reconnect(): void {
    this.closedWith = null;
    this.phase = navigator.onLine ? 'connecting' : 'offline';
    if (navigator.onLine) this.connectNow();
  }

  /** Stops syncing, e.g. when the room session ended; what is stored locally stays. */
  disconnect(): void {
    this.provider.disconnect();
    if (this.phase !== 'closed') this.phase = 'offline';
  }

  destroy(): void {
    this.destroyed = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    this.stopTimers();
    this.doc.off('update', this.onUpdate);
    this.provider.destroy();
    // Also destroys the IndexedDB persistence and the awareness.
    this.doc.destroy();
  }

  private onUpdate = (_update: Uint8Array, origin: unknown): void => {
    // Only our own edits need confirming: the server's come from the server, and IndexedDB's
    // were counted (or resynced) when they were first made.
    if (origin === this.provider || origin === this.persistence) return;
    this.tracker.changed();
    this.refresh();
    this.scheduleCheckpoint(CHECKPOINT_AFTER_MS);
  };

  private onOnline = (): void => {
    if (this.phase !== 'closed') this.connectNow();
  };

  /** The browser knows it is offline: stop the futile reconnect attempts until it is back. */
  private onOffline = (): void => {
    if (this.phase === 'closed') return;
    this.provider.disconnect();
    this.phase = 'offline';
  };

  private onPermanentClose(code: number): void {
    if (!isPermanentClose(code)) return;
    this.phase = 'closed';
    this.closedWith = errorCodeForClose(code) ?? 'unknown';
    this.synced = false;
    // The room was deleted: its notes must not outlive it in this browser either. Other refusals
    // (signed out, access changed) keep unsent work, which a later session can still deliver.
    if (this.closedWith === 'not_found' || this.closedWith === 'gone') void this.persistence.clearData();
  }

  /**
   * Sends only our own awareness state (y-websocket also relays every peer's state back to the
   * server, which multiplies traffic by the room size and eats the per-connection rate limit), and
   * notes each send on the synced connection as a checkpoint for the save tracker. The server's
   * echo of our own state is read before y-websocket handles the frame (it ignores its own
   * client's echoes, so no event would tell us).
   */
  private hookAwareness(): void {
    const { provider, awareness } = this;
    const send = provider._awarenessUpdateHandler;
    awareness.off('update', send);
    provider._awarenessUpdateHandler = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const me = this.doc.clientID;
      if (![...added, ...updated, ...removed].includes(me)) return;
      const own = { added: added.filter((id) => id === me), updated: updated.filter((id) => id === me), removed: removed.filter((id) => id === me) };
      send(own, origin);
      const clock = awareness.meta.get(me)?.clock;
      if (clock !== undefined && provider.wsconnected && provider.synced) this.tracker.sent(clock);
    };
    awareness.on('update', provider._awarenessUpdateHandler);

    const handle = provider.messageHandlers[messageAwareness]!;
    provider.messageHandlers[messageAwareness] = (encoder, decoder, p, emitSynced, type) => {
      try {
        const clock = awarenessClockOf(decoding.readVarUint8Array(decoding.clone(decoder)), this.doc.clientID);
        if (clock !== null && this.tracker.echoed(clock)) this.refresh();
      } catch {
        // A frame we cannot read is y-websocket's to reject below; it only means no confirmation.
      }
      handle(encoder, decoder, p, emitSynced, type);
    };
  }

  /** Re-sends our unchanged awareness state: a cheap frame for the server to echo back. */
  private scheduleCheckpoint(delay: number): void {
    if (this.checkpointTimer) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = null;
      const state = this.awareness.getLocalState();
      if (this.tracker.needsCheckpoint && state !== null && this.provider.synced) this.awareness.setLocalState(state);
    }, delay);
  }

  private refresh(): void {
    this.pendingSince = this.tracker.pendingSince;
    this.now = Date.now();
    if (this.tracker.pending && !this.ticker) {
      this.ticker = setInterval(() => (this.now = Date.now()), 500);
    } else if (!this.tracker.pending && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  private stopTimers(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.ticker = this.checkpointTimer = null;
  }
}

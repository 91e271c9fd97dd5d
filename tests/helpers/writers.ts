/**
 * Clients for durability tests: y-websocket providers that record what they RECEIVED from others
 * (a write another client received is acknowledged, docs/protocol.md), and writers that keep
 * writing observations while doing the same.
 */
import * as Y from 'yjs';
import { addObservation, deleteObservation, observationsMap, observationText } from '../../shared/notes/doc.ts';
import type { TestProvider } from './yjs.ts';

/** A small seeded generator (mulberry32), so a round's kill moment can be replayed from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One write a writer made; `token` is unique and delimited, so a substring match is exact. */
export interface Write {
  writer: number;
  kind: 'create' | 'append' | 'delete';
  obsId: string;
  token: string;
}

export const TOKEN = /\[w(\d+)#\d+\]/g;

/**
 * A provider in the room that records what it RECEIVED from others: every token that ever reached
 * its document from the server, and every observation added or removed by someone else. Tracked
 * as events arrive, because a later delete can take a token out of the current view.
 */
export class Client {
  readonly received = new Set<string>();
  readonly addedByOthers = new Set<string>();
  readonly removedByOthers = new Set<string>();
  readonly unexpectedCloses: (number | null)[] = [];
  serverUp = true;
  closedAfterKill = false;
  readonly p: TestProvider;

  constructor(p: TestProvider) {
    this.p = p;
    const observations = observationsMap(p.doc);
    observations.observeDeep((events, transaction) => {
      if (transaction.local) return;
      for (const event of events) {
        if (event.target === observations) {
          for (const [key, change] of event.keys) {
            if (change.action === 'delete') this.removedByOthers.add(key);
            if (change.action !== 'add') continue;
            this.addedByOthers.add(key);
            for (const t of observationText(p.doc, key)?.toString().match(TOKEN) ?? []) this.received.add(t);
          }
        } else if (event.target instanceof Y.Text) {
          for (const d of event.delta) if (typeof d.insert === 'string') for (const t of d.insert.match(TOKEN) ?? []) this.received.add(t);
        }
      }
    });
    p.provider.on('connection-close', (event: { code: number } | null) => {
      if (this.serverUp) this.unexpectedCloses.push(event?.code ?? null);
      else this.closedAfterKill = true;
    });
  }

  saw(w: Write): boolean {
    if (w.kind === 'delete') return this.addedByOthers.has(w.obsId) && this.removedByOthers.has(w.obsId);
    return this.received.has(w.token);
  }
}

/** A client that also keeps writing: new observations, appends to its own texts, the odd delete. */
export class Writer extends Client {
  readonly writes: Write[] = [];
  private readonly own: string[] = [];
  private n = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  readonly index: number;
  readonly everyMs: number;

  constructor(index: number, p: TestProvider, everyMs: number) {
    super(p);
    this.index = index;
    this.everyMs = everyMs;
  }

  start(offset: number): void {
    const tick = () => {
      this.write();
      this.timer = setTimeout(tick, this.everyMs);
    };
    // Writers start spread over one interval, so the stream is even rather than in bursts of ten.
    this.timer = setTimeout(tick, offset);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private write(): void {
    const n = this.n++;
    const token = `[w${this.index}#${n}]`;
    const doc = this.p.doc;
    if (this.own.length === 0 || n % 4 === 0) {
      const obsId = addObservation(doc, { start: n, end: n % 3 === 0 ? n + 5 : null, themes: ['weerstand'], kind: 'zie', text: token, authorId: `writer-${this.index}`, authorName: `Schrijver ${this.index}`, role: 'onderzoeker' });
      this.own.push(obsId);
      this.writes.push({ writer: this.index, kind: 'create', obsId, token });
    } else if (n % 17 === 0 && this.own.length > 3) {
      const obsId = this.own.splice(n % this.own.length, 1)[0]!;
      deleteObservation(doc, obsId);
      this.writes.push({ writer: this.index, kind: 'delete', obsId, token });
    } else {
      const obsId = this.own[n % this.own.length]!;
      const text = observationText(doc, obsId)!;
      text.insert(text.length, ` ${token}`);
      this.writes.push({ writer: this.index, kind: 'append', obsId, token });
    }
  }
}


/** The acknowledged writes a restored document lacks (each observation's text by id). */
export function lostWrites(restored: Map<string, string>, acknowledged: readonly Write[], all: readonly Write[]): Write[] {
  const deleted = new Set(all.filter((w) => w.kind === 'delete').map((w) => w.obsId));
  return acknowledged.filter((w) => {
    if (w.kind === 'delete') return restored.has(w.obsId);
    const text = restored.get(w.obsId);
    // A later delete of the same observation may have reached the store unseen: that is fine.
    if (text === undefined) return !deleted.has(w.obsId);
    return !text.includes(w.token);
  });
}

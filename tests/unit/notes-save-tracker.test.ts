import { describe, expect, it } from 'vitest';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { awarenessClockOf, SaveTracker } from '../../client/src/notes/save-tracker.ts';

describe('reading our own clock from an awareness update', () => {
  it('finds the clock of the given client among several, and null when it is absent', () => {
    const a = new Awareness(new Y.Doc());
    const b = new Awareness(new Y.Doc());
    a.setLocalState({ user: { name: 'Karin' } });
    a.setLocalState({ user: { name: 'Karin' }, typing: true });
    b.setLocalState({ user: { name: 'Coen' } });
    // Put b's state into a, so one update carries both clients, as the server's echoes can.
    const both = new Awareness(new Y.Doc());
    for (const [source, id] of [[a, a.clientID], [b, b.clientID]] as const) {
      const update = encodeAwarenessUpdate(source, [id]);
      expect(awarenessClockOf(update, id)).toBe(source.meta.get(id)!.clock);
    }
    const combined = new Uint8Array([
      2,
      ...encodeAwarenessUpdate(a, [a.clientID]).slice(1),
      ...encodeAwarenessUpdate(b, [b.clientID]).slice(1),
    ]);
    expect(awarenessClockOf(combined, b.clientID)).toBe(b.meta.get(b.clientID)!.clock);
    expect(awarenessClockOf(combined, both.clientID)).toBeNull();
    for (const x of [a, b, both]) x.destroy();
  });
});

describe('SaveTracker', () => {
  it('is saved with no changes, pending after one, saved once the state sent after it comes back', () => {
    const t = new SaveTracker();
    expect(t.pending).toBe(false);
    t.changed(100);
    expect(t.pending).toBe(true);
    expect(t.pendingSince).toBe(100);
    expect(t.needsCheckpoint).toBe(true);
    t.sent(7);
    expect(t.needsCheckpoint).toBe(false);
    expect(t.echoed(6)).toBe(false);
    expect(t.pending).toBe(true);
    expect(t.echoed(7)).toBe(true);
    expect(t.pending).toBe(false);
    expect(t.pendingSince).toBeNull();
  });

  it('confirms only the changes made before the echoed state was sent', () => {
    const t = new SaveTracker();
    t.changed(1);
    t.sent(1);
    t.changed(2);
    t.changed(3);
    t.sent(2);
    t.changed(4);
    expect(t.echoed(1)).toBe(true);
    expect(t.pendingSince).toBe(2);
    expect(t.echoed(2)).toBe(true);
    expect(t.pending).toBe(true);
    expect(t.pendingSince).toBe(4);
    expect(t.needsCheckpoint).toBe(true);
  });

  it('does not count a state sent with nothing new as a checkpoint', () => {
    const t = new SaveTracker();
    t.changed(1);
    t.sent(1);
    t.sent(2);
    expect(t.echoed(1)).toBe(true);
    expect(t.echoed(2)).toBe(false);
  });

  it('forgets what was in flight when the connection drops, so only a new round trip confirms', () => {
    const t = new SaveTracker();
    t.changed(1);
    t.sent(1);
    t.lost();
    expect(t.echoed(1)).toBe(false);
    expect(t.pending).toBe(true);
    expect(t.needsCheckpoint).toBe(true);
    t.sent(5);
    expect(t.echoed(5)).toBe(true);
    expect(t.pending).toBe(false);
  });
});

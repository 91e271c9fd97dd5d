import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCorrection, replay, type Correction, type SpeakerTrack } from '../../shared/spreektijd/corrections.ts';
import { SPEAKER_IDS, speakerLabel, type Speaker } from '../../shared/spreektijd/types.ts';

const track = (): SpeakerTrack => ({
  speakers: [
    { id: 's1', role: null, name: '' },
    { id: 's2', role: null, name: '' },
  ],
  turns: [
    { id: 't1', speaker: 's1', start: 0, end: 5, overlap: false },
    { id: 't2', speaker: 's2', start: 5, end: 9, overlap: false },
    { id: 't3', speaker: 's1', start: 10, end: 12, overlap: false },
  ],
});

function apply(c: Correction, base = track()): SpeakerTrack {
  const result = applyCorrection(base, c, 'c1');
  if (!result.ok) throw new Error(result.message);
  return result.track;
}
const refused = (c: Correction, base = track()): string => {
  const result = applyCorrection(base, c, 'c1');
  if (result.ok) throw new Error('accepted');
  return result.message;
};

describe('spreektijd corrections', () => {
  it('gives a turn to another speaker, also one the analysis did not find, without touching the input', () => {
    const base = track();
    const after = apply({ type: 'speaker', turnId: 't1', speaker: 's3' }, base);
    expect(after.turns[0]!.speaker).toBe('s3');
    expect(after.speakers.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect(base.turns[0]!.speaker).toBe('s1');
  });

  it('moves a boundary, pushing a touching neighbour along but never swallowing it', () => {
    expect(apply({ type: 'boundary', turnId: 't1', edge: 'end', time: 6 }).turns.slice(0, 2).map((t) => [t.start, t.end])).toEqual([
      [0, 6],
      [6, 9],
    ]);
    expect(apply({ type: 'boundary', turnId: 't3', edge: 'start', time: 8.5 }).turns.slice(1).map((t) => [t.start, t.end])).toEqual([
      [5, 8.5],
      [8.5, 12],
    ]);
    expect(apply({ type: 'boundary', turnId: 't2', edge: 'end', time: 9.5 }).turns[1]!.end).toBe(9.5);
    expect(refused({ type: 'boundary', turnId: 't1', edge: 'end', time: 9 })).toMatch(/merge/);
    expect(refused({ type: 'boundary', turnId: 't2', edge: 'start', time: 9 })).toMatch(/cannot start after/);
    expect(refused({ type: 'boundary', turnId: 't1', edge: 'start', time: -1 })).toMatch(/before the recording/);
  });

  it('splits a turn in two (the second part gets the new id) and merges a turn with the next', () => {
    const split = apply({ type: 'split', turnId: 't2', at: 7 });
    expect(split.turns.map((t) => [t.id, t.speaker, t.start, t.end])).toEqual([
      ['t1', 's1', 0, 5],
      ['t2', 's2', 5, 7],
      ['c1', 's2', 7, 9],
      ['t3', 's1', 10, 12],
    ]);
    expect(refused({ type: 'split', turnId: 't2', at: 9 })).toMatch(/inside/);
    const merged = apply({ type: 'merge', turnId: 't1' });
    expect(merged.turns.map((t) => [t.id, t.speaker, t.start, t.end])).toEqual([
      ['t1', 's1', 0, 9],
      ['t3', 's1', 10, 12],
    ]);
    expect(refused({ type: 'merge', turnId: 't3' })).toMatch(/last turn/);
  });

  it('marks overlaps: an added overlap lies over other turns, a plain added turn must fit in a silence', () => {
    const over = apply({ type: 'add', speaker: 's2', start: 1, end: 2, overlap: true });
    expect(over.turns.map((t) => t.id)).toEqual(['t1', 'c1', 't2', 't3']);
    expect(refused({ type: 'add', speaker: 's2', start: 1, end: 2, overlap: false })).toMatch(/overlap/);
    expect(apply({ type: 'add', speaker: 's2', start: 9.2, end: 9.8, overlap: false }).turns).toHaveLength(4);
    expect(refused({ type: 'add', speaker: 's2', start: 3, end: 3, overlap: true })).toMatch(/end after/);
    // An overlap lying on another turn cannot be unmarked; one in a silence can.
    expect(refused({ type: 'overlap', turnId: 'c1', overlap: false }, over)).toMatch(/only be an overlap/);
    expect(apply({ type: 'overlap', turnId: 't3', overlap: true }).turns[2]!.overlap).toBe(true);
    expect(refused({ type: 'merge', turnId: 'c1' }, over)).toMatch(/unmark/);
  });

  it('removes a turn, names a speaker, and refuses a turn that is gone', () => {
    expect(apply({ type: 'remove', turnId: 't2' }).turns.map((t) => t.id)).toEqual(['t1', 't3']);
    const named = apply({ type: 'name', speaker: 's2', role: 'client', name: '  Mevrouw B. ' });
    expect(named.speakers[1]).toEqual({ id: 's2', role: 'client', name: 'Mevrouw B.' });
    expect(refused({ type: 'remove', turnId: 't9' })).toMatch(/no longer exists/);
  });

  it('replays a log in order and skips what no longer applies', () => {
    const log: { correction: Correction; newId: string }[] = [
      { correction: { type: 'split', turnId: 't1', at: 2 }, newId: 'c1' },
      { correction: { type: 'speaker', turnId: 'c1', speaker: 's2' }, newId: 'c2' },
      { correction: { type: 'remove', turnId: 't9' }, newId: 'c3' },
      { correction: { type: 'merge', turnId: 'c1' }, newId: 'c4' },
    ];
    expect(replay(track(), log).turns.map((t) => [t.id, t.speaker, t.start, t.end])).toEqual([
      ['t1', 's1', 0, 2],
      ['c1', 's2', 2, 9],
      ['t3', 's1', 10, 12],
    ]);
  });

  it('whatever the host does, the turns stay sorted and the floor turns never overlap', () => {
    const id = fc.constantFrom('t1', 't2', 't3', 'c1', 'c2', 'c3');
    const time = fc.double({ min: 0, max: 15, noNaN: true });
    const speaker = fc.constantFrom(...SPEAKER_IDS);
    const correction: fc.Arbitrary<Correction> = fc.oneof(
      fc.record({ type: fc.constant('speaker' as const), turnId: id, speaker }),
      fc.record({ type: fc.constant('boundary' as const), turnId: id, edge: fc.constantFrom('start' as const, 'end' as const), time }),
      fc.record({ type: fc.constant('split' as const), turnId: id, at: time }),
      fc.record({ type: fc.constant('merge' as const), turnId: id }),
      fc.record({ type: fc.constant('overlap' as const), turnId: id, overlap: fc.boolean() }),
      fc.record({ type: fc.constant('add' as const), speaker, start: time, end: time, overlap: fc.boolean() }),
      fc.record({ type: fc.constant('remove' as const), turnId: id }),
    );
    fc.assert(
      fc.property(fc.array(correction, { maxLength: 12 }), (corrections) => {
        const result = replay(
          track(),
          corrections.map((c, i) => ({ correction: c, newId: `c${i + 1}` })),
        );
        const starts = result.turns.map((t) => t.start);
        expect(starts).toEqual([...starts].sort((a, b) => a - b));
        const floor = result.turns.filter((t) => !t.overlap);
        for (let i = 1; i < floor.length; i++) expect(floor[i]!.start).toBeGreaterThanOrEqual(floor[i - 1]!.end);
        for (const t of result.turns) expect(t.end).toBeGreaterThan(t.start);
      }),
    );
  });
});

describe('speaker labels', () => {
  const speakers: Speaker[] = [
    { id: 's1', role: 'klantmanager', name: 'Karin de Vries' },
    { id: 's2', role: 'client', name: '' },
    { id: 's3', role: null, name: '' },
  ];
  it('name first, the role when pseudonymised or unnamed, else "Spreker n"', () => {
    expect(speakers.map((s) => speakerLabel(s, speakers))).toEqual(['Karin de Vries', 'Cliënt', 'Spreker 3']);
    expect(speakers.map((s) => speakerLabel(s, speakers, true))).toEqual(['Klantmanager', 'Cliënt', 'Spreker 3']);
    const two: Speaker[] = [
      { id: 's1', role: 'anders', name: '' },
      { id: 's2', role: 'anders', name: '' },
    ];
    expect(two.map((s) => speakerLabel(s, two))).toEqual(['Andere spreker 1', 'Andere spreker 2']);
  });
});

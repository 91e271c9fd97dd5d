import { describe, expect, it } from 'vitest';
import { beurten, chains, figures, lengthClass, lengths, monologues, overlaps, pauses, shares, tempo } from '../../shared/spreektijd/figures.ts';
import type { SpeakerId, Turn } from '../../shared/spreektijd/types.ts';

let n = 0;
const turn = (speaker: SpeakerId, start: number, end: number, overlap = false): Turn => ({ id: `t${++n}`, speaker, start, end, overlap });

describe('spreektijd figures', () => {
  it('beurten join one speaker’s turns until someone else speaks or a pause falls', () => {
    const turns = [turn('s1', 0, 3), turn('s1', 4, 6), turn('s2', 6.5, 8), turn('s2', 11, 12), turn('s1', 12.2, 13)];
    expect(beurten(turns).map((b) => [b.speaker, b.start, b.end, b.turnIds.length])).toEqual([
      ['s1', 0, 6, 2],
      ['s2', 6.5, 8, 1],
      ['s2', 11, 12, 1],
      ['s1', 12.2, 13, 1],
    ]);
  });

  it('talk share in seconds and percent of all speaking time, overlaps counted for their speaker', () => {
    const turns = [turn('s1', 0, 30), turn('s2', 31, 41), turn('s2', 10, 12, true)];
    const [km, client] = shares(turns, ['s1', 's2']);
    expect(km).toEqual({ speaker: 's1', seconds: 30, percent: 71.4, beurten: 1, meanBeurt: 30 });
    expect(client).toEqual({ speaker: 's2', seconds: 12, percent: 28.6, beurten: 1, meanBeurt: 10 });
    expect(shares([], ['s1'])).toEqual([{ speaker: 's1', seconds: 0, percent: 0, beurten: 0, meanBeurt: 0 }]);
  });

  it('the five longest uninterrupted beurten, longest first, earliest first on a tie', () => {
    const turns = [
      turn('s1', 0, 10),
      turn('s2', 10.5, 12),
      turn('s1', 12.5, 40),
      turn('s2', 41, 51),
      turn('s1', 52, 53),
      turn('s2', 53.5, 63.5),
      turn('s1', 64, 70),
    ];
    const top = monologues(turns);
    expect(top.map((b) => [b.speaker, b.start, b.end])).toEqual([
      ['s1', 12.5, 40],
      ['s1', 0, 10],
      ['s2', 41, 51],
      ['s2', 53.5, 63.5],
      ['s1', 64, 70],
    ]);
    expect(monologues(turns, 1)).toHaveLength(1);
  });

  it('turn lengths per class: under 2 s, 2–5, 5–10, 10–20, 20–40, 40–60, 60 s and more', () => {
    expect([0.5, 2, 4.99, 5, 19.9, 20, 59, 60, 600].map(lengthClass)).toEqual([0, 1, 1, 2, 3, 4, 5, 6, 6]);
    const turns = [turn('s1', 0, 1), turn('s2', 1.2, 3.2), turn('s1', 3.5, 70)];
    expect(lengths(turns, ['s1', 's2'])).toEqual([
      { speaker: 's1', counts: [1, 0, 0, 0, 0, 0, 1] },
      { speaker: 's2', counts: [0, 1, 0, 0, 0, 0, 0] },
    ]);
  });

  it('ping-pong: four or more short alternating beurten; a long one or a pause ends the chain', () => {
    const turns = [
      turn('s1', 0, 20),
      // A chain of five.
      turn('s2', 20.3, 21),
      turn('s1', 21.3, 22),
      turn('s2', 22.3, 24),
      turn('s1', 24.2, 25),
      turn('s2', 25.3, 27),
      turn('s1', 27.5, 40),
      // Three short ones only.
      turn('s2', 40.2, 41),
      turn('s1', 41.3, 42),
      turn('s2', 42.3, 43),
      // A pause breaks what would otherwise be four.
      turn('s1', 50, 51),
      turn('s2', 51.2, 52),
      turn('s1', 52.2, 53),
    ];
    expect(chains(turns)).toEqual([{ start: 20.3, end: 27, beurten: 5, speakers: ['s2', 's1'] }]);
    expect(chains(turns, 3).map((c) => [c.start, c.beurten])).toEqual([
      [20.3, 5],
      [40.2, 3],
      [50, 3],
    ]);
  });

  it('pauses of 2 s (measured from 1.75 s) between any speech, with who spoke before and who broke them', () => {
    const turns = [turn('s1', 0, 5), turn('s2', 7, 9), turn('s2', 10.7, 12), turn('s1', 13, 14), turn('s1', 16.5, 18), turn('s2', 17, 30, true)];
    expect(pauses(turns)).toEqual([
      { start: 5, end: 7, before: 's1', brokenBy: 's2' },
      { start: 14, end: 16.5, before: 's1', brokenBy: 's1' },
    ]);
    // 1.7 s is not a pause; an overlap that goes on after a beurt keeps the silence from starting.
    expect(pauses([turn('s1', 0, 1), turn('s2', 2.7, 3)])).toEqual([]);
    expect(pauses([turn('s1', 0, 1), turn('s2', 0.5, 4, true), turn('s1', 5, 6)])).toEqual([]);
  });

  it('overlaps the host marked, and whose beurt each lies on', () => {
    const turns = [turn('s1', 0, 10), turn('s2', 3, 4, true), turn('s2', 11, 12), turn('s1', 20, 21, true)];
    expect(overlaps(turns).map((o) => [o.speaker, o.start, o.over])).toEqual([
      ['s2', 3, 's1'],
      ['s1', 20, null],
    ]);
  });

  it('tempo: changes of speaker per minute, in stretches of at least a minute', () => {
    const turns: Turn[] = [];
    // First minute: a change every 5 s; second minute: one long beurt.
    for (let t = 0; t < 60; t += 5) turns.push(turn(t % 10 === 0 ? 's1' : 's2', t, t + 4.5));
    turns.push(turn('s1', 60, 119));
    turns.push(turn('s2', 119.5, 120));
    const points = tempo(turns);
    expect(points.map((p) => [p.start, p.end, p.perMinute])).toEqual([
      [0, 60, 11],
      [60, 120, 2],
    ]);
    expect(tempo([])).toEqual([]);
  });

  it('all figures at once, and none for no turns', () => {
    const turns = [turn('s1', 10, 20), turn('s2', 21, 31)];
    const all = figures(turns, ['s1', 's2']);
    expect(all).toMatchObject({ conversationSeconds: 21, speechSeconds: 20, changesPerMinute: 2.9, pauses: [], chains: [], overlaps: [] });
    expect(figures([], ['s1'])).toMatchObject({ conversationSeconds: 0, speechSeconds: 0, changesPerMinute: 0, monologues: [], tempo: [] });
  });
});

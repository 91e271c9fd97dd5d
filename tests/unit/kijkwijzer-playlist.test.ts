import { describe, expect, it } from 'vitest';
import { playlistStep, type PlaylistPhase } from '../../client/src/kijkwijzer/playlist.ts';

const fragment = { start: 10, end: 20 };

/** Feeds positions like a playing video's updates and returns the phases and pauses they caused. */
function run(start: PlaylistPhase, positions: number[], paused = false) {
  let phase = start;
  const pauses: number[] = [];
  for (const position of positions) {
    const step = playlistStep(phase, fragment, position, paused);
    phase = step.phase;
    if (step.pauseAt !== null) pauses.push(step.pauseAt);
  }
  return { phase, pauses };
}

describe('the fragments playlist', () => {
  it('ignores the old position until the seek to the start has landed', () => {
    expect(run('seeking', [35, 35.2])).toEqual({ phase: 'seeking', pauses: [] });
    expect(run('seeking', [35, 10.01])).toEqual({ phase: 'playing', pauses: [] });
  });

  it('pauses once, at the fragment end, when playback reaches it', () => {
    expect(run('seeking', [10, 12, 15.5, 19.8, 19.97, 20.1, 20.2])).toEqual({ phase: 'ended', pauses: [20] });
  });

  it('also pauses after an overshoot of a few updates', () => {
    expect(run('playing', [19.7, 20.4])).toEqual({ phase: 'ended', pauses: [20] });
  });

  it('stops steering when someone takes the room elsewhere', () => {
    expect(run('playing', [12, 45, 46])).toEqual({ phase: 'idle', pauses: [] });
    expect(run('playing', [12, 2])).toEqual({ phase: 'idle', pauses: [] });
  });

  it('does not pause what is already paused at the end', () => {
    expect(run('playing', [20], true)).toEqual({ phase: 'ended', pauses: [] });
  });

  it('does nothing when idle or ended', () => {
    expect(run('idle', [19.99, 20])).toEqual({ phase: 'idle', pauses: [] });
    expect(run('ended', [20, 21])).toEqual({ phase: 'ended', pauses: [] });
  });
});

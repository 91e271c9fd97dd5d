import { describe, expect, it } from 'vitest';
import { parseFragmentForm } from '../../client/src/kijkwijzer/view.ts';

describe('the fragment form', () => {
  it('turns typed timecodes into seconds', () => {
    expect(parseFragmentForm({ title: 'Begin', start: '1:02', end: '1:04,5' })).toEqual({ start: 62, end: 64.5 });
  });

  it('names what is wrong: no title, an unreadable time, or an end before the start', () => {
    expect(parseFragmentForm({ title: '  ', start: '0:01', end: '0:02' })).toEqual({ problem: 'title' });
    expect(parseFragmentForm({ title: 'x', start: 'straks', end: '0:02' })).toEqual({ problem: 'start' });
    expect(parseFragmentForm({ title: 'x', start: '0:01', end: '0:75' })).toEqual({ problem: 'end' });
    expect(parseFragmentForm({ title: 'x', start: '0:05', end: '0:05' })).toEqual({ problem: 'order' });
    expect(parseFragmentForm({ title: 'x', start: '-0:05', end: '0:05' })).toEqual({ problem: 'start' });
  });
});

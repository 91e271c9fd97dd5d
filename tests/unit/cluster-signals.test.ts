import { describe, expect, it } from 'vitest';
import { LocalSignals, parseSignal, type ClusterSignal } from '../../server/src/cluster/signals.ts';

const valid: ClusterSignal[] = [
  { kind: 'participants-ended', roomId: 'room1234', participantIds: ['a1', 'b2'], reason: { code: 'forbidden', message: 'The host has withdrawn your invite link.' } },
  { kind: 'participants-ended', roomId: 'room1234', participantIds: 'all', reason: { code: 'gone', message: 'This room has been deleted.' } },
  { kind: 'sessions-ended', sessionIds: ['x'.repeat(43)] },
  { kind: 'permissions-changed', roomId: 'room1234', overrides: { meekijker: { editObservations: true } }, participantIds: ['a1'] },
  { kind: 'room-deleted', roomId: 'room1234', participantIds: [] },
  { kind: 'media-changed', roomId: 'room1234', reason: 'withdrawn' },
];

describe('cluster signals', () => {
  it('accepts every kind of signal as sent, through a JSON round trip', () => {
    for (const s of valid) expect(parseSignal(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it.each([
    ['no object', 'participants-ended'],
    ['an unknown kind', { kind: 'shutdown-everything' }],
    ['a room id that is a path', { kind: 'media-changed', roomId: '../etc', reason: 'withdrawn' }],
    ['an unknown media reason', { kind: 'media-changed', roomId: 'room1234', reason: 'stolen' }],
    ['an unknown error code', { kind: 'participants-ended', roomId: 'room1234', participantIds: 'all', reason: { code: 'teapot', message: '' } }],
    ['participants that are not ids', { kind: 'room-deleted', roomId: 'room1234', participantIds: [1, 2] }],
    ['permissions that are not booleans', { kind: 'permissions-changed', roomId: 'room1234', overrides: { coach: { editObservations: 'yes' } }, participantIds: [] }],
    ['sessions missing', { kind: 'sessions-ended' }],
  ])('refuses %s', (_what, raw) => {
    expect(parseSignal(raw)).toBeNull();
  });

  it('applies a signal at once in one process', () => {
    const signals = new LocalSignals();
    const got: ClusterSignal[] = [];
    signals.handle((s) => got.push(s));
    signals.publish(valid[0]!);
    expect(got).toEqual([valid[0]]);
  });
});

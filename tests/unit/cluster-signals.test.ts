import { describe, expect, it } from 'vitest';
import { LocalSignals, parseSignal, type ClusterSignal } from '../../server/src/cluster/signals.ts';

const valid: ClusterSignal[] = [
  { kind: 'participants-ended', roomId: 'room1234', participantIds: ['a1', 'b2'], reason: { code: 'forbidden', message: 'The host has withdrawn your invite link.' } },
  { kind: 'participants-ended', roomId: 'room1234', participantIds: 'all', reason: { code: 'gone', message: 'This room has been deleted.' } },
  { kind: 'sessions-ended', sessionIds: ['x'.repeat(43)] },
  { kind: 'permissions-changed', roomId: 'room1234', overrides: { meekijker: { editObservations: true } }, participantIds: ['a1'] },
  { kind: 'room-deleted', roomId: 'room1234', participantIds: [] },
  { kind: 'media-changed', roomId: 'room1234', reason: 'withdrawn' },
  { kind: 'spreektijd-progress', roomId: 'room1234', status: { state: 'running', stage: 'voices', percent: 42, error: null, speakerCount: 'auto', available: true } },
  {
    kind: 'spreektijd-progress',
    roomId: 'room1234',
    status: { state: 'failed', stage: null, percent: 0, error: { reason: 'no_audio', message: 'Deze video heeft geen geluidsspoor.' }, speakerCount: '2', available: true },
  },
  { kind: 'spreektijd-changed', roomId: 'room1234', revision: 7 },
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
    ['an unknown analysis stage', { kind: 'spreektijd-progress', roomId: 'room1234', status: { state: 'running', stage: 'guessing', percent: 1, error: null, speakerCount: 'auto', available: true } }],
    ['a percentage over 100', { kind: 'spreektijd-progress', roomId: 'room1234', status: { state: 'running', stage: 'voices', percent: 101, error: null, speakerCount: 'auto', available: true } }],
    ['an analysis status without its fields', { kind: 'spreektijd-progress', roomId: 'room1234', status: { state: 'done' } }],
    ['a negative revision', { kind: 'spreektijd-changed', roomId: 'room1234', revision: -1 }],
  ])('refuses %s', (_what, raw) => {
    expect(parseSignal(raw)).toBeNull();
  });

  it('passes on only the known fields of an analysis status', () => {
    const status = { state: 'done', stage: null, percent: 100, error: null, speakerCount: 'auto', available: true };
    expect(parseSignal({ kind: 'spreektijd-progress', roomId: 'room1234', status: { ...status, secret: 'x' } })).toEqual({ kind: 'spreektijd-progress', roomId: 'room1234', status });
  });

  it('applies a signal at once in one process', () => {
    const signals = new LocalSignals();
    const got: ClusterSignal[] = [];
    signals.handle((s) => got.push(s));
    signals.publish(valid[0]!);
    expect(got).toEqual([valid[0]]);
  });
});

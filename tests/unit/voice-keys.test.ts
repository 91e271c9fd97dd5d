import { describe, expect, it } from 'vitest';
import { voiceKeyAction, type VoiceKeyEvent } from '../../client/src/voice/keys.ts';

const press = (key: string, overrides: Partial<VoiceKeyEvent> = {}): VoiceKeyEvent => ({
  type: 'keydown',
  key,
  repeat: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...overrides,
});

describe('the call’s keys', () => {
  it('M toggles the microphone, in either case', () => {
    expect(voiceKeyAction(press('m'))).toEqual({ kind: 'toggleMute' });
    expect(voiceKeyAction(press('M'))).toEqual({ kind: 'toggleMute' });
  });

  it('holding P talks and letting go stops, ignoring the key repeat of a held key', () => {
    expect(voiceKeyAction(press('p'))).toEqual({ kind: 'talk', held: true });
    expect(voiceKeyAction(press('p', { repeat: true }))).toBeNull();
    expect(voiceKeyAction(press('p', { type: 'keyup' }))).toEqual({ kind: 'talk', held: false });
    // Letting go ends talking even when a modifier went down meanwhile.
    expect(voiceKeyAction(press('P', { type: 'keyup', ctrlKey: true }))).toEqual({ kind: 'talk', held: false });
  });

  it('leaves modified keys, other letters and other key-ups to the browser and the rest of the room', () => {
    expect(voiceKeyAction(press('m', { ctrlKey: true }))).toBeNull();
    expect(voiceKeyAction(press('p', { metaKey: true }))).toBeNull();
    expect(voiceKeyAction(press('m', { altKey: true }))).toBeNull();
    expect(voiceKeyAction(press('m', { repeat: true }))).toBeNull();
    expect(voiceKeyAction(press('m', { type: 'keyup' }))).toBeNull();
    for (const key of [' ', 'k', 'j', 'l', 'n', 't', '[', 'ArrowLeft']) expect(voiceKeyAction(press(key))).toBeNull();
  });
});

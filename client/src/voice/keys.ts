/**
 * The call's keys, as a pure mapping so it can be tested without a browser: M toggles the
 * microphone, and holding P talks while it is off (push-to-talk). Neither letter is taken by the
 * playhead (space, K, J, L, arrows, comma, full stop, < >) or the observations (N, [, ], 1–4, T).
 */
export type VoiceKeyAction = { readonly kind: 'toggleMute' } | { readonly kind: 'talk'; readonly held: boolean };

export interface VoiceKeyEvent {
  readonly type: string;
  readonly key: string;
  readonly repeat: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

export function voiceKeyAction(event: VoiceKeyEvent): VoiceKeyAction | null {
  const key = event.key.toLowerCase();
  // Letting go of P always ends talking, even if a modifier went down meanwhile.
  if (event.type === 'keyup') return key === 'p' ? { kind: 'talk', held: false } : null;
  if (event.type !== 'keydown' || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return null;
  if (key === 'm') return { kind: 'toggleMute' };
  if (key === 'p') return { kind: 'talk', held: true };
  return null;
}

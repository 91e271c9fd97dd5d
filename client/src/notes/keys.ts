const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'color', 'file', 'image', 'radio', 'range', 'reset', 'submit']);

/**
 * True when a key press goes into something the person is typing in, where letters, digits and
 * Ctrl+Z belong to that field. Uses the composed path because the observation editor sits in a
 * shadow root: at the window the event's target is only the editor's host element.
 */
export function isTypingTarget(event: Event): boolean {
  const el = event.composedPath()[0];
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  return el instanceof HTMLInputElement && !NON_TEXT_INPUTS.has(el.type);
}

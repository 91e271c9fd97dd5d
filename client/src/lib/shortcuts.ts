import { focusIntended } from './focus.ts';

const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'color', 'file', 'image', 'radio', 'range', 'reset', 'submit']);
const TEXT_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'spinbutton']);

/**
 * True when a key press goes into something the person is typing in, where letters, digits and
 * Ctrl+Z belong to that field. Uses the composed path because the CodeMirror editors sit in a
 * shadow root: at the window the event's target is only the editor's host element.
 */
export function isTypingTarget(event: Event): boolean {
  const el = event.composedPath()[0];
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !NON_TEXT_INPUTS.has(el.type);
  return TEXT_ROLES.has(el.getAttribute('role') ?? '');
}

/**
 * The one rule for every single-key shortcut of the room (play, jump, new observation, kind,
 * theme, help): never while focus is in a text field or on its way to one, never inside an open
 * dialog or menu (they have keys of their own), and never for a key already handled or still
 * being composed (dead keys, input methods).
 */
export function shortcutAllowed(event: KeyboardEvent): boolean {
  if (event.defaultPrevented || event.isComposing) return false;
  if (isTypingTarget(event) || focusIntended()) return false;
  if (document.querySelector('dialog[open]')) return false;
  const target = event.composedPath()[0];
  return !(target instanceof Element && target.closest('[role="menu"]'));
}

/** A feature's shortcuts: returns true when it used the key (the key then goes nowhere else). */
export type ShortcutHandler = (event: KeyboardEvent) => boolean;
const handlers = new Set<ShortcutHandler>();

/** Registers a feature's shortcuts for as long as it lives; returns the unregistration. */
export function addShortcuts(handler: ShortcutHandler): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

/** The room's one keydown listener: asks the rule, then each feature in turn. */
export function dispatchShortcut(event: KeyboardEvent): void {
  if (!shortcutAllowed(event)) return;
  for (const handler of handlers) {
    if (handler(event)) {
      event.preventDefault();
      return;
    }
  }
}

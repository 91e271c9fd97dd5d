/**
 * The keyboard of the WAI-ARIA menu pattern (a menu opened from a button), as a pure mapping from
 * a key to what the menu does: arrows move (and wrap), Home/End go to either end, a typed letter
 * goes to the next item starting with what was typed, Space toggles a checkbox item and stays,
 * Enter toggles it and closes, Escape closes, Tab closes and lets focus move on.
 */
export type MenuAction =
  | { readonly kind: 'move'; readonly index: number }
  | { readonly kind: 'toggle'; readonly index: number; readonly close: boolean }
  | { readonly kind: 'close'; readonly refocus: boolean };

export interface MenuKey {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

/** `typed` is what was typed just before (the component clears it after a short pause). */
export function menuAction(press: MenuKey, at: number, labels: readonly string[], typed: string): { action: MenuAction | null; typed: string } {
  const count = labels.length;
  const move = (index: number) => ({ action: { kind: 'move', index: (index + count) % count } as const, typed: '' });
  switch (press.key) {
    case 'ArrowDown':
      return move(at + 1);
    case 'ArrowUp':
      return move(at - 1);
    case 'Home':
    case 'PageUp':
      return move(0);
    case 'End':
    case 'PageDown':
      return move(count - 1);
    case 'Enter':
      return { action: { kind: 'toggle', index: at, close: true }, typed: '' };
    case ' ':
      return { action: { kind: 'toggle', index: at, close: false }, typed: '' };
    case 'Escape':
      return { action: { kind: 'close', refocus: true }, typed: '' };
    case 'Tab':
      return { action: { kind: 'close', refocus: false }, typed: '' };
  }
  if (press.key.length !== 1 || press.ctrlKey || press.metaKey || press.altKey) return { action: null, typed };
  const search = (typed + press.key).toLocaleLowerCase();
  // One letter looks from the next item on (pressing it again cycles); more letters refine from here.
  const from = search.length === 1 ? at + 1 : at;
  for (let i = 0; i < count; i++) {
    const index = (from + i) % count;
    if (labels[index]!.toLocaleLowerCase().startsWith(search)) return { action: { kind: 'move', index }, typed: search };
  }
  return { action: null, typed: search };
}

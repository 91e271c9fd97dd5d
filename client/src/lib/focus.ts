import { tick } from 'svelte';

/**
 * Every action that opens a text field puts focus in it, so what the person types next lands
 * there. From the moment such an action runs until the field has focus, the room's single-key
 * shortcuts stand down (see shortcuts.ts): a key pressed in between is never taken as a command.
 */
let intended = false;

export const focusIntended = (): boolean => intended;

/** An action just opened a text field that will take focus: hold the shortcuts until it has. */
export function intendFocus(): void {
  intended = true;
  const done = () => {
    intended = false;
    document.removeEventListener('focusin', done, true);
  };
  document.addEventListener('focusin', done, true);
  // Nothing came of it (the field did not appear): the keys are the room's again after the next paint.
  requestAnimationFrame(() => requestAnimationFrame(done));
}

/** Puts focus in the field `find` returns, once the action's change is rendered. */
export async function focusField(find: () => HTMLElement | null | undefined): Promise<void> {
  intendFocus();
  await tick();
  find()?.focus();
}

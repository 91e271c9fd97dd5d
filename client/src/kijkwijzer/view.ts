/** Pure helpers of the Kijkwijzer UI, unit-tested without a browser. */
import type { StepId } from '../../../shared/kijkwijzer/steps.ts';
import { parseTimecode } from '../../../shared/playhead/format.ts';

/**
 * The steps a room walks through together; herhalen is the next room of a traject and delen is
 * the leerpunten's copy button, so neither is a place for the group to be.
 */
export const ROOM_STEPS: readonly StepId[] = ['opname', 'themas', 'terugkijken', 'bevragen', 'aanpassen'];

export type FragmentFormProblem = 'title' | 'start' | 'end' | 'order';

/** Checks the fragment form's typed values; seconds when they make a fragment, else what is wrong. */
export function parseFragmentForm(form: { title: string; start: string; end: string }): { start: number; end: number } | { problem: FragmentFormProblem } {
  if (form.title.trim() === '') return { problem: 'title' };
  const start = parseTimecode(form.start.trim());
  if (start === null || start < 0) return { problem: 'start' };
  const end = parseTimecode(form.end.trim());
  if (end === null || end < 0) return { problem: 'end' };
  if (end <= start) return { problem: 'order' };
  return { start, end };
}

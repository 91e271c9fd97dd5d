/**
 * The checks a form can make before anything is sent, so the obvious mistakes (nothing filled in,
 * only spaces, too long, not an e-mail address) are said in the person's language at once. The
 * server checks again; its refusals are put into words by `describeError`.
 */
export interface TextRules {
  readonly required?: boolean;
  /** Most characters (Unicode code points, as the server counts them). */
  readonly max?: number;
  readonly min?: number;
  readonly email?: boolean;
}

export type TextProblem =
  | { readonly kind: 'missing' }
  | { readonly kind: 'blank' }
  | { readonly kind: 'tooShort'; readonly min: number }
  | { readonly kind: 'tooLong'; readonly max: number; readonly over: number }
  | { readonly kind: 'email' };

/** Length as the server's validator counts it: an emoji is one character, not two. */
export const textLength = (value: string): number => [...value].length;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkText(value: string, rules: TextRules): TextProblem | null {
  const length = textLength(value);
  if (rules.max !== undefined && length > rules.max) return { kind: 'tooLong', max: rules.max, over: length - rules.max };
  if (value.trim() === '') {
    if (!rules.required) return null;
    return value === '' ? { kind: 'missing' } : { kind: 'blank' };
  }
  if (rules.min !== undefined && length < rules.min) return { kind: 'tooShort', min: rules.min };
  if (rules.email && !EMAIL.test(value.trim())) return { kind: 'email' };
  return null;
}

/**
 * The counter under a field with a limit: shown once the end is near (the last tenth, at least the
 * last ten characters), and past the limit how many are too many — the text is never cut off.
 */
export function counterFor(value: string, max: number): { left: number } | { over: number } | null {
  const left = max - textLength(value);
  if (left < 0) return { over: -left };
  return left <= Math.max(10, Math.floor(max / 10)) ? { left } : null;
}

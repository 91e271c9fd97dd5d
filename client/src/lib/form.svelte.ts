import { tick } from 'svelte';
import { ApiError } from './api.ts';
import { describeError } from './errors.ts';
import { t } from './i18n/i18n.svelte.ts';
import { checkText, type TextProblem, type TextRules } from './validation.ts';

let nextId = 0;

/** One text field of a form: its value, what is wrong with it, and whether to say so yet. */
export class FieldState {
  value = $state('');
  /**
   * Set once the person tried to submit: from then on its problem shows, and follows the typing.
   * Not on leaving the field: a message appearing then would move the button being clicked.
   */
  touched = $state(false);
  /** What the server said about this field, in words; gone as soon as the person changes it. */
  serverProblem = $state<string | null>(null);
  element: HTMLInputElement | HTMLTextAreaElement | null = null;
  readonly id = `field-${++nextId}`;
  readonly rules: TextRules;
  /** The label as the form shows it: the messages name the field with it. */
  readonly label: () => string;

  constructor(label: () => string, rules: TextRules = {}, value = '') {
    this.label = label;
    this.rules = rules;
    this.value = value;
  }

  /** Reactive through `value`: read in a template or a derived, it follows the typing. */
  get problem(): TextProblem | null {
    return checkText(this.value, this.rules);
  }

  get error(): string | null {
    if (this.serverProblem) return this.serverProblem;
    return this.touched && this.problem ? describeProblem(this.problem, this.label()) : null;
  }

  input(value: string): void {
    this.value = value;
    this.serverProblem = null;
  }
}

export function describeProblem(problem: TextProblem, field: string): string {
  switch (problem.kind) {
    case 'missing':
      return t('validation.missing', { field });
    case 'blank':
      return t('validation.blank', { field });
    case 'tooShort':
      return t('validation.too_short', { field, limit: problem.min });
    case 'tooLong':
      return t('validation.over', { field, over: problem.over, limit: problem.max });
    case 'email':
      return t('validation.email', { field });
  }
}

/**
 * A form's fields by the name the API gives them: checks them all before sending (and puts focus
 * on the first that needs attention), and lays a refusal of the server on the field it names.
 */
export class FormState<Name extends string> {
  readonly fields: Record<Name, FieldState>;
  /** Labels of the form's other controls (dates, choices), so a refusal of one of them names it too. */
  readonly others: Record<string, () => string>;
  /** A problem that belongs to no single text field. */
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(fields: Record<Name, FieldState>, others: Record<string, () => string> = {}) {
    this.fields = fields;
    this.others = others;
  }

  /** True when every field is fine; otherwise every problem shows and focus goes to the first. */
  check(): boolean {
    this.error = null;
    const all = Object.values<FieldState>(this.fields);
    for (const field of all) field.touched = true;
    const first = all.find((f) => f.problem !== null);
    first?.element?.focus();
    return first === undefined;
  }

  /** Shows a failed request: on its field when the server named one of ours, else for the form. */
  async fail(err: unknown): Promise<void> {
    const labels = Object.fromEntries([
      ...Object.entries(this.others).map(([name, label]) => [name, label()]),
      ...Object.entries<FieldState>(this.fields).map(([name, f]) => [name, f.label()]),
    ]);
    const name = err instanceof ApiError && err.code === 'bad_request' ? err.field?.split('.')[0] : undefined;
    const field = name && name in this.fields ? this.fields[name as Name] : null;
    const message = describeError(err, labels);
    if (!field) {
      this.error = message;
      return;
    }
    field.serverProblem = message;
    await tick();
    field.element?.focus();
  }

  /** Runs `send` when the fields are fine, with `busy` set and failures shown. */
  async submit(send: () => Promise<void>): Promise<void> {
    if (this.busy || !this.check()) return;
    this.busy = true;
    try {
      await send();
    } catch (err) {
      await this.fail(err);
    } finally {
      this.busy = false;
    }
  }
}

import type { ValidationRule } from '../../../shared/errors.ts';
import { ApiError } from './api.ts';
import { t, type MessageKey } from './i18n/i18n.svelte.ts';

const KNOWN: Partial<Record<ApiError['code'], MessageKey>> = {
  network: 'error.network',
  unauthorised: 'error.unauthorised',
  forbidden: 'error.forbidden',
  not_found: 'error.not_found',
  rate_limited: 'error.rate_limited',
  too_large: 'error.too_large',
  conflict: 'error.conflict',
};

const RULES: Record<ValidationRule, MessageKey | null> = {
  missing: 'validation.missing',
  blank: 'validation.blank',
  too_short: 'validation.too_short',
  too_long: 'validation.too_long',
  too_small: 'validation.too_small',
  too_big: 'validation.too_big',
  not_allowed: 'validation.not_allowed',
  invalid_format: 'validation.invalid_format',
  wrong_type: 'validation.invalid_format',
  not_a_date: 'validation.not_a_date',
  date_in_future: 'validation.date_in_future',
  date_in_past: 'validation.date_in_past',
  date_order: 'validation.date_order',
  not_found: 'validation.not_found',
  not_applicable: 'validation.not_applicable',
  // A field the client itself does not send: nothing the person can fix in the form.
  unknown_field: null,
};

/**
 * A sentence a person can act on, in their language. A refused field is named with the label the
 * form shows for it (`fields`: body field → label); the server's own words never reach the screen.
 */
export function describeError(err: unknown, fields: Record<string, string> = {}): string {
  if (!(err instanceof ApiError)) return t('error.generic');
  if (err.code === 'bad_request') {
    const label = err.field ? fields[err.field.split('.')[0]!] : undefined;
    const key = err.rule ? RULES[err.rule] : null;
    if (!label || !key) return t('error.bad_request');
    if (key === 'validation.invalid_format' && err.field === 'email') return t('validation.email', { field: label });
    return t(key, { field: label, limit: err.limit ?? '' });
  }
  const key = KNOWN[err.code];
  return key ? t(key) : t('error.generic');
}

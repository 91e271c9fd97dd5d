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

/** A sentence a person can act on, in their language; the server's own words for validation errors. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'bad_request') return err.message;
    const key = KNOWN[err.code];
    return key ? t(key) : t('error.generic');
  }
  return t('error.generic');
}

import type { ErrorBody, ErrorCode, ValidationRule } from '../../../shared/errors.ts';

/**
 * A failed API call: `code` (and, for a refused field, `field`, `rule`, `limit`) are stable for
 * the UI to put into words; `message` is the server's English sentence, for logs only.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network';
  readonly field: string | null;
  readonly rule: ValidationRule | null;
  readonly limit: number | null;
  constructor(status: number, code: ErrorCode | 'network', message: string, detail: { field?: string; rule?: ValidationRule; limit?: number } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = detail.field ?? null;
    this.rule = detail.rule ?? null;
    this.limit = detail.limit ?? null;
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'network');
  }
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (data as ErrorBody | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? res.statusText, error ?? {});
  }
  return data as T;
}

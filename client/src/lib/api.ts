import type { ErrorBody, ErrorCode } from '../../../shared/errors.ts';

/** A failed API call: `code` is stable for the UI to translate, `message` is the server's sentence. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network';
  constructor(status: number, code: ErrorCode | 'network', message: string) {
    super(message);
    this.status = status;
    this.code = code;
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
    throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? res.statusText);
  }
  return data as T;
}

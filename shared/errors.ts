/**
 * Error codes shared by every transport: HTTP bodies `{ error: { code, message } }`, socket.io
 * connect errors and acknowledgements, and WebSocket close codes (4000 + HTTP status).
 */
export const ERROR_CODES = {
  bad_request: 400,
  unauthorised: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** WebSocket close code for an error: 4401 unauthorised, 4403 forbidden, 4404 no such room… */
export const closeCodeFor = (code: ErrorCode): number => 4000 + ERROR_CODES[code];

export function errorCodeForClose(closeCode: number): ErrorCode | undefined {
  const status = closeCode - 4000;
  return (Object.keys(ERROR_CODES) as ErrorCode[]).find((k) => ERROR_CODES[k] === status);
}

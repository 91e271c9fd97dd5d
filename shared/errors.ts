/**
 * Error codes shared by every transport: HTTP bodies `{ error: { code, message, field?, rule?, limit? } }`,
 * socket.io connect errors and acknowledgements, and WebSocket close codes (4000 + HTTP status).
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

/**
 * What was wrong with one field of a request, for a program to act on (the client turns it into a
 * sentence in the person's language): required and missing, only spaces, too short or long, a
 * number out of range, a value not on the list, the wrong shape or type, a field that does not
 * exist, a date that is not allowed, or a value that refers to nothing.
 */
export const VALIDATION_RULES = [
  'missing',
  'blank',
  'too_short',
  'too_long',
  'too_small',
  'too_big',
  'not_allowed',
  'invalid_format',
  'wrong_type',
  'unknown_field',
  'not_a_date',
  'date_in_future',
  'date_in_past',
  'date_order',
  'not_found',
  'not_applicable',
] as const;
export type ValidationRule = (typeof VALIDATION_RULES)[number];

export interface ErrorDetail {
  code: ErrorCode;
  /** One sentence a person can read (English); never schema vocabulary. */
  message: string;
  /** The field it is about, as a dotted path in the body, parameters or query (`title`, `purposes.0`). */
  field?: string;
  rule?: ValidationRule;
  /** The limit the rule refers to: a length, a count or a number. */
  limit?: number;
}

export interface ErrorBody {
  error: ErrorDetail;
}

/** WebSocket close code for an error: 4401 unauthorised, 4403 forbidden, 4404 no such room… */
export const closeCodeFor = (code: ErrorCode): number => 4000 + ERROR_CODES[code];

export function errorCodeForClose(closeCode: number): ErrorCode | undefined {
  const status = closeCode - 4000;
  return (Object.keys(ERROR_CODES) as ErrorCode[]).find((k) => ERROR_CODES[k] === status);
}

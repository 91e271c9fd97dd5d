import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CODES, type ErrorBody, type ErrorCode, type ErrorDetail, type ValidationRule } from '../../../shared/errors.ts';

/** What an error says about the field it concerns: machine-readable, for the client to put into words. */
export interface FieldProblem {
  field: string;
  rule: ValidationRule;
  limit?: number;
}

/** An error meant for the client: its code and message are safe to show. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly problem: FieldProblem | null;
  constructor(code: ErrorCode, message: string, problem: FieldProblem | null = null) {
    super(message);
    this.code = code;
    this.problem = problem;
  }
  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export const errorBody = (code: ErrorCode, message: string, problem: FieldProblem | null = null): ErrorBody => ({ error: { code, message, ...(problem ?? {}) } });

const byStatus = (status: number): ErrorCode =>
  (Object.keys(ERROR_CODES) as ErrorCode[]).find((k) => ERROR_CODES[k] === status) ?? (status >= 500 ? 'internal' : 'bad_request');

/** One failed check as the validator (Ajv, through Fastify) reports it. */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

/** The pattern that says "at least one character that is not a space". */
const NOT_BLANK = '\\S';
const ISO_DATE = '^\\d{4}-\\d{2}-\\d{2}$';

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};
const typeWords = (type: unknown): string =>
  (Array.isArray(type) ? type : [type]).map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');

/**
 * Turns the validator's first complaint into a field, a rule and a sentence a person can read —
 * "title can be at most 120 characters long." — instead of schema vocabulary. `where` is the part
 * of the request (body, params, querystring).
 */
export function describeIssue(issue: ValidationIssue, where: string): ErrorDetail {
  const path = issue.instancePath.split('/').filter(Boolean);
  const params = issue.params;
  const at = (extra?: unknown) => [...path, ...(typeof extra === 'string' ? [extra] : [])].join('.');
  const detail = (field: string, rule: ValidationRule, message: string, limit?: number): ErrorDetail => ({
    code: 'bad_request',
    message,
    ...(field ? { field } : {}),
    rule,
    ...(limit === undefined ? {} : { limit }),
  });
  const field = at();
  const name = field || (where === 'body' ? 'The request body' : `The ${where === 'querystring' ? 'query' : where}`);
  const limit = typeof params.limit === 'number' ? params.limit : undefined;
  switch (issue.keyword) {
    case 'required':
      return detail(at(params.missingProperty), 'missing', `${at(params.missingProperty)} is required.`);
    case 'additionalProperties':
      return detail(at(params.additionalProperty), 'unknown_field', `The request has an unknown field "${String(params.additionalProperty)}".`);
    case 'minLength':
      return limit === 1
        ? detail(field, 'missing', `${name} must not be empty.`, limit)
        : detail(field, 'too_short', `${name} must be at least ${limit} characters long.`, limit);
    case 'maxLength':
      return detail(field, 'too_long', `${name} can be at most ${limit} characters long.`, limit);
    case 'minItems':
      return detail(field, 'too_short', `${name} must have at least ${limit} ${limit === 1 ? 'item' : 'items'}.`, limit);
    case 'maxItems':
      return detail(field, 'too_long', `${name} can have at most ${limit} items.`, limit);
    case 'uniqueItems':
      return detail(field, 'not_allowed', `${name} lists the same value twice.`);
    case 'minimum':
    case 'exclusiveMinimum':
      return detail(field, 'too_small', `${name} must be ${issue.keyword === 'minimum' ? 'at least' : 'more than'} ${limit}.`, limit);
    case 'maximum':
    case 'exclusiveMaximum':
      return detail(field, 'too_big', `${name} can be ${issue.keyword === 'maximum' ? 'at most' : 'less than'} ${limit}.`, limit);
    case 'enum':
      return detail(field, 'not_allowed', `${name} must be one of: ${((params.allowedValues as unknown[]) ?? []).join(', ')}.`);
    case 'const':
      return detail(field, 'not_allowed', `${name} must be ${String(params.allowedValue)}.`);
    case 'type':
      return detail(field, 'wrong_type', `${name} must be ${typeWords(params.type)}.`);
    case 'pattern':
      if (params.pattern === NOT_BLANK) return detail(field, 'blank', `${name} must contain more than spaces.`);
      if (params.pattern === ISO_DATE) return detail(field, 'not_a_date', `${name} must be a date written as YYYY-MM-DD.`);
      return detail(field, 'invalid_format', `${name} is not in the expected form.`);
    case 'format':
      return params.format === 'email'
        ? detail(field, 'invalid_format', `${name} must be an e-mail address.`)
        : detail(field, 'invalid_format', `${name} is not in the expected form.`);
    default:
      return detail(field, 'invalid_format', `${name} is not valid.`);
  }
}

function describeValidation(err: FastifyError): ErrorDetail {
  const first = err.validation?.[0] as ValidationIssue | undefined;
  if (!first) return { code: 'bad_request', message: 'The request is not valid.' };
  return describeIssue(first, err.validationContext ?? 'body');
}

/** Fastify's own 400s before validation: what went wrong with the body as a whole. */
function describeBadBody(err: FastifyError): string {
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The request body is empty: send a JSON object.';
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) return 'The request body is not valid JSON.';
  return 'The request is not valid.';
}

/** One error shape for every route; 5xx details go to the log only, never to the client. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) return reply.status(err.status).send(errorBody(err.code, err.message, err.problem));
    if (err.validation) return reply.status(400).send({ error: describeValidation(err) } satisfies ErrorBody);
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(500).send(errorBody('internal', 'Something went wrong on the server. Please try again.'));
    }
    if (status === 400) return reply.status(400).send(errorBody('bad_request', describeBadBody(err)));
    if (status === 413) return reply.status(413).send(errorBody('too_large', 'The request body is too large.'));
    if (status === 429) return reply.status(429).send(errorBody('rate_limited', 'Too many attempts. Wait a minute and try again.'));
    if (status === 415) return reply.status(415).send(errorBody('unsupported_media', 'Send JSON (Content-Type: application/json).'));
    return reply.status(status).send(errorBody(byStatus(status), err.message));
  });
}

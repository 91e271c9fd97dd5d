import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../../../shared/errors.ts';

/** An error meant for the client: its code and message are safe to show. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export const errorBody = (code: ErrorCode, message: string): ErrorBody => ({ error: { code, message } });

const byStatus = (status: number): ErrorCode =>
  (Object.keys(ERROR_CODES) as ErrorCode[]).find((k) => ERROR_CODES[k] === status) ?? (status >= 500 ? 'internal' : 'bad_request');

/** Turns a validation error into one readable sentence, e.g. "body/title must not have fewer than 1 characters". */
function describeValidation(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const where = `${err.validationContext ?? 'body'}${first.instancePath || ''}`;
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperty?: string }).additionalProperty;
    return `${where} has an unknown field${extra ? ` "${extra}"` : ''}`;
  }
  if (first.keyword === 'required') {
    return `${where} is missing "${(first.params as { missingProperty?: string }).missingProperty}"`;
  }
  return `${where} ${first.message ?? 'is invalid'}`;
}

/** One error shape for every route; 5xx details go to the log only, never to the client. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) return reply.status(err.status).send(errorBody(err.code, err.message));
    if (err.validation) return reply.status(400).send(errorBody('bad_request', describeValidation(err)));
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(500).send(errorBody('internal', 'Something went wrong on the server. Please try again.'));
    }
    if (status === 413) return reply.status(413).send(errorBody('too_large', 'The request body is too large.'));
    if (status === 429) return reply.status(429).send(errorBody('rate_limited', 'Too many attempts. Wait a minute and try again.'));
    if (status === 415) return reply.status(415).send(errorBody('unsupported_media', 'Send JSON (Content-Type: application/json).'));
    return reply.status(status).send(errorBody(byStatus(status), err.message));
  });
}

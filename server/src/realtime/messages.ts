/**
 * What every socket.io feature (playhead, call, pointer) needs to take messages from clients it
 * does not trust: the answer a handler gives and the acknowledgement the client gets from it, the
 * argument handling of an untyped event, a per-connection rate limit, and handling a connection's
 * messages one after another. Kept here once so the features cannot drift apart in how they refuse.
 */
import type { ErrorCode } from '../../../shared/errors.ts';
import type { RoomSocket } from './socket.ts';

/** A handler's answer to a message: a value, or a refusal with the code the client acts on. */
export type Answer<T = undefined> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/** What the client's acknowledgement callback receives (the wire shape of an Answer). */
export type AckResult = { ok: true; value?: unknown } | { ok: false; error: { code: ErrorCode; message: string } };

export const done = <T>(value: T): Answer<T> => ({ ok: true, value });
export const refuse = <T>(code: ErrorCode, message: string): Answer<T> => ({ ok: false, code, message });
/** A payload its parser refused: the parser's sentence goes back as it is. */
export const badRequest = (refused: { message: string }): Answer<never> => refuse('bad_request', refused.message);

export const toAck = (answer: Answer<unknown>): AckResult =>
  answer.ok ? (answer.value === undefined ? { ok: true } : { ok: true, value: answer.value }) : { ok: false, error: { code: answer.code, message: answer.message } };

/** Untrusted input: a handler sees whatever the client sent, and validates it itself. */
interface RawSocket {
  on(event: string, listener: (...args: unknown[]) => void): void;
}

/**
 * Listens to an event whose arguments are untrusted. The acknowledgement is the last argument if it
 * is a function; the payload is the first argument before it (anything else the client sent is
 * ignored), undefined when the client sent only the acknowledgement.
 */
export function onMessage(socket: RoomSocket, event: string, listener: (payload: unknown, ack: ((result: AckResult) => void) | null) => void): void {
  (socket as unknown as RawSocket).on(event, (...args) => {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (result: AckResult) => void) : null;
    listener(ack && args.length === 1 ? undefined : args[0], ack);
  });
}

/** Messages per second a connection may send, sustained and as a burst. */
export interface Rate {
  perSecond: number;
  burst: number;
}

/** One connection's rate limit: full at the start, refilled continuously. */
export class TokenBucket {
  readonly #rate: Rate;
  readonly #now: () => number;
  #tokens: number;
  #at: number;
  constructor(rate: Rate, now: () => number) {
    this.#rate = rate;
    this.#now = now;
    this.#tokens = rate.burst;
    this.#at = now();
  }
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#rate.burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * Runs tasks one after another: a message that waits for the store (a join reading the room's log)
 * is not overtaken by what the client sent after it. With nothing waiting a task starts at once.
 * A failing task is reported and does not stop the ones after it.
 */
export function inOrder(onError: (err: unknown) => void): (task: () => void | Promise<void>) => void {
  let queue: Promise<void> | null = null;
  return (task) => {
    const run = async () => {
      try {
        await task();
      } catch (err) {
        onError(err);
      }
    };
    const next: Promise<void> = queue ? queue.then(run) : run();
    queue = next;
    void next.then(() => {
      if (queue === next) queue = null;
    });
  };
}

export interface MessagesOptions {
  /** The feature's name in the log ("playhead", "voice"). */
  feature: string;
  rate: Rate;
  /** The refusal a connection gets over its rate. */
  tooFast: string;
  now: () => number;
  log: (err: unknown, msg: string) => void;
}

/**
 * A feature's message handling on one connection: each event rate-limited, then handled in turn,
 * its answer (or a failure, logged and answered as `internal`) sent as the acknowledgement.
 */
export function featureMessages(socket: RoomSocket, options: MessagesOptions) {
  const bucket = new TokenBucket(options.rate, options.now);
  const inTurn = inOrder((err) => options.log(err, `${options.feature} message failed`));
  const handle = (event: string, handler: (payload: unknown) => Answer<unknown> | Promise<Answer<unknown>>): void =>
    onMessage(socket, event, (payload, ack) => {
      const reply = (answer: Answer<unknown>) => ack?.(toAck(answer));
      if (!bucket.take()) return reply(refuse('rate_limited', options.tooFast));
      inTurn(async () => {
        let answer: Answer<unknown>;
        try {
          answer = await handler(payload);
        } catch (err) {
          options.log(err, `${options.feature} ${event} failed`);
          answer = refuse('internal', 'The server could not handle this message.');
        }
        reply(answer);
      });
    });
  return { handle, inTurn };
}

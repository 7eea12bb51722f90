/**
 * What crosses Redis between an application and its executors: the job's
 * data (plain JSON, BullMQ's own encoding) and the replies (superjson text,
 * so the run's values arrive typed).
 */
import { SuperJSON } from 'superjson';
import type { RunResult } from '../result.js';

/** Bumped when the job's data or the replies change shape: an executor refuses a job of another version. */
export const WIRE_VERSION = 1;

/** The run options that travel with a job (the rest stay with the caller: `onOutput`, `signal`, `queueTimeout`). */
export const WIRE_RUN_KEYS = ['timeout', 'maxOutput', 'setup', 'language', 'filename'] as const;

/** The run options that travel with a job, as {@link WIRE_RUN_KEYS} names them. */
export interface WireRunOptions {
  readonly timeout?: number;
  readonly maxOutput?: number;
  readonly setup?: string | readonly string[];
  readonly language?: 'js' | 'ts';
  readonly filename?: string;
}

/** A job's data. */
export interface JobData {
  readonly v: number;
  readonly code: string;
  readonly options: WireRunOptions;
  /** The pub/sub channel the executor publishes this run's replies on. */
  readonly reply: string;
  /** Whether the caller listens for output chunks (`onOutput`): without it none are published. */
  readonly stream: boolean;
}

/** A reply on the caller's channel: output chunks in order, then the result (superjson text). */
export interface Reply {
  readonly type: 'out' | 'result';
  /** The job's id. */
  readonly id: string;
  readonly body: string;
}

/** The pub/sub channels of a queue: a client's replies, and the cancels every executor hears. */
export function channels(prefix: string, queue: string, clientId: string): { readonly reply: string; readonly cancel: string } {
  return { reply: `${prefix}:${queue}:repl-sandbox:reply:${clientId}`, cancel: cancelChannel(prefix, queue) };
}

/** The channel executors hear cancels on (a job id per message). */
export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:repl-sandbox:cancel`;
}

/** A reply as one message: a letter, the id, the body, with no second encoding of the body. */
export function encodeReply({ type, id, body }: Reply): string {
  return `${type === 'out' ? 'o' : 'r'} ${id} ${body}`;
}

/** A reply out of its message; throws on one that is not a reply. */
export function decodeReply(message: string): Reply {
  const first = message.indexOf(' ');
  const second = message.indexOf(' ', first + 1);
  const letter = message.slice(0, first);
  if (first !== 1 || second < 0 || (letter !== 'o' && letter !== 'r')) throw new Error('not a reply');
  return { type: letter === 'o' ? 'out' : 'result', id: message.slice(first + 1, second), body: message.slice(second + 1) };
}

/** The executor's own measure of a run, from taking the job to publishing its result. */
export interface WireResult {
  readonly result: RunResult;
  /** Milliseconds on the executor, from taking the job to its result. */
  readonly executorMs: number;
}

/** Infinity, which JSON cannot carry, as the options' "no limit". */
const INFINITY = 'Infinity';

/** The run options in JSON (`Infinity` as a string). */
export function optionsToWire(options: WireRunOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, value === Infinity ? INFINITY : value]));
}

/** The run options out of JSON. */
export function optionsFromWire(options: Readonly<Record<string, unknown>>): WireRunOptions {
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, value === INFINITY ? Infinity : value]));
}

const STANDARD_ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

/**
 * superjson with what structured clone carries and superjson alone does not:
 * an Error keeps its class (as structured clone keeps the standard ones),
 * `stack`, `cause` and own properties (`code`…); ArrayBuffer and DataView
 * keep their bytes; boxed primitives stay boxed. A value of its own: the
 * application's global superjson is not changed.
 */
function createCodec(): SuperJSON {
  const codec = new SuperJSON();
  // superjson walks what this returns (an Error is one of its "deep" values): nested values keep their types and cycles.
  codec.registerCustom<Error, never>(
    {
      isApplicable: (value): value is Error => value instanceof Error,
      serialize: (error) => {
        const own: Record<string, unknown> = {};
        for (const key of Object.keys(error)) own[key] = (error as unknown as Record<string, unknown>)[key];
        // cause is own but not enumerable when given to the constructor.
        const cause = Object.getOwnPropertyDescriptor(error, 'cause');
        const plain = { name: error.name, message: error.message, stack: error.stack, own, ...(cause === undefined ? {} : { cause: cause.value as unknown }) };
        return plain as never;
      },
      deserialize: (plain) => {
        const { name, message, stack, own, ...rest } = plain as unknown as { name: string; message: string; stack?: string; own: Record<string, unknown>; cause?: unknown };
        const Constructor = STANDARD_ERRORS[name] ?? Error;
        const error = 'cause' in rest ? new Constructor(message, { cause: rest.cause }) : new Constructor(message);
        if (error.name !== name) Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
        if (stack === undefined) delete error.stack;
        else error.stack = stack;
        Object.assign(error, own);
        return error;
      },
    },
    'repl-sandbox:Error',
  );
  codec.registerCustom<ArrayBuffer, string>(
    {
      isApplicable: (value): value is ArrayBuffer => value instanceof ArrayBuffer,
      serialize: (buffer) => Buffer.from(buffer).toString('base64'),
      deserialize: (text) => {
        const bytes = Buffer.from(text, 'base64');
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      },
    },
    'repl-sandbox:ArrayBuffer',
  );
  codec.registerCustom<DataView, string>(
    {
      isApplicable: (value): value is DataView => value instanceof DataView,
      serialize: (view) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64'),
      deserialize: (text) => {
        const bytes = Buffer.from(text, 'base64');
        return new DataView(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      },
    },
    'repl-sandbox:DataView',
  );
  codec.registerCustom<object, string>(
    {
      isApplicable: (value): value is object =>
        value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt,
      serialize: (boxed) => codec.stringify(boxed.valueOf()),
      deserialize: (text) => Object(codec.parse(text)) as object,
    },
    'repl-sandbox:Boxed',
  );
  return codec;
}

const codec = createCodec();

/**
 * A result as text. A value superjson cannot write (a key named
 * `__proto__`, say, which it refuses) is replaced by a marker string saying
 * why; `inspected` and the exception's text still show it as it was.
 */
export function encodeResult(wire: WireResult): string {
  try {
    return codec.stringify(wire);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const marker = `[not serializable by superjson: ${why}]`;
    const { result } = wire;
    const replaced: RunResult =
      result.ok ? { ...result, result: marker }
      : result.error.type === 'exception' ? { ...result, error: { ...result.error, value: marker } }
      : result.error.type === 'aborted' && result.error.reason !== undefined ? { ...result, error: { ...result.error, reason: marker } }
      : result;
    return codec.stringify({ ...wire, result: replaced });
  }
}

/** A result out of its text. */
export function decodeResult(text: string): WireResult {
  return codec.parse<WireResult>(text);
}

/**
 * The handler of LLM tool calls ("function calling"): it validates what the
 * model sent, runs it and returns the text to give back to the model. The
 * tool definitions it answers are in src/tool-definitions.ts.
 */
import { formatResult } from './format.js';
import { checkOption, fail, type RunOptions, SERVER_OPTIONS } from './options.js';
import type { RunResult } from './result.js';
import { run, type Sandbox } from './sandbox.js';
import { toolDefinition } from './tool-definitions.js';

/** What a model sends to the `run_javascript` tool, once validated. */
export interface ToolInput {
  /** The JavaScript (or TypeScript) to evaluate. */
  readonly code: string;
  /** `'ts'` strips TypeScript types first. Default: the sandbox's (JavaScript). A model may send `null` for absent. */
  readonly language?: 'js' | 'ts';
  /** Wall-clock limit in milliseconds. Default: the sandbox's. A model may send `null` for absent. */
  readonly timeout?: number;
}

/** What {@link handleToolCall} returns. */
export interface ToolCallResult {
  /** {@link formatResult} of the run: the tool result to send back to the model. */
  readonly text: string;
  /** The run itself, for logging or for richer replies (`result.ok` is the tool's success). */
  readonly result: RunResult;
}

/** Options of {@link handleToolCall}. */
export interface ToolCallOptions {
  /**
   * The largest `timeout` the model may ask for; a larger one is lowered to
   * it. It does not lower the sandbox's own default.
   * @default Infinity
   */
  readonly maxTimeout?: number;
  /**
   * `maxLength` of the returned text (see {@link formatResult}).
   * @default Infinity
   */
  readonly maxLength?: number;
  /** Cancels the run: it resolves as `aborted`. */
  readonly signal?: AbortSignal;
}

const INPUT_KEYS = Object.keys(toolDefinition.inputSchema.properties);

/**
 * Checks a model's tool input against {@link toolDefinition}'s schema. A
 * string is parsed as JSON first (OpenAI sends `arguments` as a string).
 * `null` for an optional field is taken as absent: OpenAI's strict mode
 * (`openAIChatTool`, `openAIResponsesTool`) makes models send
 * `"timeout": null` where they mean no timeout of their own.
 * @throws TypeError naming the field and showing the value received.
 */
export function parseToolInput(input: unknown): ToolInput {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch {
      fail('the tool input', 'a JSON object', input);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('the tool input', 'an object with a `code` string', value);
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!INPUT_KEYS.includes(key)) {
      throw new TypeError(`Unexpected property \`${key}\` in the tool input: expected only ${INPUT_KEYS.map((k) => `\`${k}\``).join(', ')}`);
    }
  }
  const { code, language, timeout } = fields;
  if (typeof code !== 'string') fail('code', 'a string', code);
  return {
    code,
    ...(language === undefined || language === null ? {} : { language: checkOption('language', language) }),
    ...(timeout === undefined || timeout === null ? {} : { timeout: checkOption('timeout', timeout) }),
  };
}

/**
 * Handles one call of the `run_javascript` tool: validates the model's input,
 * runs the code and formats the result. Failures of the code (exception,
 * timeout, crash) are results, to be sent back to the model — `result.ok`
 * tells whether to flag the tool result as an error.
 *
 * @param input - the tool call's arguments: an object, or its JSON text.
 * @param sandbox - where to run; default: the module-level {@link run}.
 * @param options - a cap on the model's `timeout`, a bound on the text, a signal.
 * @throws TypeError (as a rejection) when the input does not match the
 *   schema, naming the field and showing the value: send its message back to
 *   the model so it can correct the call. Also whatever `Sandbox#run`
 *   rejects with (a closed or overloaded sandbox).
 *
 * @example
 * const { text, result } = await handleToolCall({ code: 'console.log("hi"); 6 * 7' }, sandbox);
 * // text === 'hi\n=> 42', result.ok === true
 */
export async function handleToolCall(input: unknown, sandbox?: Sandbox, options: ToolCallOptions = {}): Promise<ToolCallResult> {
  return runToolCall(input, sandbox, checkToolCallOptions(options));
}

/** Checks {@link ToolCallOptions} and fills their defaults. @throws TypeError naming the option. */
export function checkToolCallOptions(options: ToolCallOptions): CheckedToolCallOptions {
  const { maxTimeout, maxLength, signal } = options;
  return {
    maxTimeout: maxTimeout === undefined ? SERVER_OPTIONS.maxTimeout.default : checkOption('maxTimeout', maxTimeout),
    maxLength: maxLength === undefined ? SERVER_OPTIONS.maxLength.default : checkOption('maxLength', maxLength),
    ...(signal === undefined ? {} : { signal }),
  };
}

/** {@link ToolCallOptions} checked, plus the timeout of a call that gives none. */
export interface CheckedToolCallOptions {
  readonly maxTimeout: number;
  readonly maxLength: number;
  /** Default: the sandbox's. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/**
 * {@link handleToolCall} with its options checked already (the MCP server
 * checks them once, at start-up): only the model's input is checked here.
 */
export async function runToolCall(input: unknown, sandbox: Sandbox | undefined, options: CheckedToolCallOptions): Promise<ToolCallResult> {
  const { maxTimeout, maxLength, signal } = options;
  const { code, language, timeout = options.timeout } = parseToolInput(input);
  const runOptions: RunOptions = {
    ...(language === undefined ? {} : { language }),
    ...(timeout === undefined ? {} : { timeout: Math.min(timeout, maxTimeout) }),
    ...(signal === undefined ? {} : { signal }),
  };
  const result = await (sandbox === undefined ? run(code, runOptions) : sandbox.run(code, runOptions));
  return { text: formatResult(result, { maxLength }), result };
}

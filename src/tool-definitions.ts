/**
 * The `run_javascript` tool as each LLM API declares tools: MCP's
 * `{ name, description, inputSchema }`, OpenAI's Chat Completions and
 * Responses function tools (strict), Anthropic's `{ name, description,
 * input_schema }`. Plain frozen data, typed structurally so that each is
 * assignable to its SDK's own type without a cast and without the SDK being
 * installed (test/fixtures/*-loop.ts compile them against the real SDKs).
 * The Vercel AI SDK's tool runs code, so it lives in its own entry
 * (`repl-sandbox/ai`, src/ai.ts).
 */

/**
 * A JSON Schema (draft 2020-12 subset) of an object, typed so that it can be
 * passed as-is to OpenAI (`parameters`), Anthropic (`input_schema`) and MCP
 * (`inputSchema`) clients. `required` is a mutable array because the SDKs'
 * types say `string[]`.
 */
export interface ToolInputSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  additionalProperties: boolean;
  [keyword: string]: unknown;
}

/** A tool's name, description for the model, and input schema (MCP's `Tool` shape). */
export interface ToolDefinition {
  readonly name: 'run_javascript';
  readonly description: string;
  readonly inputSchema: ToolInputSchema;
}

/**
 * {@link openAIChatTool}: a Chat Completions function tool, assignable to the
 * `openai` SDK's `ChatCompletionTool` (and `ChatCompletionFunctionTool`).
 */
export interface OpenAIChatToolDefinition {
  readonly type: 'function';
  readonly function: {
    readonly name: 'run_javascript';
    readonly description: string;
    /** The strict schema: every property required, the optional ones nullable. */
    readonly parameters: ToolInputSchema;
    readonly strict: true;
  };
}

/**
 * {@link openAIResponsesTool}: a Responses API function tool, assignable to the
 * `openai` SDK's `FunctionTool` (and `Tool`).
 */
export interface OpenAIResponsesToolDefinition {
  readonly type: 'function';
  readonly name: 'run_javascript';
  readonly description: string;
  /** The strict schema: every property required, the optional ones nullable. */
  readonly parameters: ToolInputSchema;
  readonly strict: true;
}

/**
 * {@link anthropicTool}: a Messages API client tool, assignable to the
 * `@anthropic-ai/sdk` SDK's `Tool` (and `ToolUnion`).
 */
export interface AnthropicToolDefinition {
  readonly name: 'run_javascript';
  readonly description: string;
  readonly input_schema: ToolInputSchema;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const NAME = 'run_javascript';

const DESCRIPTION =
  'Run JavaScript in a fresh Node.js isolate and get back what it printed and the value of its last expression, ' +
  'as a REPL shows it (`=> value`), or the error with its stack. Every call starts from a clean slate: no ' +
  'variables, imports or other state carry over between calls, so put everything a computation needs in one call. ' +
  'Top-level `await` works; `require()` and `import()` load Node built-ins and installed packages. ' +
  'Output past a size limit is truncated; code still running at the timeout is stopped.';

const CODE = {
  type: 'string',
  description: 'The code to evaluate. The value of the last expression is returned (awaited if it is a promise).',
};

/**
 * The `run_javascript` tool: name, description and the JSON Schema of
 * `ToolInput` (`language` and `timeout` optional). The MCP server serves it;
 * Anthropic accepts the same schema ({@link anthropicTool}). Frozen; spread
 * it to change the description.
 */
export const toolDefinition: ToolDefinition = deepFreeze({
  name: NAME,
  description: DESCRIPTION,
  inputSchema: {
    type: 'object',
    properties: {
      code: CODE,
      language: {
        type: 'string',
        enum: ['js', 'ts'],
        description: "'ts' to strip TypeScript types before running. Default 'js'.",
      },
      timeout: {
        type: 'number',
        minimum: 0,
        description: 'Wall-clock limit in milliseconds.',
      },
    },
    required: ['code'],
    additionalProperties: false,
  },
});

/**
 * The same input for OpenAI's strict mode (Structured Outputs), which wants
 * every property in `required` and `additionalProperties: false`: the
 * optional ones are nullable instead, and `handleToolCall` treats `null` as
 * absent. `language` is an `anyOf`, the form the `openai` SDK's own zod
 * helper emits for a nullable enum.
 */
const STRICT_INPUT_SCHEMA: ToolInputSchema = {
  type: 'object',
  properties: {
    code: CODE,
    language: {
      anyOf: [{ type: 'string', enum: ['js', 'ts'] }, { type: 'null' }],
      description: "'ts' to strip TypeScript types before running; null (or 'js') for JavaScript.",
    },
    timeout: {
      type: ['number', 'null'],
      minimum: 0,
      description: "Wall-clock limit in milliseconds; null for the sandbox's default.",
    },
  },
  required: ['code', 'language', 'timeout'],
  additionalProperties: false,
};

/**
 * The tool for OpenAI's Chat Completions API, in strict mode: pass it in
 * `tools` as it is. Frozen.
 *
 * @example
 * const completion = await openai.chat.completions.create({ model, messages, tools: [openAIChatTool] });
 * // then for each call in completion.choices[0].message.tool_calls:
 * //   (await handleToolCall(call.function.arguments, sandbox)).text
 */
export const openAIChatTool: OpenAIChatToolDefinition = deepFreeze({
  type: 'function',
  function: { name: NAME, description: DESCRIPTION, parameters: STRICT_INPUT_SCHEMA, strict: true },
});

/**
 * The tool for OpenAI's Responses API, in strict mode: pass it in `tools` as
 * it is. Frozen.
 *
 * @example
 * const response = await openai.responses.create({ model, input, tools: [openAIResponsesTool] });
 * // then for each item of response.output with type 'function_call':
 * //   (await handleToolCall(item.arguments, sandbox)).text, sent back as a 'function_call_output'
 */
export const openAIResponsesTool: OpenAIResponsesToolDefinition = deepFreeze({
  type: 'function',
  name: NAME,
  description: DESCRIPTION,
  parameters: STRICT_INPUT_SCHEMA,
  strict: true,
});

/**
 * The tool for Anthropic's Messages API: pass it in `tools` as it is. Its
 * schema is {@link toolDefinition}'s. Frozen.
 *
 * @example
 * const message = await anthropic.messages.create({ model, max_tokens, messages, tools: [anthropicTool] });
 * // then for each block of message.content with type 'tool_use':
 * //   (await handleToolCall(block.input, sandbox)).text, sent back as a 'tool_result'
 */
export const anthropicTool: AnthropicToolDefinition = deepFreeze({
  name: NAME,
  description: DESCRIPTION,
  input_schema: toolDefinition.inputSchema,
});

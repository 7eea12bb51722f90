/**
 * `repl-sandbox/ai`: the `run_javascript` tool for the Vercel AI SDK. `ai`
 * is an optional peer dependency: only this entry loads it.
 *
 * @example
 * import { generateText, stepCountIs } from 'ai';
 * import { sandboxTool } from 'repl-sandbox/ai';
 * const { text } = await generateText({ model, prompt, tools: { run_javascript: sandboxTool(sandbox) }, stopWhen: stepCountIs(10) });
 */
import { jsonSchema, type Tool, tool } from 'ai';
import { type Sandbox, toolDefinition, type ToolInput } from './index.js';
import { fail } from './options.js';
import { checkToolCallOptions, parseToolInput, runToolCall } from './tools.js';

/** Options of {@link sandboxTool}. */
export interface SandboxToolOptions {
  /**
   * The largest `timeout` the model may ask for; a larger one is lowered to
   * it. It does not lower the sandbox's own default.
   * @default Infinity
   */
  readonly maxTimeout?: number;
  /**
   * `maxLength` of the text returned to the model (see `formatResult`).
   * @default Infinity
   */
  readonly maxLength?: number;
  /** The description the model reads. @default toolDefinition.description */
  readonly description?: string;
}

/**
 * The `run_javascript` tool for the AI SDK's `generateText` / `streamText`:
 * its input schema is {@link toolDefinition}'s, and its `execute` runs the
 * code in `sandbox` and returns the text `handleToolCall` returns (output,
 * then `=> value` or the error), so a failure of the code is a result the
 * model reads. Input that does not match the schema fails the SDK's
 * validation with `handleToolCall`'s message (``Expected `code` to be a
 * string…``), which the SDK sends back to the model as the tool's error. The
 * SDK's `abortSignal` cancels the run.
 *
 * @param sandbox - where to run; default: the module-level `run()`.
 * @param options - a cap on the model's `timeout`, a bound on the text, the description.
 * @throws TypeError for a bad option, at once.
 *
 * @example
 * const { text } = await generateText({
 *   model, prompt: 'What is fib(20)?',
 *   tools: { run_javascript: sandboxTool(sandbox, { maxLength: 20_000 }) },
 *   stopWhen: stepCountIs(10),
 * });
 */
export function sandboxTool(sandbox?: Sandbox, options: SandboxToolOptions = {}): Tool<ToolInput, string> {
  const { description = toolDefinition.description, ...callOptions } = options;
  if (typeof description !== 'string') fail('description', 'a string', description);
  const checked = checkToolCallOptions(callOptions);
  return tool({
    description,
    inputSchema: jsonSchema<ToolInput>(toolDefinition.inputSchema, {
      validate: (value) => {
        try {
          return { success: true, value: parseToolInput(value) };
        } catch (error) {
          return { success: false, error: error as Error };
        }
      },
    }),
    execute: async (input, { abortSignal }) => {
      const { text } = await runToolCall(input, sandbox, abortSignal === undefined ? checked : { ...checked, signal: abortSignal });
      return text;
    },
  });
}

/**
 * repl-sandbox: evaluate JavaScript or TypeScript in a fresh isolate per call,
 * with captured output, a wall-clock timeout and the raw value of the last
 * expression. `'context'`, `'worker'` and `'process'` isolate runs from each
 * other, not from the host; `'confined'` (Linux, bubblewrap) is the level
 * for code nobody read.
 */
export { createSandbox, run, Sandbox, type SandboxStats } from './sandbox.js';
export { formatResult, type FormatOptions } from './format.js';
export { ConfinementUnavailableError, SandboxClosedError, SandboxOverloadedError } from './errors.js';
export type { ConfineOptions, Isolation, PermissionProfile, RunOptions, SandboxOptions } from './options.js';
export type { SandboxLogger } from './logger.js';
export type { RunError, RunFailure, RunResult, RunSuccess, RunTimings } from './result.js';
export { handleToolCall, type ToolCallOptions, type ToolCallResult, type ToolInput } from './tools.js';
export {
  anthropicTool,
  type AnthropicToolDefinition,
  openAIChatTool,
  type OpenAIChatToolDefinition,
  openAIResponsesTool,
  type OpenAIResponsesToolDefinition,
  toolDefinition,
  type ToolDefinition,
  type ToolInputSchema,
} from './tool-definitions.js';

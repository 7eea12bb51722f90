/**
 * The README's tool loops, run end to end with the real SDK clients against a
 * scripted model (no network): OpenAI and Anthropic through a fake `fetch`,
 * the AI SDK through `MockLanguageModelV3`. Each model first makes a bad call,
 * reads the error, corrects it, reads the result and answers with it; every
 * request is kept, so the tests assert what reached the model.
 */
import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { MockLanguageModelV3 } from 'ai/test';
import OpenAI from 'openai';
import { anthropicTool, openAIChatTool, openAIResponsesTool, toolDefinition } from 'repl-sandbox';
import { describe, expect, it } from 'vitest';
import { aiSdkLoop } from './fixtures/ai-sdk-loop.js';
import { anthropicLoop } from './fixtures/anthropic-loop.js';
import { openAIChatLoop } from './fixtures/openai-chat-loop.js';
import { openAIResponsesLoop } from './fixtures/openai-responses-loop.js';
import { CONFINED_AVAILABLE, useSandbox } from './helpers.js';

const FIBONACCI = 'let [a, b] = [0, 1];\nfor (let i = 0; i < 20; i++) [a, b] = [b, a + b];\nconsole.log("computed");\na';
const RESULT_TEXT = 'computed\n=> 6765';
const QUESTION = 'What is fib(20)?';

type Body = Record<string, unknown>;
/** What the AI SDK sends to a model, and what a model returns from a call (types of `@ai-sdk/provider`, through `ai/test`). */
type CallOptions = Parameters<MockLanguageModelV3['doGenerate']>[0];
type GenerateResult = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;

/**
 * A `fetch` that answers every request with `reply(body, turn)` as JSON and
 * keeps the parsed request bodies (`requests`). Nothing leaves the process.
 */
function scriptedFetch(reply: (body: Body, turn: number) => unknown): { fetch: typeof fetch; requests: Body[] } {
  const requests: Body[] = [];
  const fake = (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(init?.body as string) as Body; // the SDKs send JSON text
    requests.push(body);
    const response = reply(body, requests.length);
    return Promise.resolve(new Response(JSON.stringify(response), { status: 200, headers: { 'content-type': 'application/json' } }));
  };
  return { fetch: fake, requests };
}

/** The text after `// README block:` in a fixture. */
function readmeBlock(fixture: string): string {
  const text = readFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), 'utf8');
  const at = text.indexOf('// README block:\n');
  expect(at, fixture).toBeGreaterThan(0);
  return text.slice(at + '// README block:\n'.length);
}

describe('the README shows the loops compiled and run here', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  it.each(['openai-chat-loop.ts', 'openai-responses-loop.ts', 'anthropic-loop.ts', 'ai-sdk-loop.ts', 'sdk-loops-main.ts'])('%s', (fixture) => {
    // (A boolean: a failing toContain would print the whole README.)
    expect(readme.includes('```ts\n' + readmeBlock(fixture) + '```\n'), `the README shows test/fixtures/${fixture} after its marker, verbatim`).toBe(true);
  });
});

describe('tool loops with the real SDK clients and a scripted model (no network)', () => {
  // As the README recommends for model-written code, where it can run.
  const sandbox = useSandbox(CONFINED_AVAILABLE ? { isolation: 'confined', warm: 1 } : { warm: 1 });

  it('OpenAI Chat Completions: a bad call, its correction, then the answer', async () => {
    const toolCall = (id: string, args: unknown) => ({ id, type: 'function', function: { name: 'run_javascript', arguments: JSON.stringify(args) } });
    const completion = (message: Body) => ({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 0,
      model: 'gpt-5.4',
      choices: [{ index: 0, finish_reason: message['tool_calls'] === undefined ? 'stop' : 'tool_calls', logprobs: null, message: { role: 'assistant', refusal: null, ...message } }],
    });
    const { fetch, requests } = scriptedFetch((body, turn) => {
      expect(body['tools']).toEqual([openAIChatTool]);
      const messages = body['messages'] as Body[];
      if (turn === 1) return completion({ content: null, tool_calls: [toolCall('call_1', { language: null, timeout: null })] });
      if (turn === 2) return completion({ content: null, tool_calls: [toolCall('call_2', { code: FIBONACCI, language: null, timeout: null })] });
      return completion({ content: `fib(20) is ${String(messages.at(-1)?.['content']).split('=> ')[1]}` });
    });
    const answer = await openAIChatLoop(new OpenAI({ apiKey: 'x', fetch, maxRetries: 0 }), sandbox, QUESTION);
    expect(answer).toBe('fib(20) is 6765');
    expect(requests).toHaveLength(3);
    expect((requests[1]?.['messages'] as Body[]).at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'Invalid arguments: Expected `code` to be a string, got `undefined` (undefined)',
    });
    expect((requests[2]?.['messages'] as Body[]).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_2', content: RESULT_TEXT });
  });

  it('OpenAI Responses: function_call items in, function_call_output items out, chained by previous_response_id', async () => {
    const response = (id: string, output: Body[]) => ({ id, object: 'response', created_at: 0, status: 'completed', model: 'gpt-5.4', output });
    const functionCall = (callId: string, args: unknown) => ({
      type: 'function_call',
      id: `fc_${callId}`,
      call_id: callId,
      name: 'run_javascript',
      arguments: JSON.stringify(args),
      status: 'completed',
    });
    const { fetch, requests } = scriptedFetch((body, turn) => {
      expect(body['tools']).toEqual([openAIResponsesTool]);
      if (turn === 1) return response('resp_1', [functionCall('call_1', { code: 'const = 1', language: null, timeout: null })]);
      if (turn === 2) return response('resp_2', [functionCall('call_2', { code: FIBONACCI, language: 'js', timeout: null })]);
      const [output] = body['input'] as Body[];
      const text = `fib(20) is ${String(output?.['output']).split('=> ')[1]}`;
      return response('resp_3', [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }]);
    });
    const answer = await openAIResponsesLoop(new OpenAI({ apiKey: 'x', fetch, maxRetries: 0 }), sandbox, QUESTION);
    expect(answer).toBe('fib(20) is 6765');
    expect(requests.map((request) => request['previous_response_id'])).toEqual([undefined, 'resp_1', 'resp_2']);
    // The syntax error is a result of the code, sent back as the call's output.
    expect(requests[1]?.['input']).toEqual([{ type: 'function_call_output', call_id: 'call_1', output: expect.stringMatching(/^Exception: SyntaxError: /) as unknown }]);
    expect(requests[2]?.['input']).toEqual([{ type: 'function_call_output', call_id: 'call_2', output: RESULT_TEXT }]);
  });

  it('Anthropic Messages: tool_use blocks in, tool_result blocks out with is_error', async () => {
    const message = (stopReason: string, content: Body[]) => ({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5-5',
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    });
    const toolUse = (id: string, input: unknown) => ({ type: 'tool_use', id, name: 'run_javascript', input });
    const { fetch, requests } = scriptedFetch((body, turn) => {
      expect(body['tools']).toEqual([anthropicTool]);
      if (turn === 1) return message('tool_use', [{ type: 'text', text: 'Let me compute.' }, toolUse('tu_1', { code: 7 })]);
      if (turn === 2) return message('tool_use', [toolUse('tu_2', { code: FIBONACCI })]);
      const [result] = (body['messages'] as Body[]).at(-1)?.['content'] as Body[];
      return message('end_turn', [{ type: 'text', text: `fib(20) is ${String(result?.['content']).split('=> ')[1]}` }]);
    });
    const answer = await anthropicLoop(new Anthropic({ apiKey: 'x', fetch, maxRetries: 0 }), sandbox, QUESTION);
    expect(answer).toBe('fib(20) is 6765');
    expect((requests[1]?.['messages'] as Body[]).at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'Invalid input: Expected `code` to be a string, got `7` (number)', is_error: true }],
    });
    expect((requests[2]?.['messages'] as Body[]).at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu_2', content: RESULT_TEXT, is_error: false }],
    });
  });

  it('Vercel AI SDK: sandboxTool validates, runs, and returns the text to the model', async () => {
    const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
    const toolCall = (toolCallId: string, input: unknown): GenerateResult => ({
      content: [{ type: 'tool-call', toolCallId, toolName: 'run_javascript', input: JSON.stringify(input) }],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage,
      warnings: [],
    });
    const calls: CallOptions[] = [];
    const lastToolOutput = (options: CallOptions): unknown => {
      const last = options.prompt.at(-1);
      return last?.role === 'tool' && last.content[0]?.type === 'tool-result' ? last.content[0].output : undefined;
    };
    const model = new MockLanguageModelV3({
      doGenerate: (options) => {
        calls.push(options);
        expect(options.tools).toEqual([expect.objectContaining({ type: 'function', name: 'run_javascript', inputSchema: toolDefinition.inputSchema })]);
        if (calls.length === 1) return Promise.resolve(toolCall('c1', { code: FIBONACCI, timeout: 'soon' }));
        if (calls.length === 2) return Promise.resolve(toolCall('c2', { code: FIBONACCI, timeout: null }));
        const output = lastToolOutput(options) as { value: string };
        return Promise.resolve({
          content: [{ type: 'text', text: `fib(20) is ${output.value.split('=> ')[1]}` }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage,
          warnings: [],
        });
      },
    });
    expect(await aiSdkLoop(model, sandbox, QUESTION)).toBe('fib(20) is 6765');
    expect(calls).toHaveLength(3);
    // The bad call fails the schema check with handleToolCall's message, which goes back to the model.
    expect(lastToolOutput(calls[1]!)).toEqual({
      type: 'error-text',
      value: expect.stringContaining("Expected `timeout` to be a non-negative number of milliseconds or Infinity, got `'soon'` (string)") as unknown,
    });
    expect(lastToolOutput(calls[2]!)).toEqual({ type: 'text', value: RESULT_TEXT });
  });
});

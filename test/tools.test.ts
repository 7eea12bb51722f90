import { handleToolCall, toolDefinition } from 'repl-sandbox';
import { describe, expect, it } from 'vitest';
import { type AnthropicMessage, anthropicToolLoop, type AnthropicToolResult, type CreateMessage } from './fixtures/anthropic-loop.js';
import { type CreateCompletion, type OpenAiMessage, openAiToolLoop } from './fixtures/openai-loop.js';
import { CONFINED_AVAILABLE, expectError, useSandbox } from './helpers.js';

const FIBONACCI = 'let [a, b] = [0, 1];\nfor (let i = 0; i < 20; i++) [a, b] = [b, a + b];\nconsole.log("computed");\na';

describe('toolDefinition', () => {
  it('names the tool, describes it, and gives the JSON Schema of its input', () => {
    expect(toolDefinition.name).toBe('run_javascript');
    expect(toolDefinition.description).toMatch(/clean slate/);
    expect(toolDefinition.inputSchema).toEqual({
      type: 'object',
      properties: {
        code: { type: 'string', description: expect.any(String) as unknown },
        language: { type: 'string', enum: ['js', 'ts'], description: expect.any(String) as unknown },
        timeout: { type: 'number', minimum: 0, description: expect.any(String) as unknown },
      },
      required: ['code'],
      additionalProperties: false,
    });
  });

  it('is frozen all the way down and survives JSON', () => {
    expect(Object.isFrozen(toolDefinition)).toBe(true);
    expect(Object.isFrozen(toolDefinition.inputSchema.properties.code)).toBe(true);
    expect(Object.isFrozen(toolDefinition.inputSchema.required)).toBe(true);
    expect(JSON.parse(JSON.stringify(toolDefinition))).toEqual(toolDefinition);
  });
});

describe('handleToolCall', () => {
  const sandbox = useSandbox({ warm: 2 });

  it('runs the code and returns the text for the model with the result', async () => {
    const { text, result } = await handleToolCall({ code: 'console.log("hi"); 6 * 7' }, sandbox);
    expect(text).toBe('hi\n=> 42');
    expect(result).toMatchObject({ ok: true, output: 'hi\n', result: 42, inspected: '42' });
  });

  it('accepts the JSON text OpenAI sends as arguments', async () => {
    const { text } = await handleToolCall(JSON.stringify({ code: 'const n: number = 2; n ** 10', language: 'ts' }), sandbox);
    expect(text).toBe('=> 1024');
  });

  it('returns failures of the code as results, not rejections', async () => {
    const { text, result } = await handleToolCall({ code: 'null.x' }, sandbox);
    expect(result.ok).toBe(false);
    expect(text).toMatch(/^Exception: TypeError: Cannot read properties of null \(reading 'x'\)\n {4}at <sandbox>:1:6/);
  });

  it('lowers the timeout the model asks for to maxTimeout', async () => {
    const { text, result } = await handleToolCall({ code: 'while (true) {}', timeout: 600_000 }, sandbox, { maxTimeout: 200 });
    expect(expectError(result, 'timeout').error.timeout).toBe(200);
    expect(text).toBe('Timeout: Timed out after 200 ms');
  });

  it('bounds the text with maxLength, keeping the head and the tail', async () => {
    const { text, result } = await handleToolCall({ code: 'console.log("x".repeat(5000)); "end"' }, sandbox, { maxLength: 200 });
    expect(result.output.length).toBe(5001);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text).toMatch(/^x+\n\.\.\.\(\d+ characters cut\)\.\.\.\nx+\n=> 'end'$/);
  });

  it('is cancelled by a signal', async () => {
    const controller = new AbortController();
    const pending = handleToolCall({ code: 'await new Promise(() => {})', timeout: 10_000 }, sandbox, { signal: controller.signal });
    controller.abort(new Error('the user left'));
    const { text, result } = await pending;
    expectError(result, 'aborted');
    expect(text).toMatch(/^Aborted: .*\(the user left\)$/);
  });

  it('uses the module-level run() when no sandbox is given', async () => {
    expect((await handleToolCall({ code: '1 + 1' })).text).toBe('=> 2');
  });

  it('rejects bad input with a TypeError naming the field and showing the value', async () => {
    const cases: [unknown, string][] = [
      [undefined, 'Expected `the tool input` to be an object with a `code` string, got `undefined` (undefined)'],
      [['1'], "Expected `the tool input` to be an object with a `code` string, got `[ '1' ]` (array)"],
      ['{"code": ', "Expected `the tool input` to be a JSON object, got `'{\"code\": '` (string)"],
      [{}, 'Expected `code` to be a string, got `undefined` (undefined)'],
      [{ code: 42 }, 'Expected `code` to be a string, got `42` (number)'],
      [{ code: '1', language: 'python' }, "Expected `language` to be 'js' or 'ts', got `'python'` (string)"],
      [{ code: '1', timeout: -5 }, 'Expected `timeout` to be a non-negative number of milliseconds or Infinity, got `-5` (number)'],
      [{ code: '1', timeout: '5s' }, "Expected `timeout` to be a non-negative number of milliseconds or Infinity, got `'5s'` (string)"],
      [{ code: '1', cwd: '/' }, 'Unexpected property `cwd` in the tool input: expected only `code`, `language`, `timeout`'],
    ];
    for (const [input, message] of cases) {
      await expect(handleToolCall(input, sandbox)).rejects.toThrow(new TypeError(message));
    }
    await expect(handleToolCall({ code: '1' }, sandbox, { maxTimeout: -1 })).rejects.toThrow(/`maxTimeout`/);
  });
});

describe('tool loops, driven by a scripted model (no network)', () => {
  // As the README recommends for model-written code, where it can run.
  const sandbox = useSandbox(CONFINED_AVAILABLE ? { isolation: 'confined', warm: 1 } : { warm: 1 });

  it('OpenAI style: tool_calls in, tool messages out, until the answer', async () => {
    const seen: OpenAiMessage[][] = [];
    const create: CreateCompletion = (body) => {
      seen.push([...body.messages]);
      expect(body.tools[0]?.function.parameters).toBe(toolDefinition.inputSchema);
      const last = body.messages.at(-1);
      if (last?.role === 'user') {
        const tool_calls = [
          { id: 'call_1', type: 'function' as const, function: { name: 'run_javascript', arguments: JSON.stringify({ code: FIBONACCI }) } },
          { id: 'call_2', type: 'function' as const, function: { name: 'run_javascript', arguments: '{"code": 7}' } },
        ];
        return Promise.resolve({ choices: [{ message: { role: 'assistant' as const, content: null, tool_calls } }] });
      }
      const answer = body.messages.find((m) => m.role === 'tool' && m.tool_call_id === 'call_1');
      return Promise.resolve({ choices: [{ message: { role: 'assistant' as const, content: `The tool said: ${answer?.content}` } }] });
    };
    expect(await openAiToolLoop(create, sandbox, 'What is fib(20)?')).toBe('The tool said: computed\n=> 6765');
    const toolMessages = seen.at(-1)?.filter((m) => m.role === 'tool');
    expect(toolMessages).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: 'computed\n=> 6765' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Invalid arguments: Expected `code` to be a string, got `7` (number)' },
    ]);
  });

  it('Anthropic style: tool_use blocks in, tool_result blocks out with is_error', async () => {
    let results: AnthropicToolResult[] = [];
    const create: CreateMessage = (body) => {
      expect(body.tools[0]?.input_schema).toBe(toolDefinition.inputSchema);
      const last: AnthropicMessage | undefined = body.messages.at(-1);
      if (last?.role === 'user' && typeof last.content === 'string') {
        return Promise.resolve({
          stop_reason: 'tool_use',
          content: [
            { type: 'text' as const, text: 'Let me compute.' },
            { type: 'tool_use' as const, id: 'tu_1', name: 'run_javascript', input: { code: FIBONACCI } },
            { type: 'tool_use' as const, id: 'tu_2', name: 'run_javascript', input: { code: 'throw new Error("nope")' } },
            { type: 'tool_use' as const, id: 'tu_3', name: 'run_python', input: { code: '1' } },
          ],
        });
      }
      if (last?.role === 'user' && Array.isArray(last.content)) results = last.content;
      return Promise.resolve({ stop_reason: 'end_turn', content: [{ type: 'text' as const, text: 'fib(20) = 6765' }] });
    };
    expect(await anthropicToolLoop(create, sandbox, 'What is fib(20)?')).toBe('fib(20) = 6765');
    expect(results).toEqual([
      { type: 'tool_result', tool_use_id: 'tu_1', content: 'computed\n=> 6765', is_error: false },
      { type: 'tool_result', tool_use_id: 'tu_2', content: 'Exception: Error: nope\n    at <sandbox>:1:7', is_error: true },
      { type: 'tool_result', tool_use_id: 'tu_3', content: 'Unknown tool: run_python', is_error: true },
    ]);
  });
});

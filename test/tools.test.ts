import { anthropicTool, handleToolCall, openAIChatTool, openAIResponsesTool, toolDefinition } from 'repl-sandbox';
import { describe, expect, it } from 'vitest';
import { expectError, useSandbox } from './helpers.js';

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

describe('the per-SDK definitions', () => {
  it('OpenAI (Chat Completions and Responses): strict, every property required, the optional ones nullable', () => {
    const strict = openAIChatTool.function.parameters;
    expect(openAIChatTool).toEqual({
      type: 'function',
      function: { name: 'run_javascript', description: toolDefinition.description, parameters: strict, strict: true },
    });
    expect(openAIResponsesTool).toEqual({ type: 'function', name: 'run_javascript', description: toolDefinition.description, parameters: strict, strict: true });
    expect(strict).toEqual({
      type: 'object',
      properties: {
        code: toolDefinition.inputSchema.properties.code,
        language: { anyOf: [{ type: 'string', enum: ['js', 'ts'] }, { type: 'null' }], description: expect.any(String) as unknown },
        timeout: { type: ['number', 'null'], minimum: 0, description: expect.any(String) as unknown },
      },
      required: ['code', 'language', 'timeout'],
      additionalProperties: false,
    });
    // The same fields as the MCP schema, so handleToolCall accepts what either declares.
    expect(Object.keys(strict.properties)).toEqual(Object.keys(toolDefinition.inputSchema.properties));
  });

  it('Anthropic: name, description, and the MCP schema as input_schema', () => {
    expect(anthropicTool).toEqual({ name: 'run_javascript', description: toolDefinition.description, input_schema: toolDefinition.inputSchema });
  });

  it('are frozen all the way down and survive JSON', () => {
    for (const definition of [openAIChatTool, openAIResponsesTool, anthropicTool]) {
      expect(Object.isFrozen(definition)).toBe(true);
      expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
    }
    expect(Object.isFrozen(openAIChatTool.function.parameters.required)).toBe(true);
    expect(Object.isFrozen(openAIResponsesTool.parameters.properties.language)).toBe(true);
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

  it('takes null for an optional field as absent (OpenAI strict mode sends it)', async () => {
    const { text, result } = await handleToolCall({ code: '"ok"', language: null, timeout: null }, sandbox);
    expect(text).toBe("=> 'ok'");
    expect(result.ok).toBe(true);
    expect((await handleToolCall('{"code": "const n: number = 3; n", "language": "ts", "timeout": null}', sandbox)).text).toBe('=> 3');
    await expect(handleToolCall({ code: null, language: null, timeout: null }, sandbox)).rejects.toThrow(
      new TypeError('Expected `code` to be a string, got `null` (null)'),
    );
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

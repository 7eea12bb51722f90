/** `repl-sandbox/ai`'s sandboxTool on its own: options, validation, execute, abort. */
import { toolDefinition } from 'repl-sandbox';
import { sandboxTool } from 'repl-sandbox/ai';
import { describe, expect, it } from 'vitest';
import { useSandbox } from './helpers.js';

/** What the AI SDK passes to `execute` besides the input. */
const executeOptions = (abortSignal?: AbortSignal) => ({ toolCallId: 'c1', messages: [], ...(abortSignal === undefined ? {} : { abortSignal }) });

describe('sandboxTool', () => {
  const sandbox = useSandbox({ warm: 1 });

  it('describes the tool as toolDefinition does, or as told', () => {
    expect(sandboxTool(sandbox).description).toBe(toolDefinition.description);
    expect(sandboxTool(sandbox, { description: 'Run JS.' }).description).toBe('Run JS.');
  });

  it('checks its options at once', () => {
    expect(() => sandboxTool(sandbox, { maxTimeout: -1 })).toThrow(/`maxTimeout`/);
    expect(() => sandboxTool(sandbox, { maxLength: 1.5 })).toThrow(/`maxLength`/);
    expect(() => sandboxTool(sandbox, { description: 7 as unknown as string })).toThrow(new TypeError('Expected `description` to be a string, got `7` (number)'));
  });

  it('runs the code and returns the text, lowering the timeout to maxTimeout', async () => {
    const tool = sandboxTool(sandbox, { maxTimeout: 200 });
    expect(await tool.execute?.({ code: 'console.log("hi"); 6 * 7' }, executeOptions())).toBe('hi\n=> 42');
    expect(await tool.execute?.({ code: 'while (true) {}', timeout: 60_000 }, executeOptions())).toBe('Timeout: Timed out after 200 ms');
  });

  it("is cancelled by the SDK's abortSignal", async () => {
    const controller = new AbortController();
    const pending = sandboxTool(sandbox).execute?.({ code: 'await new Promise(() => {})', timeout: 10_000 }, executeOptions(controller.signal));
    controller.abort(new Error('the user left'));
    expect(await pending).toMatch(/^Aborted: .*\(the user left\)$/);
  });
});

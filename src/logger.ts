/**
 * The part of a pino logger the library uses: any pino `Logger` fits, and so
 * does anything else with these methods. Declared here, not taken from pino,
 * so that the published types do not depend on pino's.
 */
export interface SandboxLogger {
  child(bindings: Record<string, unknown>): SandboxLogger;
  debug(object: Record<string, unknown>, message?: string): void;
  info(object: Record<string, unknown>, message?: string): void;
  warn(object: Record<string, unknown>, message?: string): void;
  error(object: Record<string, unknown>, message?: string): void;
}

const noop = (): void => {};

/** The default: says nothing, costs nothing, and never loads pino. */
export const silentLogger: SandboxLogger = Object.freeze({
  child: () => silentLogger,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});

/**
 * The sandbox's logger: a child of the caller's, or silence. Bound as
 * `component`, never `name`: pino writes a child's bindings after its
 * parent's, so a named logger (the MCP server's, or the caller's app) would
 * print two `name` keys in one line.
 */
export function sandboxLogger(logger: SandboxLogger | undefined): SandboxLogger {
  return logger === undefined ? silentLogger : logger.child({ component: 'repl-sandbox' });
}

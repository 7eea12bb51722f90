// Runs a TypeScript benchmark entry with tsx registered at run time rather
// than on the command line: Workers inherit the host's execArgv, and a loader
// there (`--import tsx`) is booted again inside every Worker, which would add
// the loader's start-up to every isolate the benchmark measures. relaunch.ts
// starts this file with the entry in REPL_SANDBOX_BENCH_ENTRY (index.ts when
// unset); run it directly only with the same arguments.
import { register } from 'tsx/esm/api';

register();
await import(process.env.REPL_SANDBOX_BENCH_ENTRY ?? './index.ts');

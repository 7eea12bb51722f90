// Runs the TypeScript benchmark with tsx registered at run time rather than on
// the command line: Workers inherit the host's execArgv, and a loader there
// (`--import tsx`) is booted again inside every Worker, which would add the
// loader's start-up to every isolate the benchmark measures. index.ts
// relaunches through this file; run it directly only with the same arguments.
import { register } from 'tsx/esm/api';

register();
await import('./index.ts');

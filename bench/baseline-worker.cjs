// The bare baseline: what "a fresh Worker with its own vm context per call" costs
// when written as simply as possible. The host spawns this file per call with the
// snippet in workerData, awaits one message, then terminates the worker.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { format } = require('node:util');
const vm = require('node:vm');

const output = [];
const context = vm.createContext({
  console: { log: (...args) => void output.push(format(...args) + '\n') },
});
const result = vm.runInContext(workerData.code, context);
parentPort.postMessage({ output: output.join(''), result });

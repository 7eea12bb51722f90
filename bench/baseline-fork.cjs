// The bare process baseline: what "a fresh child process with its own vm context
// per call" costs when written as simply as possible. The host forks this file per
// call with the snippet as its one argument, awaits one IPC message, then kills it.
'use strict';
const { format } = require('node:util');
const vm = require('node:vm');

const output = [];
const context = vm.createContext({
  console: { log: (...args) => void output.push(format(...args) + '\n') },
});
const result = vm.runInContext(process.argv[2], context);
process.send({ output: output.join(''), result });
// Stay until the host kills us, as a worker stays until terminate(): exiting by
// ourselves raced the message ('exit' could reach the host first).
setInterval(() => {}, 2 ** 31 - 1);
process.once('disconnect', () => process.exit(0));

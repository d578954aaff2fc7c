// The react-18 test project: React DOM 18 is CommonJS and require()s 'react', which pnpm links to
// the package's React 19; send those requires to React 18 (the `react-18` npm alias) instead.
import Module from 'node:module';

const REACT_18 = process.env.ACCRUPAY_TEST_REACT_18_DIR ?? '';
if (!REACT_18) throw new Error('the react-18 project sets ACCRUPAY_TEST_REACT_18_DIR');
const resolver = Module as unknown as {
  _resolveFilename(request: string, ...rest: unknown[]): string;
};
const original = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  const redirected = /^react(\/|$)/.test(request) ? request.replace(/^react/, REACT_18) : request;
  return original.call(this, redirected, ...rest);
};

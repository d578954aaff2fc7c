import { expect, test } from 'vitest';
import { formatLogLine } from './log-format.ts';

test('a request is one readable line; other entries keep their fields; non-JSON stays', () => {
  const at = Date.UTC(2030, 0, 15, 12, 0, 1);
  expect(
    formatLogLine(
      JSON.stringify({
        level: 30,
        time: at,
        pid: 1,
        hostname: 'h',
        requestId: 'req_1',
        method: 'POST',
        path: '/v1/x',
        status: 201,
        ms: 12.345,
        msg: 'request',
      }),
    ),
  ).toBe('12:00:01 INFO  POST /v1/x 201 12.3 ms  requestId=req_1');
  expect(
    formatLogLine(
      JSON.stringify({ level: 40, time: at, msg: 'CORS: origin refused', origin: 'http://x.test' }),
    ),
  ).toBe('12:00:01 WARN  CORS: origin refused  origin=http://x.test');
  expect(formatLogLine('not json')).toBe('not json');
  expect(formatLogLine(JSON.stringify({ level: 50, time: at, msg: 'boom' }), true)).toContain(
    '\u001b[31mERROR',
  );
});

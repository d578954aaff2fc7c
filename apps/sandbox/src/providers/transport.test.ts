import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport } from './transport.ts';
import { ProviderUnavailableError } from './types.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server on port 0 that counts the connections it accepted. */
async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  let connections = 0;
  const sockets: Socket[] = [];
  server.on('connection', (socket) => {
    connections += 1;
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, sockets, server };
}

describe('createTransport', () => {
  it('sends the method, headers and body, and reuses one connection for calls in turn', async () => {
    const server = await serve((req, body, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          header: req.headers['x-test'],
          body: JSON.parse(body),
        }),
      );
    });
    const transport = createTransport();
    for (const name of ['zoë', '日本']) {
      const answer = await transport.sendJson('echo', {
        method: 'POST',
        url: `${server.url}/echo`,
        headers: { 'x-test': 'yes' },
        body: { name },
      });
      expect(answer).toEqual({
        status: 200,
        json: { method: 'POST', header: 'yes', body: { name } },
      });
    }
    expect(server.connections()).toBe(1);
  });

  it('closes a connection left idle before the provider does, and still waits for a slow answer', async () => {
    const server = await serve((req, _body, res) => {
      // The slow answer comes after the idle limit: a call in progress is not idle.
      setTimeout(() => res.end('ok'), req.url === '/slow' ? 120 : 0);
    });
    // A provider that keeps idle connections a minute (and says so): the transport's own limit
    // closes them first, so that a call never takes one the provider is closing.
    server.server.keepAliveTimeout = 60_000;
    const transport = createTransport({ idleConnectionMs: 30 });
    expect(await transport.send('call', { method: 'GET', url: `${server.url}/fast` })).toEqual({
      status: 200,
      text: 'ok',
    });
    const [first] = server.sockets;
    // Without the limit, Node's agent kept it open forever: this never happened.
    if (first && !first.closed) await once(first, 'close');
    expect(await transport.send('call', { method: 'GET', url: `${server.url}/slow` })).toEqual({
      status: 200,
      text: 'ok',
    });
    expect(server.connections()).toBe(2);
  });

  it('returns an answer below 500 as it came and makes a 5xx unavailable', async () => {
    const server = await serve((req, _body, res) => {
      res.statusCode = Number(req.url?.slice(1));
      res.end('plain');
    });
    const transport = createTransport();
    expect(await transport.send('call', { method: 'GET', url: `${server.url}/402` })).toEqual({
      status: 402,
      text: 'plain',
    });
    const failed = transport.send('call', { method: 'GET', url: `${server.url}/503` });
    await expect(failed).rejects.toThrow(ProviderUnavailableError);
    await expect(failed).rejects.toMatchObject({
      message: 'call answered HTTP 503',
      kind: 'error',
    });
  });

  it('times out a call whose answer does not come, naming the call and its URL', async () => {
    const server = await serve(() => undefined);
    const transport = createTransport({ timeoutMs: 50 });
    const url = `${server.url}/slow`;
    await expect(transport.send('slow call', { method: 'GET', url })).rejects.toMatchObject({
      message: `slow call timed out after 50 ms (${url})`,
      kind: 'timeout',
    });
  });

  it('times out an answer whose body does not end', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('half');
    });
    const transport = createTransport({ timeoutMs: 50 });
    await expect(
      transport.send('half call', { method: 'GET', url: `${server.url}/half` }),
    ).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('makes a dropped connection and a refused one unavailable', async () => {
    const server = await serve((req, _body, res) => {
      if (req.url === '/mid') {
        res.writeHead(200);
        res.write('part', () => res.socket?.destroy());
      } else req.socket.destroy();
    });
    const transport = createTransport();
    for (const path of ['/drop', '/mid']) {
      const url = `${server.url}${path}`;
      const failed = transport.send('dropped', { method: 'POST', url, body: '{}' });
      await expect(failed).rejects.toMatchObject({ kind: 'error' });
      await expect(failed).rejects.toThrow(`dropped gave no answer at ${url}: `);
    }
    const closed = await serve(() => undefined);
    const url = closed.url;
    await cleanups.pop()?.();
    await expect(transport.send('refused', { method: 'GET', url })).rejects.toMatchObject({
      message: expect.stringMatching(
        /^refused gave no answer at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
      ),
      kind: 'error',
    });
  });
});

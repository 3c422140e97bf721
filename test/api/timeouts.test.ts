/**
 * A client that sends its request too slowly, or goes quiet on an open connection, is cut off by
 * the configured request and connection timeouts, on a real listening server.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { auth, build } from './helper.js';

async function listening(over: { requestTimeoutMs: number; connectionTimeoutMs: number }): Promise<number> {
  const app = await build({ config: over });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];
// A failing test must not leave a socket open: the app's close would wait for it.
afterEach(() => {
  timers.splice(0).forEach(clearInterval);
  sockets.splice(0).forEach((s) => s.destroy());
});

/** Opens a socket, writes `first`, and collects the answer until the server closes it. */
function open(port: number, first: string): { socket: Socket; closed: Promise<string> } {
  const socket = tcpConnect({ port, host: '127.0.0.1' }, () => socket.write(first));
  sockets.push(socket);
  let got = '';
  socket.on('data', (d) => (got += String(d)));
  const closed = new Promise<string>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
  return { socket, closed };
}

describe('request and connection timeouts', () => {
  it('a body that trickles in slower than the request timeout gets a 408 in the common shape and the connection closed', {
    timeout: 30_000,
  }, async () => {
    const port = await listening({ requestTimeoutMs: 400, connectionTimeoutMs: 20_000 });
    const headers = `POST /v1/scores HTTP/1.1\r\nHost: x\r\nx-api-key: ${auth('scorer')['x-api-key']}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"features":`;
    const { socket, closed } = open(port, headers);
    // One byte at a time keeps the connection busy, so only the request timeout can end it.
    timers.push(setInterval(() => socket.writable && socket.write(' '), 50));
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'ARREARS_REQUEST_TIMEOUT', message: 'the request did not arrive in time', details: [] },
    });
  });

  it('a connection that goes quiet mid-request is closed after the connection timeout', { timeout: 30_000 }, async () => {
    const port = await listening({ requestTimeoutMs: 60_000, connectionTimeoutMs: 300 });
    const { closed } = open(port, 'POST /v1/scores HTTP/1.1\r\nHost: x\r\n');
    expect(await closed).toBe('');
  });

  it('defaults: 30 s per request, 60 s of silence per connection; both read from the environment', () => {
    expect(loadConfig({})).toMatchObject({ requestTimeoutMs: 30_000, connectionTimeoutMs: 60_000 });
    expect(loadConfig({ ARREARS_REQUEST_TIMEOUT_MS: '5000', ARREARS_CONNECTION_TIMEOUT_MS: '7000' })).toMatchObject({
      requestTimeoutMs: 5_000,
      connectionTimeoutMs: 7_000,
    });
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpFetcher } from '../../../gateway/subgraph-fetcher';

/** A local HTTP server answering with `handler`; its URL and what it saw. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: string; closedEarly: number } = {
    closedEarly: 0,
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      Object.assign(seen, { method: req.method, url: req.url, headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) seen.closedEarly++;
      });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql?x=1`;
  return {
    url,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('createHttpFetcher', () => {
  it('sends method, path, headers and body, and answers status, headers and a body sent in chunks', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'cache-control': 'max-age=5' });
      res.write('{"data":{"a":"');
      setTimeout(() => res.end(`${'x'.repeat(100_000)}"}}`), 20);
    });
    try {
      const fetcher = createHttpFetcher(5_000);
      const res = await fetcher(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
        body: '{"query":"{ a }"}',
      });
      expect(s.seen).toMatchObject({ method: 'POST', url: '/graphql?x=1', body: '{"query":"{ a }"}' });
      expect(s.seen.headers?.['x-request-id']).toBe('r1');
      expect(res.status).toBe(201);
      expect(res.ok).toBe(true);
      expect(res.headers.get('Cache-Control')).toBe('max-age=5');
      expect(((await res.json()) as { data: { a: string } }).data.a).toHaveLength(100_000);
    } finally {
      await s.close();
    }
  });

  it('rejects with the signal reason when the signal aborts mid-exchange, and the request is cut on the server', async () => {
    const s = await serve(() => undefined); // never answers
    try {
      const fetcher = createHttpFetcher(5_000);
      const controller = new AbortController();
      const pending = fetcher(s.url, { method: 'POST', body: '{}', signal: controller.signal } as never);
      await until(() => s.seen.method === 'POST');
      const reason = new Error('deadline');
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      await until(() => s.seen.closedEarly === 1);
    } finally {
      await s.close();
    }
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const s = await serve((_req, res) => res.end('{}'));
    try {
      const controller = new AbortController();
      const reason = new Error('too late');
      controller.abort(reason);
      await expect(createHttpFetcher(5_000)(s.url, { method: 'POST', body: '{}', signal: controller.signal } as never)).rejects.toBe(
        reason,
      );
      expect(s.seen.method).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('fails a subgraph that sends no headers within the timeout', async () => {
    const s = await serve(() => undefined);
    try {
      await expect(createHttpFetcher(200)(s.url, { method: 'POST', body: '{}' })).rejects.toMatchObject({
        code: 'UND_ERR_HEADERS_TIMEOUT',
      });
    } finally {
      await s.close();
    }
  });
});

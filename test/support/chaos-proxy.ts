/**
 * An HTTP proxy in front of a real subgraph process, for the resilience tests: it forwards every
 * request, after a delay (`slow`), answers every other one with 503 (`flapping`), or accepts
 * requests and never answers (`hung`). It counts the mutations it forwarded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** How the proxy treats requests. */
export type ChaosMode = { kind: 'pass' } | { kind: 'slow'; delayMs: number } | { kind: 'flapping' } | { kind: 'hung' };

/** A running proxy. */
export interface ChaosProxy {
  url: string;
  mode: ChaosMode;
  /** Requests received, and mutation requests forwarded to the subgraph. */
  counts: { requests: number; mutationsForwarded: number };
  /** Header names and values of the last request received (names lower case). */
  lastHeaders: Record<string, string | string[] | undefined>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a proxy to `target` (a subgraph URL) on a free port. */
export async function startChaosProxy(target: string): Promise<ChaosProxy> {
  const hung: ServerResponse[] = [];
  const proxy: ChaosProxy = {
    url: '',
    mode: { kind: 'pass' },
    counts: { requests: 0, mutationsForwarded: 0 },
    lastHeaders: {},
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const n = ++proxy.counts.requests;
      proxy.lastHeaders = { ...req.headers };
      const body = await readBody(req);
      const mode = proxy.mode;
      if (mode.kind === 'hung') {
        hung.push(res);
        return;
      }
      if (mode.kind === 'flapping' && n % 2 === 1) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('flapping');
        return;
      }
      if (mode.kind === 'slow') await new Promise((r) => setTimeout(r, mode.delayMs));
      if (/"query":"\s*mutation/.test(body.toString())) proxy.counts.mutationsForwarded++;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      try {
        const upstream = await fetch(target, { method: req.method, headers, body: req.method === 'POST' ? body : undefined });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch {
        res.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hung.splice(0)) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

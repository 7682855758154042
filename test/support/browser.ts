/**
 * A real browser for the tests: Debian's headless Chromium driven by playwright-core (no browser
 * download), with every host name but localhost unresolvable, so a page that needs anything from
 * outside the machine fails. Plus the pieces browser tests need around it: pages served from their
 * own origins, and a TCP proxy that can drop connections the way a network does.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Socket } from 'node:net';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';

/** Where Debian's chromium package installs the browser (`CHROMIUM_PATH` overrides it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when Chromium is installed (global setup refuses to run without it). */
export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Launches headless Chromium that resolves no host but localhost. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost'],
  });
}

/** Records every request of `page` whose host is not the local machine (the list should stay empty). */
export function recordOutsideRequests(page: Page): string[] {
  const outside: string[] = [];
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (!['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) outside.push(request.url());
  });
  return outside;
}

/** A page served from its own origin (`http://localhost:<port>`). */
export interface PageOrigin {
  origin: string;
  url: string;
  stop(): Promise<void>;
}

/** Serves `html` at `/` of a new origin on a free port. */
export async function servePage(html: string): Promise<PageOrigin> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://localhost:${port}`,
    url: `http://localhost:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TCP proxy to a local port whose connections the test can cut and refuse, as a network outage would. */
export interface TcpProxy {
  port: number;
  /** Open connections. */
  readonly connections: number;
  /** Destroys every open connection and refuses new ones until {@link restore}. */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  stop(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server = createTcpServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    port,
    get connections() {
      return open.size / 2;
    },
    cut() {
      down = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

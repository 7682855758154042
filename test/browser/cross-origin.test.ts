/**
 * Cross-origin access as Chromium enforces it, against the real gateway configured with one allowed
 * origin: a page there calls the gateway with `fetch` (preflighted: `authorization`,
 * `content-type: application/json`) and reads the response and its `x-request-id`; the same call
 * from another origin is refused by the browser's CORS check; a WebSocket from that other origin is
 * refused at the upgrade, while one from the allowed origin opens. Also an EventSource-style client
 * (fetch, `Authorization`, `Last-Event-ID` on reconnect, as EventSource does) that resumes GraphQL
 * over SSE after its connection drops.
 */
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, servePage, startTcpProxy, type PageOrigin, type TcpProxy } from '../support/browser';
import { startTestStack, type TestStack } from '../support/test-stack';

describe('cross-origin browser access', () => {
  let stack: TestStack;
  let browser: Browser;
  let allowed: PageOrigin;
  let other: PageOrigin;
  let token: string;

  beforeAll(async () => {
    [allowed, other, browser] = await Promise.all([
      servePage('<!doctype html><title>allowed</title>'),
      servePage('<!doctype html><title>other</title>'),
      launchBrowser(),
    ]);
    stack = await startTestStack({
      eventLog: 'redis',
      config: (c) => ({ ...c, gateway: { ...c.gateway, corsOrigins: [allowed.origin] } }),
    });
    token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await allowed?.stop();
    await other?.stop();
  });

  async function pageOn(origin: PageOrigin): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(origin.url);
    return page;
  }

  /** Runs `fetch` of a query in the page; resolves with what the page's script can see. */
  const fetchFrom = (page: Page) =>
    page.evaluate(
      async ({ url, token }) => {
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: '{ me { email } }' }),
          });
          return { status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id') };
        } catch (err) {
          return { error: String(err) };
        }
      },
      { url: stack.gatewayUrl, token },
    );

  /** Opens a WebSocket from the page; resolves `open` or `refused`. */
  const webSocketFrom = (page: Page) =>
    page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url, 'graphql-transport-ws');
          ws.onopen = () => {
            ws.close();
            resolve('open');
          };
          ws.onerror = () => resolve('refused');
        }),
      stack.wsUrl,
    );

  it('fetch from the allowed origin succeeds, and the script reads x-request-id', async () => {
    const page = await pageOn(allowed);
    const result = await fetchFrom(page);
    expect(result).toMatchObject({ status: 200, body: { data: { me: { email: 'owner@acme.test' } } } });
    expect((result as { requestId: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
    await page.close();
  });

  it("fetch from another origin is refused by the browser's CORS check", async () => {
    const page = await pageOn(other);
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    const result = await fetchFrom(page);
    expect(result).toEqual({ error: 'TypeError: Failed to fetch' });
    expect(messages.join('\n')).toMatch(/CORS/);
    await page.close();
  });

  it('a WebSocket from another origin is refused; from the allowed origin it opens', async () => {
    const page = await pageOn(other);
    expect(await webSocketFrom(page)).toBe('refused');
    await page.close();
    const ok = await pageOn(allowed);
    expect(await webSocketFrom(ok)).toBe('open');
    await ok.close();
  });

  describe('GraphQL over SSE from a page', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(stack.gateway.port);
    });
    afterAll(() => proxy?.stop());

    it('an EventSource-style client resumes with Last-Event-ID after its connection drops: missed events in order, then live, once each', async () => {
      const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0015'");
      const page = await pageOn(allowed);
      // The client: reads the event stream with fetch (EventSource cannot send Authorization), and
      // when the stream ends without `complete` reconnects, sending the last event id as EventSource does.
      await page.evaluate(
        ({ url, token }) => {
          const w = globalThis as unknown as { received: Array<{ id: string; number: string }>; connects: number };
          w.received = [];
          w.connects = 0;
          let lastEventId: string | undefined;
          const run = async (): Promise<void> => {
            w.connects++;
            const headers: Record<string, string> = {
              accept: 'text/event-stream',
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
            };
            if (lastEventId) headers['last-event-id'] = lastEventId;
            let completed = false;
            try {
              const res = await fetch(url, {
                method: 'POST',
                headers,
                body: JSON.stringify({ query: 'subscription { orderUpdated { number } }' }),
              });
              const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
              let buffer = '';
              for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                buffer += value;
                let end: number;
                while ((end = buffer.indexOf('\n\n')) >= 0) {
                  const block = buffer.slice(0, end);
                  buffer = buffer.slice(end + 2);
                  const field = (name: string) =>
                    block
                      .split('\n')
                      .find((l) => l.startsWith(`${name}:`))
                      ?.slice(name.length + 1)
                      .trim();
                  if (field('event') === 'complete') completed = true;
                  if (field('event') !== 'next') continue;
                  const id = field('id');
                  if (id) lastEventId = id;
                  const data = JSON.parse(field('data')!) as { data: { orderUpdated: { number: string } } };
                  w.received.push({ id: id ?? '', number: data.data.orderUpdated.number });
                }
              }
            } catch {
              // the connection dropped
            }
            if (!completed) setTimeout(() => void run(), 300);
          };
          void run();
        },
        { url: `http://localhost:${proxy.port}/graphql`, token },
      );
      const received = () => page.evaluate(() => (globalThis as unknown as { received: Array<{ id: string; number: string }> }).received);
      await stack.waitForLiveSubscriptions(1);
      const before = await stack.placeOrder(token, p!.id);
      await page.waitForFunction(
        (n) => (globalThis as unknown as { received: Array<{ number: string }> }).received.some((r) => r.number === n),
        before.number,
      );

      proxy.cut();
      await stack.waitForLiveSubscriptions(0);
      const missed = [await stack.placeOrder(token, p!.id), await stack.placeOrder(token, p!.id)];
      proxy.restore();
      await stack.waitForLiveSubscriptions(1);
      const live = await stack.placeOrder(token, p!.id);
      await page.waitForFunction(
        (n) => (globalThis as unknown as { received: Array<{ number: string }> }).received.some((r) => r.number === n),
        live.number,
      );

      const got = await received();
      expect(got.map((r) => r.number)).toEqual([before, ...missed, live].map((o) => o.number));
      expect(new Set(got.map((r) => r.id)).size).toBe(4);
      expect(await page.evaluate(() => (globalThis as unknown as { connects: number }).connects)).toBeGreaterThanOrEqual(2);
      await page.close();
      await stack.waitForLiveSubscriptions(0);
    });
  });
});

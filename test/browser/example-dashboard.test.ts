/**
 * The example dashboard (examples/dashboard, built with Vite) in headless Chromium, served from its
 * own origin, against the real gateway on Redis reached through a TCP proxy the test can cut: it
 * signs in with a development token, shows a new order and its notification within a second of
 * `placeOrder`, and after its socket is dropped and reconnected shows the updates it missed, once each.
 */
import type { Browser, Page } from 'playwright-core';
import { buildDashboardIfStale } from '../../apps/dashboard-build';
import { startDashboardServer, type DashboardServer } from '../../apps/dashboard-server';
import { waitUntil } from '../support/processes';
import { launchBrowser, recordOutsideRequests, startTcpProxy, type TcpProxy } from '../support/browser';
import { startTestStack, type TestStack } from '../support/test-stack';

describe('example dashboard in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let proxy: TcpProxy;
  let dashboard: DashboardServer;
  let page: Page;
  let owner: string;
  let productId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack({ eventLog: 'redis' }), launchBrowser(), buildDashboardIfStale()]).then(
      ([s, b]) => [s, b] as const,
    );
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0016'");
    productId = p!.id;
    proxy = await startTcpProxy(stack.gateway.port);
    dashboard = await startDashboardServer({
      port: 0,
      host: '127.0.0.1',
      config: async () => ({
        gatewayUrl: `http://localhost:${proxy.port}/graphql`,
        wsUrl: `ws://localhost:${proxy.port}/graphql`,
        devTokens: [{ label: 'owner@acme.test', description: 'catalog:write orders:write tenant:admin', token: owner }],
      }),
    });
  });
  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await proxy?.stop();
    await stack?.stop();
  });

  it('signs in with a development token and shows the one-query dashboard, nothing loaded from outside', async () => {
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const outside = recordOutsideRequests(page);
    await page.goto(dashboard.url);
    await page.click('text=Sign in as owner@acme.test');
    await page.locator('#orders tbody tr').first().waitFor();
    await page.locator('#live-state', { hasText: /^live$/ }).waitFor();
    await stack.waitForLiveSubscriptions(2);
    expect(await page.locator('header h1').innerText()).toBe('Acme Corporation');
    expect(await page.locator('#orders tbody tr').count()).toBe(10);
    expect(await page.locator('#low-stock li').count()).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  it('shows a new order and its notification within a second of placeOrder', async () => {
    // The first event after start-up waits for the notifications consumer's stream lease: warm up.
    const warm = await stack.placeOrder(owner, productId);
    await page.locator('#notifications li', { hasText: warm.number }).waitFor({ timeout: 15_000 });

    const started = Date.now();
    const order = await stack.placeOrder(owner, productId);
    await page.locator(`#orders tr[data-order="${order.number}"]`).waitFor({ timeout: 10_000 });
    const orderShown = Date.now() - started;
    await page.locator('#notifications li', { hasText: `Order ${order.number} placed` }).waitFor({ timeout: 10_000 });
    const notificationShown = Date.now() - started;
    expect({ orderShown: orderShown < 1000, notificationShown: notificationShown < 1000 }).toEqual({
      orderShown: true,
      notificationShown: true,
    });
  });

  it('after its socket is dropped and reconnected, shows the updates it missed, once each', async () => {
    proxy.cut();
    await page.locator('#live-state', { hasText: 'reconnecting' }).waitFor();
    await stack.waitForLiveSubscriptions(0);
    const order = await stack.placeOrder(owner, productId);
    const moved = await stack.gql(`mutation { updateOrderStatus(id: "${order.id}", status: CONFIRMED) { status } }`, {}, { token: owner });
    expect(moved.body.errors).toBeUndefined();
    proxy.restore();

    await page.locator('#live-state', { hasText: /^live$/ }).waitFor({ timeout: 15_000 });
    // Two order events (placed, confirmed) and their two notifications; an order event renders the
    // order as it is when delivered, so both read CONFIRMED by now.
    const orderEntries = page.locator('#feed li.order', { hasText: order.number });
    const notificationEntries = page.locator('#feed li.notification', { hasText: order.number });
    await waitUntil(
      async () => (await orderEntries.count()) >= 2 && (await notificationEntries.count()) >= 2,
      'the missed order and notification events',
      15_000,
    );
    // Every subscription delivers in stream order: a duplicate of a missed event would show before
    // the next live one.
    const marker = await stack.placeOrder(owner, productId);
    await page.locator('#feed li.notification', { hasText: `Order ${marker.number} placed` }).waitFor({ timeout: 15_000 });
    await page.locator('#feed li.order', { hasText: marker.number }).waitFor({ timeout: 15_000 });
    expect(await orderEntries.count()).toBe(2);
    expect(await notificationEntries.allInnerTexts()).toEqual([`Order ${order.number} confirmed`, `Order ${order.number} placed`]);
    const cursors = await page.locator('#feed li').evaluateAll((items) => items.map((li) => li.getAttribute('data-cursor')));
    expect(new Set(cursors).size).toBe(cursors.length);
    expect(await page.locator(`#orders tr[data-order="${order.number}"]`).innerText()).toContain('CONFIRMED');
    expect(pageErrors).toEqual([]);
  });
});

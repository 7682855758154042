/**
 * The GraphQL IDE at `GET /graphql`, in headless Chromium against the real gateway: it loads with
 * no request leaving the machine (every other host is unresolvable), runs a query with a
 * development token, and shows a subscription's update for an order placed by another request.
 */
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, recordOutsideRequests } from '../support/browser';
import { startTestStack, type TestStack } from '../support/test-stack';

describe('GraphQL IDE in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let owner: string;
  let productId: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack({ eventLog: 'redis' }), launchBrowser()]);
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0014'");
    productId = p!.id;
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Opens the IDE with `query` in its editor and waits until GraphiQL is ready. */
  async function openIde(query: string): Promise<{ page: Page; outside: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const outside = recordOutsideRequests(page);
    await page.goto(`${stack.gatewayUrl}?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    return { page, outside };
  }

  const result = (page: Page) => page.locator('.result-window');

  it('loads with nothing from outside the machine, and runs a query with the picked development token', async () => {
    const { page, outside } = await openIde('{ me { email } tenant { slug } }');
    await page.selectOption('#ide-token', { label: 'staff@acme.test (read only)' });
    await page.click('.graphiql-execute-button');
    await result(page).getByText('"staff@acme.test"').waitFor({ timeout: 15_000 });
    expect(await result(page).innerText()).toMatch(/"slug":\s*"acme"/);
    expect(outside).toEqual([]);
    await page.close();
  });

  it("shows a subscription's update for an order placed by another request (graphql-ws, token in connectionParams)", async () => {
    const { page, outside } = await openIde('subscription { orderUpdated { number status } }');
    await page.click('.graphiql-execute-button');
    await stack.waitForLiveSubscriptions(1);
    const order = await stack.placeOrder(owner, productId);
    await result(page).getByText(`"${order.number}"`).waitFor({ timeout: 15_000 });
    expect(await result(page).innerText()).toMatch(/"status":\s*"PENDING"/);
    expect(outside).toEqual([]);
    await page.close();
    await stack.waitForLiveSubscriptions(0);
  });
});

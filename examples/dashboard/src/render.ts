/**
 * The dashboard's DOM: plain functions that render its state into the page (no framework).
 */
import type { DashboardQuery, NotificationRowFragment, OrderRowFragment } from './gql/graphql';
import type { LiveState } from './live';

/** What the page shows. */
export interface DashboardState {
  user: { email: string; name: string };
  tenantName: string;
  figures: DashboardQuery['orderFigures'];
  orders: OrderRowFragment[];
  orderCount: number;
  lowStock: DashboardQuery['products']['edges'][number]['node'][];
  lowStockCount: number;
  notifications: NotificationRowFragment[];
  unreadCount: number;
  /** Live messages received, newest first. */
  feed: Array<{ kind: 'order' | 'notification'; text: string; cursor: string }>;
  live: LiveState;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (m: { amount: number; currency: string }) => `${(m.amount / 100).toFixed(2)} ${escape(m.currency)}`;
const time = (iso: string) => new Date(iso).toLocaleString();

/** Renders the signed-in dashboard into `root`. */
export function renderDashboard(root: HTMLElement, s: DashboardState): void {
  const figures = s.figures
    .map((f) => `<tr><td><span class="status ${f.status}">${f.status}</span></td><td>${f.orderCount}</td><td>${money(f.revenue)}</td></tr>`)
    .join('');
  const orders = s.orders
    .map(
      (o) => `<tr data-order="${escape(o.number)}"><td>${escape(o.number)}</td><td><span class="status ${o.status}">${o.status}</span></td>
        <td class="num">${money(o.total)}</td><td>${escape(o.placedBy.name)}</td>
        <td>${o.lines.map((l) => `${l.quantity} × ${escape(l.product.name)}`).join(', ')}</td><td>${time(o.createdAt)}</td></tr>`,
    )
    .join('');
  const lowStock = s.lowStock
    .map((p) => `<li data-product="${escape(p.sku)}"><span>${escape(p.name)} <small>${escape(p.sku)}</small></span><b>${p.stock}</b></li>`)
    .join('');
  const notifications = s.notifications
    .map((n) => `<li data-notification="${escape(n.id)}"><span>${escape(n.title)}</span><small>${time(n.createdAt)}</small></li>`)
    .join('');
  const feed = s.feed.map((e) => `<li class="${e.kind}" data-cursor="${escape(e.cursor)}">${escape(e.text)}</li>`).join('');
  root.innerHTML = `
    <header>
      <h1>${escape(s.tenantName)}</h1>
      <span class="who">${escape(s.user.name)} &lt;${escape(s.user.email)}&gt;</span>
      <span id="live-state" class="live ${s.live}">${s.live}</span>
      <button id="sign-out" type="button">Sign out</button>
    </header>
    <section class="figures"><h2>Orders in the last 30 days</h2>
      <table><thead><tr><th>Status</th><th>Orders</th><th>Revenue</th></tr></thead><tbody>${figures}</tbody></table></section>
    <section class="orders"><h2>Recent orders <small>${s.orderCount} in all</small></h2>
      <table id="orders"><thead><tr><th>Number</th><th>Status</th><th>Total</th><th>Placed by</th><th>Lines</th><th>Placed</th></tr></thead>
      <tbody>${orders}</tbody></table></section>
    <section class="low-stock"><h2>Low stock <small>${s.lowStockCount} products</small></h2><ul id="low-stock">${lowStock}</ul></section>
    <section class="notifications"><h2>Unread notifications <small id="unread-count">${s.unreadCount}</small></h2>
      <ul id="notifications">${notifications}</ul></section>
    <section class="feed"><h2>Live updates</h2><ul id="feed">${feed || '<li class="empty">Waiting for updates…</li>'}</ul></section>`;
}

/** Renders the sign-in screen: one button per development token, and a field for any token. */
export function renderSignIn(
  root: HTMLElement,
  devTokens: Array<{ label: string; description: string; token: string }>,
  error?: string,
): void {
  root.innerHTML = `
    <div class="sign-in">
      <h1>Commerce dashboard</h1>
      <p>Sign in with a token of the supergraph (<code>npm run token -- --tenant acme --user owner@acme.test</code>).</p>
      ${error ? `<p class="error">${escape(error)}</p>` : ''}
      <div class="dev-tokens">${devTokens
        .map(
          (t, i) =>
            `<button type="button" data-dev-token="${i}">Sign in as ${escape(t.label)}<small>${escape(t.description)}</small></button>`,
        )
        .join('')}</div>
      <form id="token-form"><textarea name="token" rows="4" placeholder="Paste a JWT"></textarea><button type="submit">Sign in</button></form>
    </div>`;
}

/**
 * The example dashboard: signs in with a token, loads everything in one federated query (urql),
 * and keeps it current from `orderUpdated` and `notificationAdded` over graphql-ws, resuming from
 * its last cursor after a disconnect (live.ts). Its server (`npm start`, or any static server plus
 * a `config.json`) says where the gateway is and, in development, which demo tokens to offer.
 */
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import type { Client as WsClient } from 'graphql-ws';
import { DashboardQuery, NotificationAddedSubscription, OrderUpdatedSubscription } from './operations';
import { connectLive, subscribeResumable } from './live';
import { renderDashboard, renderSignIn, type DashboardState } from './render';
import './styles.css';

/** `config.json`: where the gateway is, and the development tokens to offer (none in production). */
interface DashboardConfig {
  gatewayUrl: string;
  wsUrl: string;
  devTokens: Array<{ label: string; description: string; token: string }>;
}

const TOKEN_KEY = 'dashboard.token';
const PAGE = { orders: 10, lowStock: 8, notifications: 8, lowStockBelow: 20 };
const FEED_LENGTH = 30;
const root = document.getElementById('app')!;

async function start(): Promise<void> {
  const config = (await (await fetch('config.json')).json()) as DashboardConfig;
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) await open(config, token);
  else signIn(config);
}

function signIn(config: DashboardConfig, error?: string): void {
  renderSignIn(root, config.devTokens, error);
  root
    .querySelectorAll<HTMLButtonElement>('[data-dev-token]')
    .forEach((button) =>
      button.addEventListener('click', () => void use(config, config.devTokens[Number(button.dataset.devToken)]!.token)),
    );
  root.querySelector<HTMLFormElement>('#token-form')!.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = new FormData(e.target as HTMLFormElement).get('token');
    if (typeof value === 'string' && value.trim()) void use(config, value.trim().replace(/^Bearer\s+/i, ''));
  });
}

async function use(config: DashboardConfig, token: string): Promise<void> {
  sessionStorage.setItem(TOKEN_KEY, token);
  await open(config, token);
}

async function open(config: DashboardConfig, token: string): Promise<void> {
  const client = new Client({
    url: config.gatewayUrl,
    exchanges: [cacheExchange, fetchExchange],
    requestPolicy: 'network-only',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
  });
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const load = () => client.query(DashboardQuery, { ...PAGE, since }).toPromise();
  const first = await load();
  if (!first.data) {
    sessionStorage.removeItem(TOKEN_KEY);
    const unauthenticated =
      first.error?.graphQLErrors.some((e) => e.extensions.code === 'UNAUTHENTICATED') || first.error?.response?.status === 401;
    signIn(
      config,
      unauthenticated
        ? 'That token was refused (expired or invalid): sign in again.'
        : (first.error?.message ?? 'The dashboard could not load.'),
    );
    return;
  }
  const state: DashboardState = { ...fromQuery(first.data), feed: [], live: 'connecting' };
  const render = () => {
    renderDashboard(root, state);
    root.querySelector('#sign-out')!.addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      ws.dispose();
      signIn(config);
    });
  };

  // Figures and low stock change with every order: refetch them, at most once per burst of updates.
  let refresh: ReturnType<typeof setTimeout> | undefined;
  const scheduleRefresh = () => {
    clearTimeout(refresh);
    refresh = setTimeout(async () => {
      const result = await load();
      if (result.data) Object.assign(state, fromQuery(result.data));
      render();
    }, 400);
  };
  const feed = (entry: DashboardState['feed'][number]) => {
    state.feed = [entry, ...state.feed].slice(0, FEED_LENGTH);
  };

  const ws: WsClient = connectLive(config.wsUrl, token, (live) => {
    state.live = live;
    const badge = root.querySelector('#live-state');
    if (badge) {
      badge.textContent = live;
      badge.className = `live ${live}`;
    }
  });
  const failed = (error: unknown) => {
    // CURSOR_EXPIRED (away longer than the stream keeps events) or a refused token: start over.
    console.error('live updates stopped', error);
    ws.dispose();
    void open(config, token);
  };
  subscribeResumable(
    ws,
    OrderUpdatedSubscription,
    ({ data, cursor }) => {
      const order = data.orderUpdated;
      const known = state.orders.findIndex((o) => o.id === order.id);
      if (known >= 0) state.orders[known] = order;
      else {
        state.orders = [order, ...state.orders].slice(0, PAGE.orders);
        state.orderCount += 1;
      }
      feed({ kind: 'order', text: `${order.number} ${order.status}`, cursor });
      render();
      scheduleRefresh();
    },
    failed,
  );
  subscribeResumable(
    ws,
    NotificationAddedSubscription,
    ({ data, cursor }) => {
      const notification = data.notificationAdded;
      if (!state.notifications.some((n) => n.id === notification.id)) {
        state.notifications = [notification, ...state.notifications].slice(0, PAGE.notifications);
        state.unreadCount += 1;
      }
      feed({ kind: 'notification', text: notification.title, cursor });
      render();
    },
    failed,
  );
  render();
}

function fromQuery(data: NonNullable<Awaited<ReturnType<Client['query']>>['data']>): Omit<DashboardState, 'feed' | 'live'> {
  const d = data as import('./gql/graphql').DashboardQuery;
  return {
    user: d.me,
    tenantName: d.tenant.name,
    figures: d.orderFigures,
    orders: d.orders.edges.map((e) => e.node),
    orderCount: d.orders.totalCount,
    lowStock: d.products.edges.map((e) => e.node),
    lowStockCount: d.products.totalCount,
    notifications: d.notifications.edges.map((e) => e.node),
    unreadCount: d.notifications.unreadCount,
  };
}

// urql aborts a finished request's AbortController when its query is torn down; Chromium reports
// that abort as an unhandled rejection although nothing failed.
window.addEventListener('unhandledrejection', (event) => {
  if ((event.reason as { name?: string } | undefined)?.name === 'AbortError') event.preventDefault();
});

void start();

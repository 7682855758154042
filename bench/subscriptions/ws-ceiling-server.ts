/**
 * The WebSocket server's ceiling, for the subscriptions benchmark: `tsx
 * bench/subscriptions/ws-ceiling-server.ts <port>` serves the graphql-ws protocol
 * (`graphql-transport-ws`: `connection_init` -> `connection_ack`, `ping` -> `pong`, `subscribe`,
 * `complete`) with the `ws` library and no GraphQL at all. `POST /publish` with a JSON body
 * `{ "events": [{ "tenant": "acme", "payload": {...} }, ...] }` pushes each event, in order, to every
 * subscription whose socket sent `connectionParams.tenant` equal to the event's tenant, as a `next`
 * message whose payload JSON is serialised once per event (the least work a server can do per
 * delivery); it answers 202 at once and sends the events one per turn of the event loop.
 * `GET /subscriptions` answers the number of live subscriptions. Prints `CEILING READY` when
 * listening. Pinned and measured like the gateway, so that its deliveries per second are what this
 * machine's sockets allow.
 */
import { createServer } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';

interface Subscription {
  socket: WebSocket;
  id: string;
}

const port = Number(process.argv[2]);
const byTenant = new Map<string, Set<Subscription>>();
let live = 0;

async function publish(events: { tenant: string; payload: unknown }[]): Promise<void> {
  for (const event of events) {
    const payload = JSON.stringify(event.payload);
    for (const s of byTenant.get(event.tenant) ?? []) s.socket.send(`{"id":${JSON.stringify(s.id)},"type":"next","payload":${payload}}`);
    await nextTurn();
  }
}

const http = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/subscriptions') {
    res.end(String(live));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.statusCode = 404;
    res.end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: { tenant: string; payload: unknown }[] };
    res.statusCode = 202;
    res.end();
    void publish(body.events);
  });
});

const wss = new WebSocketServer({
  server: http,
  path: '/graphql',
  handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false),
});
wss.on('connection', (socket) => {
  let tenant = '';
  const mine = new Map<string, Subscription>();
  socket.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; id?: string; payload?: { tenant?: string } };
    if (msg.type === 'connection_init') {
      tenant = msg.payload?.tenant ?? '';
      socket.send('{"type":"connection_ack"}');
    } else if (msg.type === 'ping') {
      socket.send('{"type":"pong"}');
    } else if (msg.type === 'subscribe' && msg.id) {
      const s = { socket, id: msg.id };
      mine.set(msg.id, s);
      if (!byTenant.has(tenant)) byTenant.set(tenant, new Set());
      byTenant.get(tenant)!.add(s);
      live++;
    } else if (msg.type === 'complete' && msg.id && mine.has(msg.id)) {
      byTenant.get(tenant)?.delete(mine.get(msg.id)!);
      mine.delete(msg.id);
      live--;
    }
  });
  socket.on('close', () => {
    for (const s of mine.values()) byTenant.get(tenant)?.delete(s);
    live -= mine.size;
    mine.clear();
  });
});
http.listen(port, '127.0.0.1', () => console.log('CEILING READY'));
process.on('SIGTERM', () => process.exit(0));

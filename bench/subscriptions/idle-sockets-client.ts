/**
 * Idle subscription sockets in their own process, for the subscriptions benchmark: `tsx
 * bench/subscriptions/idle-sockets-client.ts <ws url> <token> <count> <query>` opens `count`
 * WebSocket connections speaking graphql-ws (`graphql-transport-ws`), each sending
 * `connection_init` with the bearer token and, once acknowledged, one `subscribe` with `query`, 200
 * handshakes at a time. Prints `IDLE READY <n>` once every socket is acknowledged and subscribed
 * (`IDLE FAILED <reason>` and exits 1 on the first refusal), then holds the sockets until SIGTERM.
 * Raw `ws` sockets rather than graphql-ws clients: the point is the server's memory per socket, and
 * 10,000 client objects would cost this process more than the sockets do.
 */
import WebSocket from 'ws';

const [url, token, countArg, query] = process.argv.slice(2);
if (!url || !token || !countArg || !query) {
  console.error('usage: tsx bench/subscriptions/idle-sockets-client.ts <ws url> <token> <count> <query>');
  process.exit(2);
}
const count = Number(countArg);
const AT_ONCE = 200;
const sockets: WebSocket[] = [];

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url!, 'graphql-transport-ws');
    sockets.push(ws);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string };
      if (msg.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        resolve();
      } else if (msg.type === 'ping') ws.send('{"type":"pong"}');
      else if (msg.type === 'error') reject(new Error(`subscription refused: ${String(data)}`));
    });
    ws.on('error', reject);
    ws.on('close', (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
  });
}

async function main(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await open();
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, count) }, worker));
  console.log(`IDLE READY ${sockets.length}`);
}

process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
main().catch((err: Error) => {
  console.log(`IDLE FAILED ${err.message}`);
  process.exit(1);
});

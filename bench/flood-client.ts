/**
 * A flooding client in its own process (bench/isolation.bench.ts): `tsx bench/flood-client.ts <url>
 * <token> <in flight> <total | ms>` sends the dashboard query with `in flight` requests at a time,
 * `total` requests (or for `ms` milliseconds when the fourth argument ends with `ms`), then prints the
 * answers by status as one JSON line (`COUNTS {...}`). It prints `FLOODING` when it starts sending.
 * Its own process, so its event loop does not delay the measured client's sends.
 */
import { Agent, request } from 'node:http';
import { DASHBOARD_QUERY } from '../scripts/dashboard-query';

const [url, token, inFlightArg, stopArg] = process.argv.slice(2);
if (!url || !token || !inFlightArg || !stopArg) {
  console.error('usage: tsx bench/flood-client.ts <url> <token> <in flight> <total | <n>ms>');
  process.exit(2);
}
const inFlight = Number(inFlightArg);
const byTime = stopArg.endsWith('ms');
const limit = Number(byTime ? stopArg.slice(0, -2) : stopArg);
const target = new URL(url);
const payload = Buffer.from(JSON.stringify({ query: DASHBOARD_QUERY }));
const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
const counts: Record<string, number> = {};
const end = Date.now() + limit;
let sent = 0;

function post(): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve(res.statusCode === 200 && Buffer.concat(chunks).includes('"errors"') ? '200 with errors' : String(res.statusCode)),
        );
      },
    );
    req.on('error', () => resolve('socket error'));
    req.end(payload);
  });
}

console.log('FLOODING');
void Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (byTime ? Date.now() < end : sent < limit) {
      sent++;
      const status = await post();
      counts[status] = (counts[status] ?? 0) + 1;
    }
  }),
).then(() => {
  console.log(`COUNTS ${JSON.stringify(counts)}`);
  agent.destroy();
});

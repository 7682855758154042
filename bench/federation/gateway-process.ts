/**
 * Entry point of one gateway under test, run in its own process by the benchmark:
 * `node --import tsx bench/federation/gateway-process.ts <apollo|ours> <supergraph.graphql> <urls.json>`.
 * `apollo` is a bare `@apollo/gateway` in `@apollo/server`'s standalone server with default settings;
 * `ours` is the production gateway (`startGateway`: JWT verification, principal propagation with
 * signed subgraph credentials, error masking). Prints `LISTENING <port>` once it serves; SIGTERM stops it.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { gatewayOptions } from '../../apps/gateway-options';
import { startGateway } from '../../gateway/gateway.server';
import { unboundedSettings } from '../unbounded-budgets';
import { applyLibrarySettings, loadConfig } from '../../lib/config';
import { createEventLog } from '../../lib/events/create-event-log';
import { createLogger } from '../../lib/logger';

async function main(): Promise<void> {
  const [kind, supergraphPath, urlsPath] = process.argv.slice(2);
  if (!supergraphPath || !urlsPath) throw new Error('usage: gateway-process.ts <apollo|ours> <supergraph.graphql> <urls.json>');
  const supergraphSdl = readFileSync(supergraphPath, 'utf8');
  applyLibrarySettings(loadConfig()); // the same Apollo telemetry setting for both gateways
  let stop: () => Promise<void>;
  let port: number;
  if (kind === 'apollo') {
    const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    port = Number(new URL(url).port);
    stop = () => server.stop();
  } else if (kind === 'ours') {
    const subgraphUrls = JSON.parse(readFileSync(urlsPath, 'utf8')) as Record<string, string>;
    const loaded = loadConfig();
    const config = { ...loaded, internalSecret: loaded.internalSecret ?? randomBytes(32).toString('hex') };
    const eventLog = createEventLog({ retention: config.events.streamRetention });
    const gateway = await startGateway({
      ...gatewayOptions(config),
      // Throughput of the gateway, not of the budgets: every admission step runs, no budget refuses.
      admission: unboundedSettings(config),
      eventStreams: eventLog.streams,
      logger: createLogger('bench', process.env.LOG_LEVEL ?? 'warn'),
      port: 0,
      host: '127.0.0.1',
      supergraphSdl,
      subgraphUrls,
    });
    port = gateway.port;
    stop = async () => {
      await gateway.stop();
      await eventLog.close();
    };
  } else {
    throw new Error(`unknown gateway kind ${kind}`);
  }
  process.stdout.write(`LISTENING ${port}\n`);
  process.once('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

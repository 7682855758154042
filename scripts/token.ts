/**
 * `npm run token -- --tenant <slug> --user <email> [--scope "<scopes>"] [--ttl <seconds>]`
 * Prints a signed dev JWT for a seeded user; the JWT is the last word printed (CONTRACT.md).
 */
import { parseArgs } from 'node:util';
import { mintDevToken } from '../lib/auth/dev-token';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      user: { type: 'string' },
      scope: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.tenant || !values.user) {
    console.error('Usage: npm run token -- --tenant <slug> --user <email> [--scope "<scopes>"] [--ttl <seconds>]');
    console.error('Example: npm run token -- --tenant acme --user owner@acme.test');
    process.exit(values.help ? 0 : 2);
  }
  const ttlSeconds = values.ttl === undefined ? 3600 : Number(values.ttl);
  const token = await mintDevToken({ tenant: values.tenant, user: values.user, scope: values.scope, ttlSeconds });
  console.log(token);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

/**
 * `npm run token -- --tenant <slug> --user <email> [--scope "<scopes>"] [--ttl <seconds>]`
 * Prints a signed dev JWT for a seeded user, with the configured JWT settings (JWT_SECRET,
 * JWT_TENANT_CLAIM, JWT_ISSUER, JWT_AUDIENCE); the JWT is the last word printed.
 */
import { parseArgs } from 'node:util';
import { devTokenSettings, mintDevToken } from '../lib/auth/dev-token';
import { loadConfig } from '../lib/config';

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
  const settings = devTokenSettings(loadConfig().jwt);
  const token = await mintDevToken({ tenant: values.tenant, user: values.user, scope: values.scope, ttlSeconds, ...settings });
  console.log(token);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

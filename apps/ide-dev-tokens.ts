/**
 * The development tokens the GraphQL IDE page offers (gateway/http/graphql-ide.page.ts): the seeded
 * tenant users', minted by the gateway process for each page request with its own HS256 secret, so
 * they are always fresh and always match the gateway's JWT settings. Development and tests only:
 * the composition root never passes them in production.
 */
import { devTokenSettings, mintDevToken } from '../lib/auth/dev-token';
import type { AppConfig } from '../lib/config';
import type { IdeDevToken } from '../gateway/http/graphql-ide.page';

/** The seeded users the IDE offers tokens for, with what they may do. */
export const IDE_DEMO_USERS: ReadonlyArray<{ tenant: string; user: string; description: string }> = [
  { tenant: 'acme', user: 'owner@acme.test', description: 'catalog:write orders:write tenant:admin' },
  { tenant: 'acme', user: 'staff@acme.test', description: 'read only' },
  { tenant: 'globex', user: 'owner@globex.test', description: 'catalog:write orders:write tenant:admin' },
];

/**
 * A minting function for the IDE, or undefined when the configuration verifies tokens with a public
 * key or JWKS (tokens are then issued elsewhere, and the page offers none).
 */
export function ideDevTokens(config: AppConfig): (() => Promise<IdeDevToken[]>) | undefined {
  if (config.env === 'production' || !config.jwt.secret) return undefined;
  const settings = devTokenSettings(config.jwt);
  return () =>
    Promise.all(
      IDE_DEMO_USERS.map(async ({ tenant, user, description }) => ({
        label: user,
        description,
        token: await mintDevToken({ tenant, user, ...settings }),
      })),
    );
}

/**
 * Gateway credentials for tests that call a subgraph directly, signed with the running stack's
 * internal secret exactly as the gateway signs them (lib/auth/internal-credential.ts).
 */
import { CredentialSigner } from '../../lib/auth/internal-credential';
import { findDemoUser } from '../../lib/auth/dev-token';
import type { Principal } from '../../lib/principal';
import type { SubgraphName } from '../../lib/schema/subgraphs';

/** A seeded user (tenant slug and email) or a whole principal. */
export type CredentialSubject = { tenant: string; user: string; scopes?: string[] } | Principal;

/** Signs gateway credentials with `internalSecret` (the stack's `config.internalSecret`). */
export class TestCredentials {
  private readonly signer: CredentialSigner;

  constructor(internalSecret: string) {
    this.signer = new CredentialSigner(internalSecret);
  }

  /** The principal of a seeded user, with `scopes` (default none) and request id `test`. */
  static principal(tenant: string, user: string, scopes: string[] = []): Principal {
    const u = findDemoUser(tenant, user);
    return { tenantId: u.tenantId, userId: u.id, scopes, requestId: 'test' };
  }

  /** A credential for `subject`, audience `subgraph`. */
  sign(subgraph: SubgraphName, subject: CredentialSubject): Promise<string> {
    const principal = 'tenantId' in subject ? subject : TestCredentials.principal(subject.tenant, subject.user, subject.scopes);
    return this.signer.sign(principal, subgraph);
  }

  /** `{ authorization: 'Bearer <credential>' }` for `subject` and `subgraph`. */
  async headers(subgraph: SubgraphName, subject: CredentialSubject): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.sign(subgraph, subject)}` };
  }
}

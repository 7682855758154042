/**
 * The deployment files, checked without Docker or a cluster: the Dockerfile parsed (dockerfile-ast)
 * and held to its rules, docker-compose.yml parsed (yaml) and held to its rules, every Kubernetes
 * manifest validated against the Kubernetes API's JSON schemas (kubernetes-models) with its probes
 * wired to /healthz and /readyz.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { spawnSync } from 'node:child_process';

const ROOT = join(__dirname, '..', '..', '..');
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';

/**
 * Validates `docs` with kubernetes-models in a plain Node process (the package is ESM-only, which
 * jest's CommonJS resolver cannot load); returns one error message per invalid document.
 */
function validateManifests(docs: unknown[]): string[] {
  const script = `
    const models = { Deployment: 'apps/v1/Deployment', Service: 'v1/Service', ConfigMap: 'v1/ConfigMap', Job: 'batch/v1/Job' };
    const docs = JSON.parse(process.argv[1]);
    const errors = [];
    for (const doc of docs) {
      const path = models[doc.kind];
      if (!path) { errors.push('no model for ' + doc.kind); continue; }
      const mod = await import('kubernetes-models/' + path);
      try { new mod[doc.kind](doc).validate(); } catch (e) { errors.push(doc.kind + ' ' + doc.metadata?.name + ': ' + e.message); }
    }
    console.log(JSON.stringify(errors));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(docs)], { cwd: ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as string[];
}

const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('Dockerfile', () => {
  const instructions = DockerfileParser.parse(read('Dockerfile')).getInstructions();
  const of = (kw: string) => instructions.filter((i) => i.getKeyword() === kw);

  it('builds in one stage and runs a Node 24 LTS runtime stage as a non-root user with a HEALTHCHECK', () => {
    const from = of('FROM').map((i) => i.getArgumentsContent());
    expect(from).toEqual(['node:24-bookworm-slim AS build', 'node:24-bookworm-slim AS runtime']);
    const runtimeStart = instructions.findIndex((i) => i.getKeyword() === 'FROM' && /runtime/.test(i.getArgumentsContent() ?? ''));
    const runtime = instructions.slice(runtimeStart);
    expect(runtime.some((i) => i.getKeyword() === 'USER' && i.getArgumentsContent() === 'node')).toBe(true);
    expect(runtime.some((i) => i.getKeyword() === 'HEALTHCHECK' && /healthz/.test(i.getArgumentsContent() ?? ''))).toBe(true);
    const installs = runtime.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(installs.some((c) => c.includes('npm ci --omit=dev'))).toBe(true);
    expect(runtime.some((i) => i.getKeyword() === 'COPY' && /--from=build \/app\/generated/.test(i.getTextContent()))).toBe(true);
    expect(runtime.filter((i) => i.getKeyword() === 'COPY').map((i) => i.getArgumentsContent())).not.toContain('. .');
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };

  it('has a healthcheck or a completion condition for every service, and waits for the one-shot migration', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'migrate') continue;
      expect([name, (service.healthcheck as { test?: unknown })?.test]).toEqual([name, expect.anything()]);
      if (name !== 'postgres' && name !== 'redis') {
        expect([name, (service.depends_on as Record<string, { condition: string }>).migrate]).toEqual([
          name,
          { condition: 'service_completed_successfully' },
        ]);
      }
    }
    expect(compose.services.gateway!.depends_on).toMatchObject({
      tenant: { condition: 'service_healthy' },
      notifications: { condition: 'service_healthy' },
    });
  });

  it('has no secret in it: every secret comes from .env and is required', () => {
    const text = read('docker-compose.yml');
    expect(text).not.toMatch(/dev-only|change-me|POSTGRES_PASSWORD: supergraph|:supergraph@/);
    for (const v of ['POSTGRES_PASSWORD', 'APP_DB_PASSWORD', 'INTERNAL_JWT_SECRET', 'JWT_JWKS_URL']) expect(text).toContain(`\${${v}:?`);
    const example = read('.env.example');
    for (const v of ['POSTGRES_PASSWORD', 'APP_DB_PASSWORD', 'INTERNAL_JWT_SECRET', 'JWT_JWKS_URL'])
      expect(example).toMatch(new RegExp(`^${v}=$`, 'm'));
  });

  it('keeps PostgreSQL and Redis on named volumes, Redis with AOF on', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['pgdata', 'redisdata']);
    expect(compose.services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });
});

describe('deploy/kubernetes', () => {
  const dir = join(ROOT, 'deploy', 'kubernetes');
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as { kind?: string } | null))
    .filter((d): d is { kind: string } => !!d && typeof d.kind === 'string');
  it('validates every manifest against the Kubernetes API schemas (kubernetes-models)', () => {
    expect(docs.length).toBeGreaterThanOrEqual(12);
    expect(validateManifests(docs)).toEqual([]);
    // The validator does find mistakes: a container without an image name.
    expect(
      validateManifests([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 'eighty' }] } }]),
    ).toHaveLength(1);
  });

  it('wires liveness to /healthz and readiness to /readyz, runs as non-root', () => {
    const deployments = docs.filter((d) => d.kind === 'Deployment') as unknown as IDeployment[];
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual(['catalog', 'gateway', 'notifications', 'orders', 'relay', 'tenant']);
    for (const d of deployments) {
      const spec = d.spec!.template.spec!;
      const c = spec.containers[0]!;
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(spec.securityContext?.runAsNonRoot).toBe(true);
    }
  });
});

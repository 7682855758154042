import { createLogger } from '../../../lib/logger';
import { runWithRequestContext } from '../../../lib/observability/request-context';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const logger = createLogger('test', 'info', {
    destination: {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, lines, raw };
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIiwidGlkIjoieCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('createLogger', () => {
  it('never writes tokens, secrets, passwords or connection passwords, wherever they are', () => {
    const { logger, raw } = capture();
    logger.info({ authorization: `Bearer ${JWT}`, headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } }, 'request');
    logger.info({ token: 's3cr3t-token-value', password: 'hunter2-password', secret: 'the-internal-secret-value' }, 'settings');
    logger.info({ databaseUrl: 'postgresql://owner:pa55word@db:5432/x', target: 'redis://:redispass@cache:6379' }, 'connecting');
    logger.error({ err: new Error(`upstream said: Bearer ${JWT}`) }, `failed with ${JWT}`);
    logger.warn({ connectionParams: { authorization: `Bearer ${JWT}` } }, 'ws');
    const all = raw.join('\n');
    for (const secret of [
      JWT,
      'abc.def.ghi',
      'sid=1',
      's3cr3t-token-value',
      'hunter2-password',
      'the-internal-secret-value',
      'pa55word',
      'redispass',
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain('[REDACTED]');
    expect(all).toContain('redis://:[REDACTED]@cache:6379');
  });

  it('adds the correlation fields of the current request to every line, errors included', () => {
    const { logger, lines } = capture();
    runWithRequestContext({ requestId: 'r-1', traceId: 't'.repeat(32), tenantId: 'ten', userId: 'usr', operationName: 'Op' }, () => {
      logger.info('inside');
      logger.child({ worker: 'w' }).error({ err: new Error('boom') }, 'failed');
    });
    logger.info('outside');
    const fields = { requestId: 'r-1', traceId: 't'.repeat(32), tenantId: 'ten', userId: 'usr', operationName: 'Op' };
    expect(lines[0]).toMatchObject({ msg: 'inside', ...fields });
    expect(lines[1]).toMatchObject({ msg: 'failed', worker: 'w', ...fields });
    expect(lines[2]).not.toHaveProperty('requestId');
  });
});

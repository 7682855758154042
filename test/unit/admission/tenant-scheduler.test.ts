import { QueueFullError, TenantScheduler } from '../../../gateway/fairness/tenant-scheduler';

const settle = () => new Promise((r) => setImmediate(r));

describe('TenantScheduler', () => {
  it('serves waiting tenants in turn: a flooding tenant does not delay another beyond one turn', async () => {
    const scheduler = new TenantScheduler({ maxConcurrent: 1 });
    const order: string[] = [];
    const releases: Array<() => void> = [];
    const take = (tenant: string, label: string) =>
      scheduler.acquire(tenant).then((release) => {
        order.push(label);
        releases.push(release);
      });
    void take('a', 'a0');
    for (let i = 1; i <= 5; i++) void take('a', `a${i}`);
    void take('b', 'b1');
    await settle();
    for (let i = 0; i < 3; i++) {
      releases.shift()!();
      await settle();
    }
    expect(order).toEqual(['a0', 'a1', 'b1', 'a2']);
  });

  it('holds a tenant to maxPerTenant slots while others use the rest', async () => {
    const scheduler = new TenantScheduler({ maxConcurrent: 4, maxPerTenant: 2 });
    const a = await Promise.all([scheduler.acquire('a'), scheduler.acquire('a')]);
    let third = false;
    void scheduler.acquire('a').then(() => (third = true));
    await scheduler.acquire('b');
    await settle();
    expect(third).toBe(false);
    expect(scheduler.active).toBe(3);
    a[0]!();
    await settle();
    expect(third).toBe(true);
  });

  it('refuses a waiter beyond maxQueuedPerTenant with QueueFullError', async () => {
    const scheduler = new TenantScheduler({ maxConcurrent: 1, maxQueuedPerTenant: 1 });
    await scheduler.acquire('a');
    void scheduler.acquire('a');
    await expect(scheduler.acquire('a')).rejects.toBeInstanceOf(QueueFullError);
    expect(scheduler.waiting('a')).toBe(1);
  });
});

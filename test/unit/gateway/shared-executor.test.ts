import type { ExecutionResult } from 'graphql';
import { SharedExecutor, executionKey } from '../../../gateway/subscriptions/shared-executor';

const result = (n: number): ExecutionResult => ({ data: { n } });
/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedExecutor', () => {
  it('execute: runs at most maxConcurrent executions at once; the others wait for a slot, first come first served', async () => {
    const executor = new SharedExecutor({ maxConcurrent: 3, share: false });
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const runs = Array.from({ length: 6 }, (_, i) =>
      executor.execute('k', `${i}-0`, () => new Promise((resolve) => (started.push(i), finish.set(i, () => resolve(result(i)))))),
    );
    await settle();
    expect(started).toEqual([0, 1, 2]);
    finish.get(1)!();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const i of [0, 2, 3]) finish.get(i)!();
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    for (const i of [4, 5]) finish.get(i)!();
    expect((await Promise.all(runs)).map((r) => r?.data?.n)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('execute: shares one execution per key and entry; another key or entry runs again', async () => {
    const executor = new SharedExecutor();
    let runs = 0;
    const run = async () => result(++runs);
    const a = await Promise.all([executor.execute('k1', '1-0', run), executor.execute('k1', '1-0', run)]);
    expect(a[0]).toBe(a[1]);
    await executor.execute('k2', '1-0', run);
    await executor.execute('k1', '2-0', run);
    expect(runs).toBe(3);
  });

  it('execute: a kept result is shared until ttlMs has passed, then the entry runs again', async () => {
    let now = 1_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const executor = new SharedExecutor({ ttlMs: 1_000 });
      let runs = 0;
      const run = async () => result(++runs);
      await executor.execute('k', '1-0', run);
      now += 999;
      await executor.execute('k', '1-0', run);
      expect(runs).toBe(1);
      now += 1;
      await executor.execute('k', '1-0', run);
      expect(runs).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('execute: keeps at most maxEntries results, dropping the oldest entries first', async () => {
    const executor = new SharedExecutor({ maxEntries: 2 });
    const runs: string[] = [];
    const run = (name: string) => async () => (runs.push(name), result(runs.length));
    await executor.execute('a', '1-0', run('a@1'));
    await executor.execute('b', '1-0', run('b@1'));
    await executor.execute('a', '2-0', run('a@2')); // 3 kept: the next call drops entry 1-0 (both keys)
    await executor.execute('a', '1-0', run('a@1 again'));
    await executor.execute('a', '2-0', run('a@2 again')); // still kept: shared
    expect(runs).toEqual(['a@1', 'b@1', 'a@2', 'a@1 again']);
  });

  it('execute: with share off, runs once per call', async () => {
    const executor = new SharedExecutor({ share: false });
    let runs = 0;
    const run = async () => result(++runs);
    await Promise.all([executor.execute('k', '1-0', run), executor.execute('k', '1-0', run)]);
    expect(runs).toBe(2);
  });

  it('executionKey: ignores variable order and scope order, separates tenants', () => {
    expect(executionKey('t', ['b', 'a'], 'q', { x: 1, y: 2 })).toBe(executionKey('t', ['a', 'b'], 'q', { y: 2, x: 1 }));
    expect(executionKey('t', [], 'q', {})).not.toBe(executionKey('u', [], 'q', {}));
  });
});

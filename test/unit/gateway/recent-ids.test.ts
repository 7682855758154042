import { RecentIds } from '../../../gateway/subscriptions/recent-ids';

describe('RecentIds', () => {
  it('add: false for an id it remembers; forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(2);
    expect([ids.add('a'), ids.add('a'), ids.add('b'), ids.add('c'), ids.add('a')]).toEqual([true, false, true, true, true]);
  });
});

/**
 * The behavioural contract of an `EventLog`: one suite that every implementation must pass
 * (test/events/event-log-contract.test.ts runs it against Redis and against the in-process log).
 * Each test works on stream, group, lease and member-set keys of its own (random tenant ids), so the
 * suite never needs to empty Redis.
 */
import type { EventLog } from '../../lib/events/event-log';
import type { ContractContext, EventLogFactory } from './contract-fixtures';
import { describeConsumerGroupsContract } from './consumer-groups.contract';
import { describeEventStreamsContract } from './event-streams.contract';
import { describeStreamLeasesContract } from './stream-leases.contract';

export type { EventLogFactory, EventLogFactoryOptions, EventLogSubject } from './contract-fixtures';

/**
 * Defines the contract suite for the implementation `name`, made by `create`.
 * @param name the implementation, for example `RedisEventLog`; the suite's `describe`.
 */
export function describeEventLogContract(name: string, create: EventLogFactory): void {
  describe(name, () => {
    const open: EventLog[] = [];
    const context: ContractContext = {
      subject(options) {
        const subject = create(options);
        open.push(subject.log);
        return subject;
      },
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((log) => log.close()));
    });

    describeEventStreamsContract(context);
    describeConsumerGroupsContract(context);
    describeStreamLeasesContract(context);
  });
}

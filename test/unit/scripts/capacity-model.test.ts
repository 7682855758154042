/**
 * The capacity model's arithmetic (scripts/capacity-model.ts) on fixed costs: what each line counts
 * follows the workload and the measured costs it is given.
 */
import { DEFAULT_WORKLOAD, size, type MeasuredCosts } from '../../../scripts/capacity-model';

const cost = (value: number) => ({ value, source: 'test' });
const COSTS: MeasuredCosts = {
  dashboardServiceMs: cost(6),
  dashboardPostgresMs: cost(3),
  orderServiceMs: cost(6),
  orderPostgresMs: cost(3),
  deliveryMs: cost(0.5),
  executionMs: cost(5),
  socketKiB: cost(100),
};
const line = (lines: ReturnType<typeof size>, what: string) => lines.find((l) => l.what.startsWith(what))!;

describe('capacity model size()', () => {
  it('counts the load of the default workload: dashboards per minute, events per order, one execution per event on each gateway of the tenant', () => {
    expect(line(size(DEFAULT_WORKLOAD, COSTS), 'load').count).toBe(
      '1,667 dashboard queries/s, 1,000 orders/s, 6,000 subscription executions/s, 20,000 deliveries/s',
    );
  });

  it('sizes service CPU from the costs at the planned utilisation', () => {
    // (1,666.7 × 6 + 1,000 × 6 + 6,000 × 5 + 20,000 × 0.5) ms per second = 56 cores busy; / 0.6
    expect(line(size(DEFAULT_WORKLOAD, COSTS), 'service CPU').count).toBe('93.3 cores');
  });

  it('sizes gateway replicas by socket memory when that needs more than CPU', () => {
    const lines = size({ ...DEFAULT_WORKLOAD, orders: 1, sockets: 200_000, refreshSeconds: 3_600 }, COSTS);
    expect(line(lines, 'gateway replicas').count).toBe(String(Math.ceil((200_000 * 100) / 1024 / 2_048)));
  });

  it('sizes Redis by stream memory at the retention, never under three masters', () => {
    expect(line(size(DEFAULT_WORKLOAD, COSTS), 'Redis').count).toBe('14');
    expect(line(size({ ...DEFAULT_WORKLOAD, streamRetention: 100 }, COSTS), 'Redis').count).toBe('3');
  });
});

import { EXECUTION_GATEWAY_VERSION, installGatewayExecution } from '../../../gateway/execution/install-execution';

describe('installGatewayExecution', () => {
  it("replaces @apollo/gateway's executeQueryPlan and computeResponse once, for the version it was written against", () => {
    const execution = require('@apollo/gateway/dist/executeQueryPlan') as { executeQueryPlan: unknown };
    const shaping = require('@apollo/gateway/dist/resultShaping') as { computeResponse: unknown };
    const { version } = require('@apollo/gateway/package.json') as { version: string };
    expect(version).toBe(EXECUTION_GATEWAY_VERSION); // an upgrade of @apollo/gateway must be checked against these tests first
    const before = [execution.executeQueryPlan, shaping.computeResponse];
    expect(installGatewayExecution()).toBe('ours');
    const after = [execution.executeQueryPlan, shaping.computeResponse];
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(installGatewayExecution()).toBe('ours');
    expect([execution.executeQueryPlan, shaping.computeResponse]).toEqual(after);
  });
});

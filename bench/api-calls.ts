/**
 * How many API calls the library's handler makes for one create (until the session is ready) and
 * one delete (until it is terminated): EMR Serverless's, counted by the local emulator, and
 * CloudFormation's (DescribeStackResource, once a started session is usable), by its stand-in.
 */
import { localCloudFormationApi } from '../tools/local-cloud/cloudformation-api';
import { EmrServerlessEmulator } from '../tools/local-cloud/emulator';
import { localApp, onCompressedCloud, synthesize } from '../tools/local-cloud/local-stack';
import { buildStack } from '../tools/session-stacks';

export interface ApiCalls {
  readonly create: number;
  readonly delete: number;
  readonly createByOperation: Record<string, number>;
  readonly deleteByOperation: Record<string, number>;
}

/** With the emulator's default timings (10 s SUBMITTED, 40 s STARTING, 5 s TERMINATING), on a compressed clock. */
export async function countApiCalls(): Promise<ApiCalls> {
  return onCompressedCloud(async ({ emulator, driver: driverOf }) => {
    const app = localApp();
    const stack = buildStack('library', 1, app);
    const driver = driverOf(synthesize(app, stack), stack.stackName);
    const cloudFormationCalls = localCloudFormationApi.calls.length;
    await driver.createStack();
    const createByOperation = countByOperation(emulator, localCloudFormationApi.calls.length - cloudFormationCalls);
    emulator.requests.length = 0;
    const cloudFormationCallsBeforeDelete = localCloudFormationApi.calls.length;
    await driver.deleteStack();
    const deleteByOperation = countByOperation(emulator, localCloudFormationApi.calls.length - cloudFormationCallsBeforeDelete);
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    return { create: total(createByOperation), delete: total(deleteByOperation), createByOperation, deleteByOperation };
  });
}

function countByOperation(emulator: EmrServerlessEmulator, describeStackResource: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of emulator.requests) {
    counts[request.operation] = (counts[request.operation] ?? 0) + 1;
  }
  return describeStackResource > 0 ? { ...counts, DescribeStackResource: describeStackResource } : counts;
}

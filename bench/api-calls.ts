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
    // The calls `work` makes, by operation: the emulator's, and the CloudFormation stand-in's.
    const callsDuring = async (work: () => Promise<unknown>) => {
      emulator.requests.length = 0;
      const cloudFormationBefore = localCloudFormationApi.calls.length;
      await work();
      return countByOperation(emulator, localCloudFormationApi.calls.length - cloudFormationBefore);
    };
    const createByOperation = await callsDuring(() => driver.createStack());
    const deleteByOperation = await callsDuring(() => driver.deleteStack());
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

/**
 * How many EMR Serverless API calls the library's handler makes for one create (until the session
 * is ready) and one delete (until it is terminated), counted by the local emulator.
 */
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
    await driver.createStack();
    const createByOperation = countByOperation(emulator);
    emulator.requests.length = 0;
    await driver.deleteStack();
    const deleteByOperation = countByOperation(emulator);
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    return { create: total(createByOperation), delete: total(deleteByOperation), createByOperation, deleteByOperation };
  });
}

function countByOperation(emulator: EmrServerlessEmulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of emulator.requests) {
    counts[request.operation] = (counts[request.operation] ?? 0) + 1;
  }
  return counts;
}

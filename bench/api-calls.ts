/**
 * How many EMR Serverless API calls the library's handler makes for one create (until the session
 * is ready) and one delete (until it is terminated), counted by the local emulator.
 */
import { driverFor, localApp, silenceHandlerLog, synthesize, useEmulatorEndpoint } from '../tools/local-cloud/local-stack';
import { EmrServerlessEmulator } from '../tools/local-cloud/emulator';
import { LocalClock } from '../tools/local-cloud/local-clock';
import { buildStack } from '../tools/session-stacks';

export interface ApiCalls {
  readonly create: number;
  readonly delete: number;
  readonly createByOperation: Record<string, number>;
  readonly deleteByOperation: Record<string, number>;
}

/** With the emulator's default timings (10 s SUBMITTED, 40 s STARTING, 5 s TERMINATING), on a compressed clock. */
export async function countApiCalls(): Promise<ApiCalls> {
  const clock = LocalClock.install();
  const emulator = new EmrServerlessEmulator();
  useEmulatorEndpoint(await emulator.start());
  const restoreLog = silenceHandlerLog();
  try {
    const app = localApp();
    const stack = buildStack('library', 1, app);
    const driver = driverFor(emulator, synthesize(app, stack), stack.stackName, { wait: (ms) => clock.advance(ms) });
    await driver.createStack();
    const createByOperation = countByOperation(emulator);
    emulator.requests.length = 0;
    await driver.deleteStack();
    const deleteByOperation = countByOperation(emulator);
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    return { create: total(createByOperation), delete: total(deleteByOperation), createByOperation, deleteByOperation };
  } finally {
    restoreLog();
    await emulator.stop();
    clock.uninstall();
  }
}

function countByOperation(emulator: EmrServerlessEmulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of emulator.requests) {
    counts[request.operation] = (counts[request.operation] ?? 0) + 1;
  }
  return counts;
}

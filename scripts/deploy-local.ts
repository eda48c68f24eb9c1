/**
 * `npm run deploy:local`: the example app's whole lifecycle against a local EMR Serverless emulator,
 * with no AWS account. It synthesizes the app, then plays CloudFormation: create (waiting until the
 * session is ready), the outputs, a tag update, and delete, printing an event log with times.
 *
 * It is a local simulation: the real handler bundle and the real AWS SDK, but a stand-in service.
 * `npx cdk deploy` is the real thing.
 */
import { buildApp, ExampleStack } from '../examples/app';
import { driverFor, localApp, silenceHandlerLog, synthesize, useEmulatorEndpoint } from '../tools/local-cloud/local-stack';
import { EmrServerlessEmulator } from '../tools/local-cloud/emulator';

// Sessions start in about a minute on AWS; here in seconds. Everything else runs in real time, as deployed.
const emulator = new EmrServerlessEmulator({ submittedMs: 1500, startingMs: 3000, terminatingMs: 1500 });
const started = Date.now();
const lastStates = new Map<string, string>();

function line(resource: string, status: string, detail = ''): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`${new Date().toISOString().slice(11, 23)}  +${seconds}s  ${resource.padEnd(34)} ${status.padEnd(36)} ${detail}`);
}

function reportSessionStates(): void {
  for (const sessionId of emulator.sessionIds()) {
    const state = emulator.stateOf(sessionId);
    if (lastStates.get(sessionId) !== state) {
      lastStates.set(sessionId, state);
      line(`  session ${sessionId}`, state);
    }
  }
}

async function main(): Promise<void> {
  console.log('LOCAL SIMULATION: no AWS account is used. The handler bundle and the AWS SDK are real; EMR Serverless is');
  console.log('a local emulator. `npx cdk deploy` is the real thing.\n');

  useEmulatorEndpoint(await emulator.start());
  const app = buildApp(localApp());
  const stack = app.node.findChild('EmrServerlessSessionExample') as ExampleStack;
  const driver = driverFor(emulator, synthesize(app, stack), stack.stackName, {
    // The waiter's interval between two isComplete invocations, each of which polls for up to 30 s.
    wait: async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      reportSessionStates();
    },
    onEvent: (logicalId, status, detail) => {
      line(logicalId, status, detail);
      reportSessionStates();
    },
  });
  silenceHandlerLog();

  line(stack.stackName, 'CREATE_IN_PROGRESS');
  const created = await driver.createStack();
  const failed = created.find((r) => r.status === 'FAILED');
  line(stack.stackName, failed ? 'ROLLBACK_COMPLETE' : 'CREATE_COMPLETE');
  if (failed) {
    throw new Error(`create failed: ${failed.reason}`);
  }

  const [logicalId] = driver.sessionLogicalIds;
  const session = driver.deployed.get(logicalId)!;
  console.log('\nOutputs:');
  console.log(`  ${stack.stackName}.SessionId  = ${session.data.SessionId}`);
  console.log(`  ${stack.stackName}.SessionArn = ${session.data.Arn}\n`);

  line(stack.stackName, 'UPDATE_IN_PROGRESS', 'a tag-only change: applied in place');
  const properties = driver.templateProperties(logicalId) as { Tags: Record<string, string> };
  await driver.update(logicalId, { ...properties, Tags: { ...properties.Tags, owner: 'data-platform' } });
  line(stack.stackName, 'UPDATE_COMPLETE');

  line(stack.stackName, 'DELETE_IN_PROGRESS');
  await driver.deleteStack();
  line(stack.stackName, 'DELETE_COMPLETE');

  const live = emulator.liveSessions();
  const duplicates = [...emulator.sessionsPerToken().values()].filter((count) => count > 1).length;
  console.log(`\nSessions started: ${emulator.sessionIds().length}; duplicates: ${duplicates}; still running: ${live.length}`);
  console.log(
    `API calls: ${['StartSession', 'GetSession', 'TagResource', 'TerminateSession'].map((op) => `${op} ${emulator.callsOf(op as any).length}`).join(', ')}`,
  );
  if (live.length > 0 || duplicates > 0) {
    throw new Error('the local lifecycle left sessions behind');
  }
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => emulator.stop());

/**
 * `npm run deploy:local`: the example app's whole lifecycle against a local EMR Serverless emulator,
 * with no AWS account. It synthesizes the app, then plays CloudFormation: create (waiting until the
 * session is ready), the stack's outputs, a tag update, and delete, printing an event log with
 * times and every state the session goes through.
 *
 *   npm run deploy:local                               # the lifecycle
 *   npm run deploy:local -- --verbose                  # and the handler's decision log, one line per decision
 *   npm run deploy:local -- --scenario fail-to-start   # a session the service cannot start: the failed create
 *   npm run deploy:local -- --assembly cdk.out/x       # a cloud assembly synthesized elsewhere (under this repository)
 *
 * It is a local simulation: the real handler bundle, aws-cdk-lib's Provider framework code from the
 * template's asset and the real AWS SDK, but stand-ins for the AWS services. `npx cdk deploy` is
 * the real thing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildApp, ExampleStack } from '../examples/app';
import { RESOURCE_TYPE } from '../lambda/shared/contract';
import { CloudFormationDriver } from '../tools/local-cloud/cloudformation-driver';
import { driverFor, localApp, silenceHandlerLog, synthesize, useEmulatorEndpoint } from '../tools/local-cloud/local-stack';
import { EmrServerlessEmulator } from '../tools/local-cloud/emulator';

const ROOT = path.join(__dirname, '..');
const SCENARIOS = ['lifecycle', 'fail-to-start'] as const;
type Scenario = (typeof SCENARIOS)[number];
const USAGE = `usage: npm run deploy:local [-- --verbose] [--scenario ${SCENARIOS.join('|')}] [--assembly <cloud assembly dir>]`;
/** What the emulator says of a session that cannot start in the `fail-to-start` scenario: a quota, the usual cause. */
const START_FAILURE = 'Driver failed to start: ServiceQuotaExceeded: account vCPU quota of 16 reached';

interface Options {
  readonly verbose: boolean;
  readonly scenario: Scenario;
  readonly assembly?: string;
}

/** A mistake in how the script was run: printed as it is, with no stack trace. */
class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  let verbose = false;
  let scenario: Scenario = 'lifecycle';
  let assembly: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const valueOf = (flag: string) => {
      const value = argv[++i];
      if (value === undefined) {
        throw new UsageError(`${flag} needs a value\n${USAGE}`);
      }
      return value;
    };
    if (argv[i] === '--verbose') {
      verbose = true;
    } else if (argv[i] === '--scenario') {
      const value = valueOf('--scenario');
      if (!(SCENARIOS as readonly string[]).includes(value)) {
        throw new UsageError(`unknown scenario '${value}': one of ${SCENARIOS.join(', ')}\n${USAGE}`);
      }
      scenario = value as Scenario;
    } else if (argv[i] === '--assembly') {
      assembly = path.resolve(valueOf('--assembly'));
    } else {
      throw new UsageError(`unknown argument '${argv[i]}'\n${USAGE}`);
    }
  }
  return { verbose, scenario, assembly };
}

/** Fails with what to do when something the run needs is missing, before anything starts. */
function checkPrerequisites(options: Options): void {
  const required = Number(/\d+/.exec(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node)![0]);
  if (Number(process.versions.node.split('.')[0]) < required) {
    throw new UsageError(`deploy:local needs Node.js ${required} or later; this is ${process.version}`);
  }
  for (const dependency of ['aws-cdk-lib', '@aws-sdk/client-lambda', '@aws-sdk/client-sfn']) {
    if (!fs.existsSync(path.join(ROOT, 'node_modules', dependency))) {
      throw new UsageError(`deploy:local needs the development dependencies (${dependency} is missing): run 'npm ci' first`);
    }
  }
  if (options.assembly && path.relative(ROOT, options.assembly).startsWith('..')) {
    // The framework's code runs from its asset, and finds the AWS SDK it expects from the Lambda
    // runtime in this repository's node_modules.
    throw new UsageError(`--assembly must be a directory under ${ROOT}, got ${options.assembly}`);
  }
}

/** The stack of a cloud assembly that declares a session: its template file's name. */
function sessionStackIn(assemblyDir: string): string {
  const stacks = fs
    .readdirSync(assemblyDir)
    .filter(
      (file) => file.endsWith('.template.json') && fs.readFileSync(path.join(assemblyDir, file), 'utf8').includes(`"${RESOURCE_TYPE}"`),
    );
  if (stacks.length !== 1) {
    throw new UsageError(`the cloud assembly ${assemblyDir} must have one stack with a session; it has ${stacks.length}`);
  }
  return stacks[0].replace(/\.template\.json$/, '');
}

/** What the script prints: one line per event, with times, as CloudFormation's event log does. */
class EventLog {
  private readonly started = Date.now();
  private readonly lastStates = new Map<string, string>();

  constructor(private readonly emulator: EmrServerlessEmulator) {}

  public line(resource: string, status: string, detail = ''): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    console.log(`${new Date().toISOString().slice(11, 23)}  +${seconds}s  ${resource.padEnd(34)} ${status.padEnd(36)} ${detail}`);
  }

  /** A line for each session whose state changed since the last look. */
  public sessionStates(): void {
    for (const sessionId of this.emulator.sessionIds()) {
      const state = this.emulator.stateOf(sessionId);
      if (this.lastStates.get(sessionId) !== state) {
        this.lastStates.set(sessionId, state);
        this.line(`  session ${sessionId}`, state);
      }
    }
  }

  /** One of the handler's decisions (`--verbose`), as its JSON line has it. */
  public decision({ decision, ...fields }: Record<string, unknown>): void {
    const details = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    this.line('    handler', String(decision), details.join(' '));
  }
}

async function main(options: Options): Promise<void> {
  console.log('LOCAL SIMULATION: no AWS account is used. The handler bundle, the Provider framework code and the AWS SDK are');
  console.log('real; EMR Serverless, Lambda, Step Functions and CloudFormation are local stand-ins. `npx cdk deploy` is the real thing.\n');

  // Sessions start in about a minute on AWS; here in seconds. Everything else runs in real time, as deployed.
  const emulator = new EmrServerlessEmulator({ submittedMs: 1500, startingMs: 3000, terminatingMs: 1500 });
  const log = new EventLog(emulator);
  try {
    useEmulatorEndpoint(await emulator.start());
  } catch (error) {
    throw new UsageError(`deploy:local could not listen on a local port of 127.0.0.1 (one the OS picks): ${(error as Error).message}`);
  }
  // Every state, SUBMITTED and STARTING included, as soon as the session is in it.
  const watch = setInterval(() => log.sessionStates(), 50);
  const restoreLog = silenceHandlerLog(options.verbose ? (decision) => log.decision(decision) : undefined);
  try {
    const driver = await stackFor(options, emulator, log);
    if (options.scenario === 'fail-to-start') {
      await failToStart(driver, emulator, log);
    } else {
      await lifecycle(driver, log);
    }
    reportAccount(emulator);
  } finally {
    clearInterval(watch);
    restoreLog();
    await emulator.stop();
  }
}

async function stackFor(options: Options, emulator: EmrServerlessEmulator, log: EventLog): Promise<CloudFormationDriver> {
  const driverOptions = {
    // The waiter's interval between two isComplete invocations.
    wait: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    onEvent: (logicalId: string, status: string, detail?: string) => log.line(logicalId, status, detail),
  };
  if (options.assembly) {
    log.line('cloud assembly', 'READ', options.assembly);
    return driverFor(emulator, options.assembly, sessionStackIn(options.assembly), driverOptions);
  }
  log.line('examples/app.ts', 'SYNTHESIZING', 'cdk synth, in this process');
  const app = buildApp(localApp());
  const stack = app.node.children.find((child): child is ExampleStack => child instanceof ExampleStack)!;
  const assemblyDir = synthesize(app, stack);
  log.line('examples/app.ts', 'SYNTHESIZED', path.relative(ROOT, assemblyDir));
  return driverFor(emulator, assemblyDir, stack.stackName, driverOptions);
}

async function lifecycle(driver: CloudFormationDriver, log: EventLog): Promise<void> {
  const stackName = driver.stackName;
  log.line(stackName, 'CREATE_IN_PROGRESS');
  const created = await driver.createStack();
  const failed = created.find((r) => r.status === 'FAILED');
  if (failed) {
    log.line(stackName, 'ROLLBACK_COMPLETE');
    throw new Error(`create failed: ${failed.reason}`);
  }
  log.line(stackName, 'CREATE_COMPLETE');
  printOutputs(driver);

  const [logicalId] = driver.sessionLogicalIds;
  log.line(stackName, 'UPDATE_IN_PROGRESS', 'a tag-only change: applied in place');
  const properties = driver.templateProperties(logicalId) as { Tags?: Record<string, string> };
  await driver.update(logicalId, { ...properties, Tags: { ...properties.Tags, owner: 'data-platform' } });
  log.line(stackName, 'UPDATE_COMPLETE');

  log.line(stackName, 'DELETE_IN_PROGRESS');
  await driver.deleteStack();
  log.line(stackName, 'DELETE_COMPLETE');
}

async function failToStart(driver: CloudFormationDriver, emulator: EmrServerlessEmulator, log: EventLog): Promise<void> {
  const stackName = driver.stackName;
  console.log(`Scenario fail-to-start: the service fails the session's start ("${START_FAILURE}").\n`);
  emulator.failNextSessionStart(START_FAILURE);
  log.line(stackName, 'CREATE_IN_PROGRESS');
  const created = await driver.createStack();
  const failed = created.find((r) => r.status === 'FAILED');
  if (!failed) {
    throw new Error('the create succeeded, but the scenario fails the start: the handler reported a session it never had');
  }
  const [logGroup] = driver.logicalIdsOf('AWS::Logs::LogGroup');
  const retained = driver.template.Resources[logGroup]?.DeletionPolicy === 'Retain';
  log.line(stackName, 'ROLLBACK_COMPLETE', retained ? 'the handler log group is retained (DeletionPolicy Retain)' : '');
  const reason = (failed.reason ?? '').trim().split('\n').join('\n  ');
  console.log(`\nThe reason CloudFormation shows (in 'cdk deploy' and the console's Events tab):\n  ${reason}`);
  if (retained) {
    console.log(`\nThe handler's log group, which the reason names, outlives the rollback: ${driver.resolveReference(logGroup)}`);
  }
}

function printOutputs(driver: CloudFormationDriver): void {
  console.log('\nOutputs:');
  const outputs = Object.entries(driver.outputs());
  const width = Math.max(...outputs.map(([name]) => name.length));
  for (const [name, value] of outputs) {
    console.log(`  ${driver.stackName}.${name.padEnd(width)} = ${value}`);
  }
  console.log();
}

/** What the run asked of the account, and what it left: the figures that prove nothing leaked. */
function reportAccount(emulator: EmrServerlessEmulator): void {
  const live = emulator.liveSessions();
  const duplicates = [...emulator.sessionsPerToken().values()].filter((count) => count > 1).length;
  console.log(`\nSessions started: ${emulator.sessionIds().length}; duplicates: ${duplicates}; still running: ${live.length}`);
  const operations = ['StartSession', 'GetSession', 'GetSessionEndpoint', 'TagResource', 'TerminateSession'] as const;
  console.log(`API calls: ${operations.map((op) => `${op} ${emulator.callsOf(op).length}`).join(', ')}`);
  if (live.length > 0 || duplicates > 0) {
    throw new Error('the local lifecycle left sessions behind');
  }
}

try {
  const options = parseArgs(process.argv.slice(2));
  checkPrerequisites(options);
  main(options).catch((error) => {
    console.error(error instanceof UsageError ? error.message : error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

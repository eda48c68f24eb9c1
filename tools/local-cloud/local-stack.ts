/**
 * Wires a synthesized stack, the emulator and the driver together: the one setup shared by the
 * lifecycle tests and `npm run deploy:local`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { EmrServerlessEmulator, EmulatorOptions } from './emulator';
import { ACCOUNT, AccountLimits, CloudFormationDriver, DriverOptions, REGION } from './cloudformation-driver';
import { LocalClock } from './local-clock';

export { ACCOUNT, REGION };

/** Points the SDK inside the handler at the emulator, with dummy credentials. Call before the handler loads. */
export function useEmulatorEndpoint(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL_EMR_SERVERLESS = endpoint;
  process.env.AWS_REGION = REGION;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALEMULATOR';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-emulator-secret';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/**
 * Keeps out of a local run's output what the deployed functions log but nobody reads there: the
 * handler's decision log (one JSON line per decision, CloudWatch Logs' job on AWS; handed to
 * `decisions` if given), the SDK's DEBUG log, and the Provider framework's `[provider-framework]`
 * lines (Lambda drops them on AWS: the framework's functions log at level FATAL). Everything else is
 * still printed. Returns the function that restores both.
 */
export function silenceHandlerLog(decisions?: (decision: Record<string, unknown>) => void): () => void {
  const original = { log: console.log, debug: console.debug };
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('{"decision"')) {
      decisions?.(JSON.parse(args[0]));
    } else if (args[0] !== '[provider-framework]') {
      original.log(...args);
    }
  };
  console.debug = () => undefined;
  return () => {
    console.log = original.log;
    console.debug = original.debug;
  };
}

/**
 * An app whose cloud assembly is written under this repository's cdk.out/, so that the Provider
 * framework's code, run from its asset there, finds the AWS SDK clients it expects from the Lambda
 * runtime in this repository's node_modules (pinned as dev dependencies).
 */
export function localApp(context: Record<string, unknown> = {}): App {
  const root = path.join(__dirname, '..', '..', 'cdk.out');
  fs.mkdirSync(root, { recursive: true });
  const outdir = fs.mkdtempSync(path.join(root, 'local-cloud-'));
  if (assemblies.length === 0) {
    process.once('exit', removeLocalApps);
  }
  assemblies.push(outdir);
  return new App({ outdir, context });
}

/** The cloud assemblies this process wrote with `localApp`. */
const assemblies: string[] = [];

/** Removes the cloud assemblies `localApp` wrote: at exit, or when a test suite is done with them. */
export function removeLocalApps(): void {
  for (const dir of assemblies.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Synthesizes the app and returns its cloud assembly directory: the templates and the staged assets. */
export function synthesize(app: App, stack: Stack): string {
  const directory = app.synth().directory;
  if (!fs.existsSync(path.join(directory, `${stack.stackName}.template.json`))) {
    throw new Error(`no template for ${stack.stackName} in ${directory}`);
  }
  return directory;
}

/** The emulator's id for the application a template declares under `logicalId`: its letters and digits, after `00f`. */
export function applicationIdOf(logicalId: string): string {
  return `00f${logicalId.toLowerCase().replace(/[^0-9a-z]/g, '')}`.slice(0, 16);
}

/**
 * A driver whose references resolve to the emulator: every `AWS::EMRServerless::Application` in the
 * template becomes an emulated application (with the template's sessionEnabled), every IAM role an ARN.
 */
export function driverFor(
  emulator: EmrServerlessEmulator,
  assemblyDir: string,
  stackName: string,
  options: Pick<DriverOptions, 'wait' | 'onEvent' | 'clock' | 'concurrencyLimit' | 'invokeOverheadMs'>,
): CloudFormationDriver {
  const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, `${stackName}.template.json`), 'utf8'));
  const applicationIds = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
    if (resource.Type === 'AWS::EMRServerless::Application') {
      const id = applicationIdOf(logicalId);
      emulator.addApplication(id, {
        releaseLabel: resource.Properties.ReleaseLabel,
        sessionEnabled: resource.Properties.InteractiveConfiguration?.SessionEnabled === true,
        autoStart: resource.Properties.AutoStartConfiguration?.Enabled !== false,
      });
      applicationIds.set(logicalId, id);
    }
  }
  return new CloudFormationDriver({
    assemblyDir,
    stackName,
    ...options,
    resolveReference: (logicalId, attribute) => {
      const applicationId = applicationIds.get(logicalId);
      if (applicationId) {
        return attribute === 'Arn' ? `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/${applicationId}` : applicationId;
      }
      const type = template.Resources[logicalId]?.Type;
      if (type === 'AWS::IAM::Role' && attribute === 'Arn') {
        return `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
      }
      if (type === 'AWS::Lambda::Function' && attribute === 'Arn') {
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
      }
      if (type === 'AWS::StepFunctions::StateMachine' && attribute === undefined) {
        return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${logicalId}`;
      }
      if (type === 'AWS::Logs::LogGroup' && attribute === undefined) {
        return `/local/${logicalId}`;
      }
      throw new Error(`the local stack cannot resolve ${logicalId}${attribute ? `.${attribute}` : ''}`);
    },
  });
}

/** The driver options of a run on `clock`: every wait is on it, and so is the work that runs at once. */
export function onTheClock(clock: LocalClock): Pick<DriverOptions, 'wait' | 'clock'> {
  return { wait: (ms) => clock.advance(ms), clock };
}

/** A local cloud on a compressed clock: the emulator, and drivers whose waits move the clock. */
export interface CompressedCloud {
  readonly emulator: EmrServerlessEmulator;
  /** A driver for the stack of a synthesized assembly (see `synthesize`), within the account's limits if given. */
  driver(assemblyDir: string, stackName: string, limits?: AccountLimits): CloudFormationDriver;
}

/**
 * Runs `work` against a fresh emulator on a compressed clock, with the deployed functions' logs kept
 * out of the output, and undoes all of it afterwards: the setup every benchmark measurement shares.
 */
export async function onCompressedCloud<T>(
  work: (cloud: CompressedCloud) => Promise<T>,
  emulatorOptions: EmulatorOptions = {},
): Promise<T> {
  const clock = LocalClock.install();
  const emulator = new EmrServerlessEmulator(emulatorOptions);
  useEmulatorEndpoint(await emulator.start());
  const restoreLog = silenceHandlerLog();
  try {
    return await work({
      emulator,
      driver: (assemblyDir, stackName, limits = {}) => driverFor(emulator, assemblyDir, stackName, { ...onTheClock(clock), ...limits }),
    });
  } finally {
    restoreLog();
    await emulator.stop();
    clock.uninstall();
  }
}

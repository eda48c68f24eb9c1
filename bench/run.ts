/**
 * `npm run bench`: this library's `Session` against the `AwsCustomResource` way, measured in the
 * same run, for 1, 10, 100 and 400 sessions in one stack. Prints a Markdown table with the ratios
 * (library / baseline) and writes the same figures to bench/results/latest.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countApiCalls } from './api-calls';
import {
  ACCOUNT_LIMITS,
  DeployFigures,
  MODELLED_LATENCY,
  measureCreates,
  measureManySessions,
  PRICES,
  SHAPE_NAMES,
  SHAPES,
  ShapeFigures,
} from './shapes';
import { awsCdkLibFile, HANDLER_BUNDLE } from '../tools/installed-files';
import { LIMITS } from '../tools/stack-limits';
import { measureColdLoad, measureStack, StackFigures } from './measure';

const SESSION_COUNTS = [1, 10, 100, 400];
const SYNTH_RUNS: Record<number, number> = { 1: 5, 10: 5, 100: 5, 400: 3 };
const LOAD_RUNS = 7;
const ROOT = path.join(__dirname, '..');
// The handler AwsCustomResource deploys, as aws-cdk-lib ships it.
const BASELINE_HANDLER = awsCdkLibFile('custom-resource-handlers', 'dist', 'custom-resources', 'aws-custom-resource-handler', 'index.js');

// The worst-case response to CloudFormation: every field at the API's maximum length.
const ARN_MAX = 1024;
const ID_MAX = 64;
const ENDPOINT_MAX = 256;

function worstCaseResponseBytes(physicalIdLength: number, data: Record<string, number>): number {
  const response = {
    Status: 'SUCCESS',
    Reason: 'SUCCESS',
    PhysicalResourceId: 'x'.repeat(physicalIdLength),
    StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${'s'.repeat(128)}/${'u'.repeat(36)}`,
    RequestId: 'r'.repeat(36),
    LogicalResourceId: 'l'.repeat(255),
    NoEcho: false,
    Data: Object.fromEntries(Object.entries(data).map(([key, length]) => [key, 'x'.repeat(length)])),
  };
  return Buffer.byteLength(JSON.stringify(response));
}

function within(figures: StackFigures, responseBytes: number): string {
  const broken = [
    figures.resources > LIMITS.resources && `${figures.resources} resources > ${LIMITS.resources}`,
    figures.templateBytes > LIMITS.templateBytes && 'template > 1 MB',
    figures.maxRoleInlinePolicyChars > LIMITS.inlinePolicyChars && `inline policy > ${LIMITS.inlinePolicyChars}`,
    responseBytes > LIMITS.responseBytes && 'response > 4,096 B',
  ].filter(Boolean);
  return broken.length === 0 ? 'yes' : `**no**: ${broken.join('; ')}`;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (library: number, baseline: number) => (baseline === 0 ? 'n/a' : `${(library / baseline).toFixed(2)}x`);

async function main(): Promise<void> {
  const started = Date.now();
  const rows: Array<{ sessions: number; baseline: StackFigures; library: StackFigures }> = [];
  for (const sessions of SESSION_COUNTS) {
    const runs = SYNTH_RUNS[sessions];
    rows.push({ sessions, baseline: measureStack('baseline', sessions, runs), library: measureStack('library', sessions, runs) });
    process.stderr.write(`measured ${sessions} session(s)\n`);
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  const perSession = (variant: 'baseline' | 'library') =>
    (last[variant].templateBytes - first[variant].templateBytes) / (last.sessions - first.sessions);
  const response = {
    baseline: worstCaseResponseBytes(ID_MAX, { applicationId: ID_MAX, arn: ARN_MAX, sessionId: ID_MAX }),
    library: worstCaseResponseBytes(ARN_MAX, { SessionId: ID_MAX, Arn: ARN_MAX, ApplicationId: ID_MAX, Endpoint: ENDPOINT_MAX }),
  };
  const handler = { baseline: measureColdLoad(BASELINE_HANDLER, LOAD_RUNS), library: measureColdLoad(HANDLER_BUNDLE, LOAD_RUNS) };
  const apiCalls = await countApiCalls();
  const creates = await measureCreates();
  const manySessions = { window: await measureManySessions('window'), current: await measureManySessions('current') };

  const lines = [
    '| sessions | variant | synth ms (median) | template bytes | resources | max inline policy chars on a role | within limits |',
    '|---:|---|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    for (const variant of ['baseline', 'library'] as const) {
      const f = row[variant];
      lines.push(
        `| ${row.sessions} | ${variant} | ${n(f.synthMs)} | ${n(f.templateBytes)} | ${n(f.resources)} | ${n(f.maxRoleInlinePolicyChars)} | ${within(f, response[variant])} |`,
      );
    }
    const b = row.baseline;
    const l = row.library;
    lines.push(
      `| ${row.sessions} | *ratio* | ${ratio(l.synthMs, b.synthMs)} | ${ratio(l.templateBytes, b.templateBytes)} | ${ratio(l.resources, b.resources)} | ${ratio(l.maxRoleInlinePolicyChars, b.maxRoleInlinePolicyChars)} | |`,
    );
  }
  const summary = [
    '',
    '| figure | baseline | library | ratio |',
    '|---|---:|---:|---:|',
    `| template bytes per added session (${first.sessions} -> ${last.sessions}) | ${n(perSession('baseline'))} | ${n(perSession('library'))} | ${ratio(perSession('library'), perSession('baseline'))} |`,
    `| worst-case response to CloudFormation, bytes (limit 4,096) | ${n(response.baseline)} | ${n(response.library)} | ${ratio(response.library, response.baseline)} |`,
    `| handler file bytes | ${n(handler.baseline.bytes)} | ${n(handler.library.bytes)} | ${ratio(handler.library.bytes, handler.baseline.bytes)} |`,
    `| handler cold load ms (require in a fresh process, median of ${LOAD_RUNS}) | ${handler.baseline.loadMs.toFixed(1)} | ${handler.library.loadMs.toFixed(1)} | ${ratio(handler.library.loadMs, handler.baseline.loadMs)} |`,
    `| API calls per create | 1 (StartSession; no wait) | ${apiCalls.create} (${describe(apiCalls.createByOperation)}) | |`,
    `| API calls per delete | 1 (TerminateSession; no wait) | ${apiCalls.delete} (${describe(apiCalls.deleteByOperation)}) | |`,
  ];
  const deploy = [...createTable(creates), ...manySessionsTable(manySessions)];
  const notes = [
    '',
    'Template bytes: the template file `cdk synth` writes (path metadata and analytics on). Inline policy: the largest sum of',
    "inline policies on one role, without whitespace, references replaced by ARNs of typical length. The baseline's handler",
    'loads the SDK client from the Lambda runtime when it is invoked, so its cold load does not include it; the library bundles',
    "a pinned client. Baseline API calls are by construction (its onCreate/onDelete), not measured; the library's are counted",
    'by the local emulator (sessions usable after 50 s, including the waits for ready and terminated).',
    `Creates and the 25-session deploy: AWS's own time is modelled as ${MODELLED_LATENCY.apiCallMs} ms a session API call and ${MODELLED_LATENCY.invokeMs} ms an`,
    "invocation's round trip, charged to the compressed clock. Executions held: every function's Lambda time over the create's",
    "time (the framework's isComplete waits on the handler's, so a look holds two). State transitions: one per attempt of the",
    "waiter's task, every retry counted, as Step Functions bills them. Cost at list prices, " +
      `${PRICES.region}, first tier, free tiers left out, read ${PRICES.readOn}: Lambda $${(PRICES.lambdaPerRequest * 1e6).toFixed(2)} per million requests,`,
    `$${PRICES.lambdaPerGbSecond.arm64} per GB-second on arm64 (the handler), $${PRICES.lambdaPerGbSecond.x86_64} on x86_64 (the framework's functions);`,
    `Step Functions Standard $${(PRICES.stepFunctionsPerTransition * 1000).toFixed(3)} per 1,000 state transitions.`,
  ];
  console.log([...lines, ...summary, ...deploy, ...notes].join('\n'));
  console.log(`\nmeasured in ${((Date.now() - started) / 1000).toFixed(0)} s on Node.js ${process.version}`);

  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim() ?? 'unknown' },
    awsCdkLib: JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')).version,
    limits: LIMITS,
    rows,
    bytesPerAddedSession: { baseline: perSession('baseline'), library: perSession('library') },
    response,
    handler,
    apiCalls,
    creates,
    manySessions,
    modelledLatency: MODELLED_LATENCY,
    prices: PRICES,
    accountLimits: ACCOUNT_LIMITS,
  };
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(results, undefined, 2)}\n`);
  console.log('figures written to bench/results/latest.json');
}

/** Every figure of a create, one column per shape, with this version's ratio to 0.1's. */
function createTable(creates: Record<(typeof SHAPES)[number], ShapeFigures>): string[] {
  const [first, previous, last] = SHAPES;
  const row = (name: string, value: (f: ShapeFigures) => number, digits: number) =>
    `| ${name} | ${SHAPES.map((shape) => value(creates[shape]).toFixed(digits)).join(' | ')} | ` +
    `${ratio(value(creates[last]), value(creates[first]))} | ${ratio(value(creates[last]), value(creates[previous]))} |`;
  return [
    '',
    `One create, session usable to CloudFormation's SUCCESS, through the Provider framework from the template (${creates.current.creates} creates a shape,`,
    'sessions STARTING for 30 to 105 s; compressed time, reported in the seconds it stands for):',
    '',
    `| figure | ${SHAPES.map((shape) => SHAPE_NAMES[shape]).join(' | ')} | this version / 0.1's | this version / November's |`,
    `|---|${SHAPES.map(() => '---:').join('|')}|---:|---:|`,
    row('ready to SUCCESS, s (median)', (f) => f.overheadSeconds.median, 2),
    row('ready to SUCCESS, s (90th percentile)', (f) => f.overheadSeconds.p90, 2),
    row('ready to SUCCESS, s (max)', (f) => f.overheadSeconds.max, 2),
    row('Lambda executions held while the session starts (mean)', (f) => f.executionsHeld.mean, 3),
    row('Lambda executions held at once (peak)', (f) => f.executionsHeld.peak, 0),
    row('Step Functions state transitions per create (median)', (f) => f.stateTransitionsPerCreate, 1),
    row('Lambda invocations per create (median)', (f) => f.lambdaInvocationsPerCreate, 1),
    row('Lambda GB-seconds per create (median)', (f) => f.gbSecondsPerCreate, 3),
    row('EMR Serverless API calls per create (median)', (f) => f.apiCallsPerCreate, 1),
    row('US$ per create at list prices (median)', (f) => f.costUsdPerCreate, 5),
  ];
}

/** The 25-session deploy in a small account, November's shape against this version's. */
function manySessionsTable(deploys: Record<'window' | 'current', DeployFigures>): string[] {
  const row = (name: string, value: (f: DeployFigures) => number | string) =>
    `| ${name} | ${value(deploys.window)} | ${value(deploys.current)} |`;
  return [
    '',
    `${ACCOUNT_LIMITS.sessions} sessions in one stack, one deploy, Lambda concurrency ${ACCOUNT_LIMITS.lambdaConcurrency} (a new account's), GetSession limited to`,
    `${ACCOUNT_LIMITS.getSessionPerSecond} a second, sessions usable 60 to 120 s after their start:`,
    '',
    `| figure | ${SHAPE_NAMES.window} | ${SHAPE_NAMES.current} |`,
    '|---|---:|---:|',
    row('sessions that reached SUCCESS', (f) => `${f.succeeded} of ${f.sessions}`),
    row('time to the last answer, s', (f) => f.lastAnswerSeconds.toFixed(0)),
    row('Lambda executions at once (peak)', (f) => f.peakConcurrency),
    row('Lambda invocations throttled', (f) => f.lambdaThrottles),
    row('session API calls throttled', (f) => f.serviceThrottles),
    row('GetSession calls in one second (peak)', (f) => f.getSessionPeakPerSecond),
  ];
}

function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([op, count]) => `${op} ${count}`)
    .join(', ');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

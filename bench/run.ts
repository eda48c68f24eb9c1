/**
 * `npm run bench`: this library's `Session` against the `AwsCustomResource` way, measured in the
 * same run, for 1, 10, 100 and 400 sessions in one stack. Prints a Markdown table with the ratios
 * (library / baseline) and writes the same figures to bench/results/latest.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countApiCalls } from './api-calls';
import { measureLatency } from './latency';
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
  const latency = await measureLatency();

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
  const before = latency['v0.1'];
  const after = latency.current;
  const seconds = (value: number) => value.toFixed(2);
  const deploy = [
    '',
    `Create, session usable to CloudFormation's SUCCESS, through the Provider framework from the template (${after.creates} creates a shape,`,
    'sessions STARTING for 30 to 105 s; compressed time, reported in the seconds it stands for):',
    '',
    "| figure | 0.1's shape (1 poll an invocation, waiter every 15 s) | this version (polls every 2 s for 30 s an invocation, waiter every 2 s) | ratio |",
    '|---|---:|---:|---:|',
    `| ready to SUCCESS, s (median) | ${seconds(before.overheadSeconds.median)} | ${seconds(after.overheadSeconds.median)} | ${ratio(after.overheadSeconds.median, before.overheadSeconds.median)} |`,
    `| ready to SUCCESS, s (90th percentile) | ${seconds(before.overheadSeconds.p90)} | ${seconds(after.overheadSeconds.p90)} | ${ratio(after.overheadSeconds.p90, before.overheadSeconds.p90)} |`,
    `| ready to SUCCESS, s (max) | ${seconds(before.overheadSeconds.max)} | ${seconds(after.overheadSeconds.max)} | ${ratio(after.overheadSeconds.max, before.overheadSeconds.max)} |`,
    `| EMR Serverless API calls per create (median) | ${before.apiCallsPerCreate} | ${after.apiCallsPerCreate} | ${ratio(after.apiCallsPerCreate, before.apiCallsPerCreate)} |`,
    `| waiter attempts per create (median) | ${before.waiterAttemptsPerCreate} | ${after.waiterAttemptsPerCreate} | ${ratio(after.waiterAttemptsPerCreate, before.waiterAttemptsPerCreate)} |`,
    `| Lambda GB-seconds per create (median; all five functions) | ${before.gbSecondsPerCreate.toFixed(3)} | ${after.gbSecondsPerCreate.toFixed(3)} | ${ratio(after.gbSecondsPerCreate, before.gbSecondsPerCreate)} |`,
  ];
  const notes = [
    '',
    'Template bytes: the template file `cdk synth` writes (path metadata and analytics on). Inline policy: the largest sum of',
    "inline policies on one role, without whitespace, references replaced by ARNs of typical length. The baseline's handler",
    'loads the SDK client from the Lambda runtime when it is invoked, so its cold load does not include it; the library bundles',
    "a pinned client. Baseline API calls are by construction (its onCreate/onDelete), not measured; the library's are counted",
    'by the local emulator (sessions usable after 50 s, including the waits for ready and terminated). Ready to SUCCESS counts',
    "the waits (the handler's, the waiter's); AWS's own latency per call and per invocation (tens of milliseconds each, the same",
    "in both shapes) is not modelled. GB-seconds: each function's memory times its duration, the framework's isComplete included",
    "while it waits for the handler's.",
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
    latency,
  };
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(results, undefined, 2)}\n`);
  console.log('figures written to bench/results/latest.json');
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

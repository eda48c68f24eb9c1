/**
 * The README's "Scale and cost" figures, generated from `bench/results/latest.json` (`npm run bench`)
 * between the markers `<!-- bench:begin -->` and `<!-- bench:end -->`, so they cannot drift.
 *
 *   npx tsx scripts/readme-figures.ts           # rewrites the block
 *   npx tsx scripts/readme-figures.ts --check   # fails when the README and the results disagree on
 *                                               # anything but timings (lines marked as such)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeployFigures, Shape, ShapeFigures } from '../bench/shapes';

const ROOT = path.join(__dirname, '..');
const README = path.join(ROOT, 'README.md');
const RESULTS = path.join(ROOT, 'bench', 'results', 'latest.json');
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';
/** Ends every line whose figures are timings: they vary from run to run and machine to machine. */
const TIMING = '<!-- timing -->';

interface Figures {
  readonly templateBytes: number;
  readonly resources: number;
  readonly maxRoleInlinePolicyChars: number;
  readonly synthMs: number;
}
interface Results {
  readonly measuredAt: string;
  readonly node: string;
  readonly machine?: { cores: number; cpu: string };
  readonly awsCdkLib?: string;
  readonly limits: { resources: number; templateBytes: number; inlinePolicyChars: number };
  readonly rows: Array<{ sessions: number; baseline: Figures; library: Figures }>;
  readonly bytesPerAddedSession: { baseline: number; library: number };
  readonly response: { baseline: number; library: number };
  readonly handler: { library: { bytes: number; loadMs: number } };
  readonly apiCalls: { createByOperation: Record<string, number>; deleteByOperation: Record<string, number> };
  readonly creates: Record<Shape, ShapeFigures>;
  readonly manySessions: Record<'window' | 'current', DeployFigures>;
  readonly accountLimits: { lambdaConcurrency: number; getSessionPerSecond: number; sessions: number };
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');

export function renderFigures(r: Results): string {
  const deployable = (f: Figures) => {
    const over = [
      f.resources > r.limits.resources && `${n(r.limits.resources)} resources`,
      f.templateBytes > r.limits.templateBytes && '1 MB template',
      f.maxRoleInlinePolicyChars > r.limits.inlinePolicyChars && `IAM allows ${n(r.limits.inlinePolicyChars)}`,
    ].filter(Boolean);
    return over.length === 0 ? 'yes' : `no: ${over.join(', ')}`;
  };
  const tableRows = r.rows
    .filter((row) => row.sessions !== 10)
    .flatMap((row) =>
      (['baseline', 'library'] as const).map((variant) => {
        const f = row[variant];
        const name = variant === 'baseline' ? 'AwsCustomResource' : '`Session`';
        return `| ${row.sessions} | ${name} | ${n(f.templateBytes)} | ${n(f.resources)} | ${n(f.maxRoleInlinePolicyChars)} | ${deployable(f)} |`;
      }),
    );
  const before = r.creates['v0.1'];
  const window = r.creates.window;
  const after = r.creates.current;
  const many = r.manySessions;
  const limits = r.accountLimits;
  const seconds = (value: number) => value.toFixed(1);
  const first = r.rows[0];
  const hundred = r.rows.find((row) => row.sessions === 100)!;
  const perSession = r.bytesPerAddedSession;
  const fixedBytes = first.library.templateBytes - perSession.library;
  const calls = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([operation, count]) => `${count} ${operation}`)
      .join(', ');
  return [
    `Measured by \`npm run bench\` against the \`custom_resources.AwsCustomResource\` way (StartSession on`,
    `create, TerminateSession on delete, \`iam:PassRole\` added by hand), both synthesized in the same run`,
    `(aws-cdk-lib ${r.awsCdkLib ?? '2.276.0'}):`,
    '',
    '| sessions in one stack | | template bytes | resources | max inline policy chars on a role | deployable |',
    '|---:|---|---:|---:|---:|---|',
    ...tableRows,
    '',
    `- Each session adds one resource and about ${n(perSession.library)} template bytes (${(perSession.library / perSession.baseline).toFixed(2)}x the`,
    `  AwsCustomResource way's ${n(perSession.baseline)}); the handler's policy does not grow with sessions. The fixed`,
    `  cost of one provider per stack is about ${n(fixedBytes / 1000)} KB and ${first.library.resources - 1} resources.`,
    `- The worst-case response to CloudFormation is ${n(r.response.library)} bytes (the limit is 4,096).`,
    `- The handler bundle is ${n(r.handler.library.bytes / 1024)} KiB (the pinned SDK clients of EMR Serverless and CloudFormation, minified and tree-shaken).`,
    `- A session that becomes usable reaches CloudFormation as SUCCESS ${seconds(after.overheadSeconds.median)} s later (median of ${after.creates}`,
    `  creates through the Provider framework; ${seconds(after.overheadSeconds.p90)} s at the 90th percentile, ${seconds(after.overheadSeconds.max)} s at most), against`,
    `  ${seconds(before.overheadSeconds.median)} s (${seconds(before.overheadSeconds.p90)} s, ${seconds(before.overheadSeconds.max)} s) with 0.1's one poll every 15 seconds. The price: ${before.apiCallsPerCreate} API calls`,
    `  a create become ${after.apiCallsPerCreate} (median: a StartSession and a GetSession every 2 seconds), and ${before.stateTransitionsPerCreate} Step Functions`,
    `  state transitions become ${after.stateTransitionsPerCreate}.`,
    `- What a starting session holds of the account's Lambda concurrency: ${after.executionsHeld.mean.toFixed(2)} executions on average (2 at ${TIMING}`,
    `  most, for a fraction of a second), against ${window.executionsHeld.mean.toFixed(2)} with November's 30-second poll windows. A create costs ${TIMING}`,
    `  US$${after.costUsdPerCreate.toFixed(4)} at list prices (0.1's shape US$${before.costUsdPerCreate.toFixed(4)}, November's US$${window.costUsdPerCreate.toFixed(4)}), ${TIMING}`,
    `  most of it Step Functions transitions; ${after.gbSecondsPerCreate.toFixed(1)} Lambda GB-seconds. ${TIMING}`,
    `- ${limits.sessions} sessions in one stack, in an account with a Lambda concurrency of ${limits.lambdaConcurrency} and GetSession limited to`,
    `  ${limits.getSessionPerSecond} a second: ${many.current.succeeded} of ${many.current.sessions} reach SUCCESS, five at a time, the last after ${(many.current.lastAnswerSeconds / 60).toFixed(0)} minutes, with`,
    `  at most ${many.current.peakConcurrency} executions at once and ${many.current.lambdaThrottles} throttled invocations; at most ${many.current.getSessionPeakPerSecond} GetSession calls in a ${TIMING}`,
    `  second. November's shape, every session at once: ${many.window.succeeded} of ${many.window.sessions}, with ${many.window.lambdaThrottles} throttled invocations. ${TIMING}`,
    `- Against the emulator (usable after 50 s), a create makes ${calls(r.apiCalls.createByOperation)}`,
    "  (StartSession once per isComplete invocation, repeating the request's token, so it starts nothing",
    "  new; GetSession every 2 seconds; DescribeStackResource, CloudFormation's, once the session is usable);",
    `  a delete ${calls(r.apiCalls.deleteByOperation)}.`,
    `- Timings on ${r.measuredAt.slice(0, 10)}, ${r.machine ? `${r.machine.cores} cores (${r.machine.cpu})` : 'the CI machine'}, Node.js ${r.node}: ${TIMING}`,
    `  synth at 100 sessions ${n(hundred.library.synthMs)} ms against ${n(hundred.baseline.synthMs)} ms (${(hundred.library.synthMs / hundred.baseline.synthMs).toFixed(2)}x); ${TIMING}`,
    `  the handler loads in ${n(r.handler.library.loadMs)} ms in a fresh Node.js process. ${TIMING}`,
  ].join('\n');
}

function block(readme: string): { start: number; end: number } {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  }
  return { start: start + BEGIN.length, end };
}

function withoutTimings(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.includes(TIMING))
    .join('\n')
    .trim();
}

function main(): void {
  const results: Results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  const readme = fs.readFileSync(README, 'utf8');
  const { start, end } = block(readme);
  const generated = renderFigures(results);
  if (process.argv.includes('--check')) {
    if (withoutTimings(readme.slice(start, end)) !== withoutTimings(generated)) {
      console.error(
        'README.md "Scale and cost" disagrees with bench/results/latest.json: run npm run bench, then npx tsx scripts/readme-figures.ts',
      );
      console.error(`--- README\n${withoutTimings(readme.slice(start, end))}\n--- bench\n${withoutTimings(generated)}`);
      process.exitCode = 1;
      return;
    }
    console.log('README.md figures match bench/results/latest.json (timings aside)');
    return;
  }
  fs.writeFileSync(README, `${readme.slice(0, start)}\n${generated}\n${readme.slice(end)}`);
  console.log('README.md figures rewritten from bench/results/latest.json');
}

if (require.main === module) {
  main();
}

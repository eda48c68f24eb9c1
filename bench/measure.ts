/**
 * The figures the benchmark reports, each measured on a synthesized template the way CloudFormation
 * and IAM count it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildStack, Variant } from '../tools/session-stacks';
import { maxRoleInlinePolicyChars } from '../tools/stack-limits';

export interface StackFigures {
  readonly synthMs: number;
  readonly templateBytes: number;
  readonly resources: number;
  /** The largest total of inline policy characters on any one role, as IAM counts them (no whitespace). */
  readonly maxRoleInlinePolicyChars: number;
}

/**
 * Synthesizes the stack as `cdk synth` does (path and asset metadata, analytics on) and measures
 * the template file it writes; the synth time is the median of `runs`, after one warm-up.
 */
export function measureStack(variant: Variant, sessions: number, runs: number): StackFigures {
  const synth = () => {
    const app = new App({
      analyticsReporting: true,
      // CDK refuses stacks over 500 resources; lift that here so the baseline can be measured, and flag it below.
      context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true, '@aws-cdk/core:stackResourceLimit': 0 },
    });
    const stack = buildStack(variant, sessions, app);
    const started = process.hrtime.bigint();
    const artifact = app.synth().getStackByName(stack.stackName);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, artifact };
  };
  synth();
  const timings: number[] = [];
  let last = synth();
  timings.push(last.ms);
  for (let run = 1; run < runs; run++) {
    last = synth();
    timings.push(last.ms);
  }
  const template = last.artifact.template;
  return {
    synthMs: median(timings),
    templateBytes: fs.statSync(last.artifact.templateFullPath).size,
    resources: Object.keys(template.Resources).length,
    maxRoleInlinePolicyChars: maxRoleInlinePolicyChars(template),
  };
}

/** Median wall time of `require(file)` in a fresh Node process, and the file's size. */
export function measureColdLoad(file: string, runs: number): { bytes: number; loadMs: number } {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const timings = Array.from({ length: runs }, () => {
    const result = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    if (result.status !== 0) {
      throw new Error(`loading ${file} failed: ${result.stderr}`);
    }
    return Number(result.stdout);
  });
  return { bytes: fs.statSync(file).size, loadMs: median(timings) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

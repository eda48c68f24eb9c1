/**
 * The figures the benchmark reports, each measured on a synthesized template the way CloudFormation
 * and IAM count it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { App } from 'aws-cdk-lib';
import { resolveIntrinsics } from '../test/driver/cloudformation-driver';
import { buildStack, Variant } from './apps';

/** CloudFormation's and IAM's limits that a stack must stay within. */
export const LIMITS = {
  resources: 500,
  templateBytes: 1_000_000,
  inlinePolicyChars: 10_240,
  responseBytes: 4_096,
};

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

/**
 * IAM's limit is on the sum of a role's inline policies, counted without whitespace, after
 * CloudFormation has resolved references: each reference is replaced by an ARN of typical length.
 */
export function maxRoleInlinePolicyChars(template: { Resources: Record<string, any> }): number {
  const resources = template.Resources;
  const resolve = (value: unknown) => resolveIntrinsics(value, (logicalId) => typicalArn(resources[logicalId]?.Type, logicalId));
  const perRole = new Map<string, number>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') {
      continue;
    }
    const chars = JSON.stringify(resolve(resource.Properties.PolicyDocument)).length;
    for (const role of resource.Properties.Roles ?? []) {
      perRole.set(role.Ref, (perRole.get(role.Ref) ?? 0) + chars);
    }
  }
  return Math.max(0, ...perRole.values());
}

function typicalArn(type: string | undefined, logicalId: string): string {
  const name = `${logicalId.slice(0, 40)}-A1B2C3D4E5F6`;
  switch (type) {
    case 'AWS::EMRServerless::Application':
      return 'arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fqbs0b9kr2bh09';
    case 'AWS::IAM::Role':
      return `arn:aws:iam::123456789012:role/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:us-east-1:123456789012:log-group:${name}:*`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
    default:
      return `arn:aws:unknown:us-east-1:123456789012:${name}`;
  }
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

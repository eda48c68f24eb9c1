/**
 * The structural limits that decide whether a stack can deploy at all, and how a template is
 * measured against them: shared by the benchmark and the scale test.
 */
import { resolveIntrinsics } from './local-cloud/cloudformation-driver';

/** CloudFormation's and IAM's limits that a stack must stay within. */
export const LIMITS = {
  resources: 500,
  templateBytes: 1_000_000,
  inlinePolicyChars: 10_240,
  responseBytes: 4_096,
};

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

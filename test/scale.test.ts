/**
 * The structural limits that decide whether a stack of sessions can deploy at all, asserted on the
 * template (not timed): CloudFormation's 500 resources and 1 MB template, IAM's 10,240 characters
 * of inline policy on a role.
 */
import * as fs from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildStack } from '../tools/session-stacks';
import { LIMITS, maxRoleInlinePolicyChars } from '../tools/stack-limits';
import { RESOURCE_TYPE } from '../lambda/shared/contract';

function synthesize(variant: 'baseline' | 'library', sessions: number) {
  const app = new App({ context: { '@aws-cdk/core:stackResourceLimit': 0 } });
  const stack = buildStack(variant, sessions, app);
  return app.synth().getStackByName(stack.stackName);
}

test('400 sessions in one stack stay within every CloudFormation and IAM limit', () => {
  const artifact = synthesize('library', 400);
  const resources = Object.values<any>(artifact.template.Resources);

  expect(resources.filter((r) => r.Type === RESOURCE_TYPE)).toHaveLength(400);
  expect(resources.length).toBeLessThanOrEqual(LIMITS.resources);
  expect(fs.statSync(artifact.templateFullPath).size).toBeLessThan(LIMITS.templateBytes);
  expect(maxRoleInlinePolicyChars(artifact.template)).toBeLessThan(LIMITS.inlinePolicyChars);
});

test('the only resource a session adds is its custom resource, and the handler policy does not grow', () => {
  const one = synthesize('library', 1).template;
  const many = synthesize('library', 50).template;
  expect(Object.keys(many.Resources).length - Object.keys(one.Resources).length).toBe(49);
  expect(maxRoleInlinePolicyChars(many)).toBe(maxRoleInlinePolicyChars(one));
});

test('the measure sees the baseline break IAM limit that the library keeps', () => {
  // Guards the measure itself: the AwsCustomResource way adds a policy per session to one role.
  expect(maxRoleInlinePolicyChars(synthesize('baseline', 20).template)).toBeGreaterThan(LIMITS.inlinePolicyChars);
});

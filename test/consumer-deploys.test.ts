/**
 * What the CDK CLI pinned here does with a consumer stack whose template did not change, after the
 * producer renewed its session. The CLI skips a stack when its template, tags, notification ARNs,
 * rollback configuration, termination protection and parameters are unchanged (`canSkipDeploy` in
 * `aws-cdk/lib/index.js`), but never one with a parameter of an `AWS::SSM::Parameter::` type: "some
 * parameters come from SSM so we have to assume they may have changed". So a weak consumer
 * (`Fn::GetStackOutput`) is skipped and keeps the old ARN, and a `Session.fromParameterName`
 * consumer is deployed again and reads the current one. These tests hold both facts: the CLI's rule,
 * in the CLI's own code, and each consumer's template, as synth writes it.
 */
import * as fs from 'node:fs';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Session, SessionRenewal } from '../lib';
import { CDK_CLI_BUNDLE } from '../tools/installed-files';
import { FIXTURE_ENV, SessionsStack } from '../tools/session-stacks';

const CLI_SOURCE = fs.readFileSync(CDK_CLI_BUNDLE, 'utf8');
/** aws-cdk-lib marks the parameters the CLI may ignore (the bootstrap version's) with this in their description. */
const SSM_NO_INVALIDATE = '[cdk:skip]';

/** The SSM-typed parameters of a template that make the pinned CLI deploy it whatever changed. */
function ssmParametersThatForceADeploy(stack: Stack): string[] {
  const parameters = Template.fromStack(stack).toJSON().Parameters ?? {};
  return Object.entries<any>(parameters)
    .filter(([, p]) => p.Type.startsWith('AWS::SSM::Parameter::') && !(p.Description ?? '').includes(SSM_NO_INVALIDATE))
    .map(([name]) => name);
}

test('the pinned CLI never skips a stack with an SSM-typed parameter, and skips an unchanged one otherwise', () => {
  expect(CLI_SOURCE).toMatch(/\.Type\.startsWith\("AWS::SSM::Parameter::"\) && !\w+\.Description\?\.includes\(/);
  expect(CLI_SOURCE).toContain('some parameters come from SSM so we have to assume they may have changed');
  expect(CLI_SOURCE).toMatch(
    /JSON\.stringify\(deployStackOptions\.stack\.template\) !== JSON\.stringify\(await cloudFormationStack\.template\(\)\)/,
  );
});

/** The app before and after a renewal: the producer's renewal token is all that differs. */
function appRenewedWith(renewalToken: string) {
  const app = new App();
  const producer = new SessionsStack(app, 'Analytics', {
    count: 1,
    env: FIXTURE_ENV,
    session: { parameterName: '/analytics/session-arn', renewal: SessionRenewal.ifEnded(renewalToken) },
  });
  const [session] = producer.sessions;
  const weak = new Stack(app, 'WeakConsumer', { env: FIXTURE_ENV });
  new CfnOutput(weak, 'Arn', { value: session.sessionArn });
  const following = new Stack(app, 'FollowingConsumer', { env: FIXTURE_ENV });
  const current = Session.fromParameterName(following, 'Current', '/analytics/session-arn', { handle: session.handle });
  new CfnOutput(following, 'Arn', { value: current.sessionArn });
  const template = (stack: Stack) => Template.fromStack(stack).toJSON();
  return { producer: template(producer), weak: template(weak), following: template(following), followingStack: following, weakStack: weak };
}

describe('after a renewal, cdk deploy --all', () => {
  const before = appRenewedWith('run-1');
  const after = appRenewedWith('run-2');

  test('skips a weak consumer: its template (Fn::GetStackOutput) is the same before and after, and it has no SSM parameter', () => {
    expect(after.producer).not.toEqual(before.producer);
    expect(JSON.stringify(after.weak)).toContain('Fn::GetStackOutput');
    expect(after.weak).toEqual(before.weak);
    expect(ssmParametersThatForceADeploy(after.weakStack)).toEqual([]);
  });

  test('deploys a Session.fromParameterName consumer again, though its template is the same too: it has an SSM parameter', () => {
    expect(after.following).toEqual(before.following);
    expect(ssmParametersThatForceADeploy(after.followingStack)).toHaveLength(1);
  });
});

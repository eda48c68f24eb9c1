import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, ExampleStack } from '../examples/app';
import { RESOURCE_TYPE } from '../lambda/shared/contract';

describe('example app', () => {
  test('synthesizes a session on a sessions-enabled application, with its id and ARN as outputs', () => {
    const app = buildApp(new App());
    const stack = app.node.findChild('EmrServerlessSessionExample') as ExampleStack;
    const template = Template.fromStack(stack);

    template.resourceCountIs(RESOURCE_TYPE, 1);
    template.hasResourceProperties('AWS::EMRServerless::Application', {
      ReleaseLabel: 'emr-7.13.0',
      Type: 'SPARK',
      InteractiveConfiguration: { SessionEnabled: true },
    });
    template.hasResourceProperties(RESOURCE_TYPE, { IdleTimeoutMinutes: 30, Tags: { team: 'analytics' } });
    template.hasOutput('SessionId', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Session'), 'SessionId'] } });
    template.hasOutput('SessionArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Session'), 'Arn'] } });
    template.hasOutput('SessionEndpoint', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Session'), 'Endpoint'] } });
    expect(JSON.stringify(template.toJSON().Outputs)).not.toContain('Export');
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/EmrServerlessSessionExample/session-arn' });
    template.hasResourceProperties(RESOURCE_TYPE, { RenewalMode: Match.absent() });
    expect(() => app.synth()).not.toThrow();
  });

  test('-c renewalToken=... renews an ended session on that deploy', () => {
    const app = buildApp(new App({ context: { renewalToken: 'run-1234' } }));
    const stack = app.node.findChild('EmrServerlessSessionExample') as ExampleStack;
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, { RenewalMode: 'IF_ENDED', RenewalToken: 'run-1234' });
  });
});

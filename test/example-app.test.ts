import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, ExampleStack } from '../examples/app';
import { RESOURCE_TYPE } from '../lambda/contract';

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
    expect(() => app.synth()).not.toThrow();
  });

  test('scales to 100 sessions with one provider', () => {
    const app = new App();
    const stack = new ExampleStack(app, 'Scaled', { sessionCount: 100 });
    const template = Template.fromStack(stack);
    template.resourceCountIs(RESOURCE_TYPE, 100);
    template.resourceCountIs('AWS::Lambda::Function', 5);
  });
});

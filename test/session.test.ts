import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Annotations as CdkAnnotations,
  App,
  CfnOutput,
  CfnParameter,
  CfnResource,
  Duration,
  ReferenceStrength,
  RemovalPolicies,
  RemovalPolicy,
  Stack,
  Tags,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RESOURCE_TYPE } from '../lambda/shared/contract';
import { START_TIMEOUT_MAX_SECONDS, TERMINATE_TIMEOUT_SECONDS } from '../lambda/shared/limits';
import { Session, SessionProps, SessionRenewal } from '../lib';
// `executionRole` is this file's role of the test; the fixture's function is `executionRoleIn` here.
import { executionRole as executionRoleIn, FIXTURE_ENV as ENV, sessionsApplication } from '../tools/session-stacks';

let app: App;
let stack: Stack;
let application: emrserverless.CfnApplication;
let executionRole: iam.Role;

function session(props: Partial<SessionProps> = {}, id = 'Session') {
  return new Session(stack, id, { application, executionRole, ...props });
}

function handlerPolicyStatements(template: Template) {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { PolicyName: Match.stringLikeRegexp('SessionPermissions') },
  });
  const [policy] = Object.values(policies);
  return policy.Properties.PolicyDocument.Statement;
}

afterEach(() => jest.restoreAllMocks());

/** For each session, the indexes of the sessions its resource depends on in the template. */
function sessionsAhead(sessions: Session[]): number[][] {
  const resources = Template.fromStack(stack).toJSON().Resources;
  const logicalIds = sessions.map((s) => stack.getLogicalId(s.node.findChild('Resource').node.defaultChild as CfnResource));
  return logicalIds.map((id) =>
    ((resources[id].DependsOn ?? []) as string[]).filter((d) => logicalIds.includes(d)).map((d) => logicalIds.indexOf(d)),
  );
}

beforeEach(() => {
  app = new App();
  stack = new Stack(app, 'SessionStack', { env: ENV });
  application = sessionsApplication(stack);
  executionRole = executionRoleIn(stack);
});

describe('resource', () => {
  test('renders the props for the handler, with references to the application, the role and the provider', () => {
    session({ idleTimeout: Duration.hours(2), tags: { team: 'analytics' } });
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('SessionProviderframeworkonEvent'), 'Arn'] },
      ApplicationId: { Ref: 'Application' },
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ExecutionRole'), 'Arn'] },
      IdleTimeoutMinutes: 120,
      Tags: { team: 'analytics' },
    });
  });

  test('an empty tag set costs no template bytes, and the session is deleted by default', () => {
    session();
    const template = Template.fromStack(stack);
    template.hasResourceProperties(RESOURCE_TYPE, { Tags: Match.absent() });
    // Delete is CloudFormation's default for a custom resource; the template does not repeat it.
    template.hasResource(RESOURCE_TYPE, { DeletionPolicy: Match.absent(), UpdateReplacePolicy: Match.absent() });
  });

  test('CloudFormation stops waiting a few minutes after the start timeout, not after an hour', () => {
    session({ startTimeout: Duration.minutes(30) });
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, { ServiceTimeout: '2100' });
  });

  test('a start timeout given as a token gets the longest CloudFormation wait the handler may need', () => {
    const seconds = new CfnParameter(stack, 'StartTimeout', { type: 'Number' }).valueAsNumber;
    session({ startTimeout: Duration.seconds(seconds) });
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, {
      ServiceTimeout: '3000',
      StartTimeoutSeconds: { Ref: 'StartTimeout' },
    });
  });

  test('RETAIN leaves the session to its idle timeout on delete and on replacement', () => {
    session({ removalPolicy: RemovalPolicy.RETAIN });
    Template.fromStack(stack).hasResource(RESOURCE_TYPE, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('attributes resolve to the custom resource attributes', () => {
    const s = session();
    const logicalId = stack.getLogicalId(s.node.findChild('Resource').node.defaultChild as any);
    expect(stack.resolve(s.sessionId)).toEqual({ 'Fn::GetAtt': [logicalId, 'SessionId'] });
    expect(stack.resolve(s.sessionArn)).toEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
    expect(stack.resolve(s.applicationId)).toEqual({ 'Fn::GetAtt': [logicalId, 'ApplicationId'] });
  });

  test('Tags.of reaches the session, merged with its own tags', () => {
    session({ tags: { team: 'analytics' } });
    Tags.of(stack).add('cost-center', '42');
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, { Tags: { team: 'analytics', 'cost-center': '42' } });
  });

  test("the session depends on both functions' permissions through its ServiceToken, so they outlive it on delete", () => {
    session();
    const template = Template.fromStack(stack);
    const policyIds = Object.keys(
      template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('(Session|OnEvent)Permissions') } }),
    );
    expect(policyIds).toHaveLength(2); // isComplete's and onEvent's
    const [sessionResource] = Object.values(template.findResources(RESOURCE_TYPE));
    const entryFunctionId = sessionResource.Properties.ServiceToken['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[entryFunctionId].DependsOn).toEqual(expect.arrayContaining(policyIds));
  });

  test("starts after its role's policies, grants made after the session included, through one dependency per stack", () => {
    session({}, 'One');
    session({}, 'Two');
    executionRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::data/*'] }));
    const template = Template.fromStack(stack);
    const resources = template.toJSON().Resources;
    const [defaultPolicyId] = Object.keys(
      template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('ExecutionRoleDefaultPolicy') } }),
    );
    const sessions = Object.values(template.findResources(RESOURCE_TYPE));
    const entryFunctionId = sessions[0].Properties.ServiceToken['Fn::GetAtt'][0];
    // Every session references the entry function: what it depends on exists before any session.
    expect(sessions.every((s) => s.Properties.ServiceToken['Fn::GetAtt'][0] === entryFunctionId)).toBe(true);
    expect(resources[entryFunctionId].DependsOn).toEqual(
      expect.arrayContaining([stack.getLogicalId(executionRole.node.defaultChild as CfnResource), defaultPolicyId]),
    );
    expect(sessions.map((s) => s.DependsOn)).toEqual([undefined, undefined]);
  });

  test("an imported role adds no dependency: its permissions are the user's business", () => {
    session({ executionRole: iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/Imported') });
    const template = Template.fromStack(stack);
    const [sessionResource] = Object.values(template.findResources(RESOURCE_TYPE));
    const entryFunction = template.toJSON().Resources[sessionResource.Properties.ServiceToken['Fn::GetAtt'][0]];
    expect(entryFunction.DependsOn.filter((id: string) => /Imported|ExecutionRole/.test(id))).toEqual([]);
  });

  test('sends the attributes revision, so that a later release can add attributes', () => {
    session();
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, { AttributesRevision: 1 });
  });

  test('fails at synth when its properties cannot fit the framework, saying what to shrink', () => {
    const properties = (n: number) => Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`spark.p${n}.${i}`, 'v'.repeat(1024)]));
    session({ runtimeConfiguration: [0, 1].map((n) => ({ classification: `c${n}`, properties: properties(n) })) });
    expect(() => app.synth()).toThrow(
      /the session's properties take \d+ bytes rendered, more than the 126976 that fit: .* shrink runtimeConfiguration \(\d+ bytes\) or tags/,
    );
  });

  test.each([
    [Duration.hours(25), /idleTimeout is 1500 minutes, longer than a session lives/],
    [Duration.minutes(0), /idleTimeout is 0 minutes: EMR Serverless does not document what 0 means/],
  ])('warns at synth about an idle timeout of %s', (idleTimeout, message) => {
    session({ idleTimeout });
    Annotations.fromStack(stack).hasWarning('/SessionStack/Session', Match.stringLikeRegexp(message.source));
  });

  test('fails: SNAPSHOT, which a session cannot have, at synth as a prop and at once from applyRemovalPolicy', () => {
    const snapshot = /removalPolicy must be DESTROY, RETAIN or RETAIN_ON_UPDATE_OR_DELETE for a session, got SNAPSHOT/;
    const created = session({ removalPolicy: RemovalPolicy.SNAPSHOT });
    expect(() => app.synth()).toThrow(snapshot);
    expect(() => created.applyRemovalPolicy(RemovalPolicy.SNAPSHOT)).toThrow(snapshot);
  });

  test("the README's escape hatch reaches the template's resource", () => {
    const created = session();
    const cfnSession = created.node.defaultChild!.node.defaultChild as CfnResource;
    cfnSession.addMetadata('owner', 'data-platform');
    Template.fromStack(stack).hasResource(RESOURCE_TYPE, { Metadata: { owner: 'data-platform' } });
  });

  test('applyRemovalPolicy reaches the custom resource', () => {
    session().applyRemovalPolicy(RemovalPolicy.RETAIN);
    Template.fromStack(stack).hasResource(RESOURCE_TYPE, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('provider', () => {
  test('one provider serves every session in a stack', () => {
    session({}, 'One');
    session({}, 'Two');
    session({}, 'Three');
    const template = Template.fromStack(stack);
    template.resourceCountIs(RESOURCE_TYPE, 3);
    // The handler's onEvent and isComplete, and the framework's onEvent, isComplete and onTimeout.
    template.resourceCountIs('AWS::Lambda::Function', 5);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
  });

  test('each stack has its own provider', () => {
    session();
    const other = new Stack(app, 'Other', { env: ENV });
    new Session(other, 'Session', { application: sessionsApplication(other), executionRole: executionRoleIn(other) });
    Template.fromStack(other).resourceCountIs('AWS::Lambda::Function', 5);
  });

  test('runs on Node.js 24 with a bounded timeout and a log group with retention', () => {
    session();
    const template = Template.fromStack(stack);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/SessionProviderLogs/) });
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    // The session handler's own functions; the framework's onEvent has aws-cdk-lib's fixed 15 minutes.
    const handlers = functions.filter((fn) => /EMR Serverless session/.test(fn.Properties.Description ?? ''));
    expect(handlers).toHaveLength(2);
    for (const fn of handlers) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(14 * 60);
    }
  });

  test('logs to a log group named after the stack, which every session exposes and the handler names in its failures', () => {
    const first = session({}, 'One');
    const second = session({}, 'Two');
    const template = Template.fromStack(stack);
    const stackUuid = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['/cdk-emr-serverless-session/SessionStack/', stackUuid]] },
    });
    expect(first.handlerLogGroup).toBe(second.handlerLogGroup);
    expect(stack.resolve(first.handlerLogGroup.logGroupName)).toEqual({ Ref: expect.stringMatching(/SessionProviderLogs/) });
    const handlers = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) =>
      /EMR Serverless session/.test(fn.Properties.Description ?? ''),
    );
    const logGroup = { SESSION_HANDLER_LOG_GROUP: { Ref: expect.stringMatching(/SessionProviderLogs/) } };
    expect(Object.fromEntries(handlers.map((fn) => [fn.Properties.Handler, fn.Properties.Environment.Variables]))).toEqual({
      'index.onEvent': logGroup,
      // No poll window: isComplete looks once an invocation.
      'index.isComplete': logGroup,
    });
  });

  test('retains its log group (DeletionPolicy Retain), so a failed first deploy or a delete of the stack leaves its month of logs', () => {
    session({});
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test("the README's RemovalPolicies line has the log group deleted with the stack, and nothing else changed", () => {
    const templateOf = (removalPolicies?: (stack: Stack) => void) => {
      app = new App();
      stack = new Stack(app, 'SessionStack', { env: ENV });
      new Session(stack, 'Session', { application: sessionsApplication(stack), executionRole: executionRoleIn(stack) });
      removalPolicies?.(stack);
      return Template.fromStack(stack).toJSON();
    };
    const before = templateOf();
    const after = templateOf((s) => RemovalPolicies.of(s).destroy({ applyToResourceTypes: ['AWS::Logs::LogGroup'] }));
    const [logGroupId] = Object.keys(Template.fromJSON(after).findResources('AWS::Logs::LogGroup'));
    expect(after.Resources[logGroupId]).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    delete before.Resources[logGroupId];
    delete after.Resources[logGroupId];
    expect(after).toEqual(before);
  });

  test('the waiter asks isComplete again 2 seconds after each look, and keeps asking at least 50 minutes, throttled or not', () => {
    session();
    const template = Template.fromStack(stack);
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.parse(
      (stateMachine.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '')).join(''),
    );
    const [retry] = definition.States[definition.StartAt].Retry;
    expect(retry).toMatchObject({ IntervalSeconds: 2, MaxAttempts: 1500, BackoffRate: 1 });
    // An attempt lasts at least the interval, even one that Lambda throttled or that failed at once:
    // the attempts outlast the longest start timeout and the terminate timeout, five minutes to spare.
    expect(retry.MaxAttempts * retry.IntervalSeconds).toBe(Math.max(START_TIMEOUT_MAX_SECONDS, TERMINATE_TIMEOUT_SECONDS) + 300);
  });

  test('handler functions log JSON: decisions at INFO, the SDK at DEBUG, the platform at WARN', () => {
    session();
    const handlers = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter((fn) =>
      /EMR Serverless session/.test(fn.Properties.Description ?? ''),
    );
    expect(handlers.map((fn) => fn.Properties.LoggingConfig)).toEqual(
      Array(2).fill({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
        LogGroup: { Ref: expect.stringMatching(/SessionProviderLogs/) },
      }),
    );
  });

  test('handler timeouts follow from the SDK bounds: 5 calls for onEvent; 6, a CloudFormation check and the waits for isComplete', () => {
    session();
    const timeouts = Object.fromEntries(
      Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
        .filter((fn) => /EMR Serverless session/.test(fn.Properties.Description ?? ''))
        .map((fn) => [fn.Properties.Handler, fn.Properties.Timeout]),
    );
    // One call: 3 attempts of (5 s connect + 30 s request + 1 s backoff) = 108 s.
    // isComplete: DescribeStackResource, 3 attempts of (5 s connect + 5 s request + 1 s backoff) = 33 s,
    // and the IAM wait (35 s) and a search (120 s) besides: 836 s, under Lambda's 15 minutes.
    expect(timeouts).toEqual({ 'index.onEvent': 5 * 108, 'index.isComplete': 6 * 108 + 33 + 35 + 120 });
  });

  test("CloudFormation works on at most 5 of a stack's sessions at once: each depends on the one declared 5 before it", () => {
    const sessions = Array.from({ length: 12 }, (_, i) => session({}, `S${i}`));
    expect(sessionsAhead(sessions)).toEqual([[], [], [], [], [], [0], [1], [2], [3], [4], [5], [6]]);
  });

  test('the app context sets how many sessions of a stack CloudFormation works on at once', () => {
    app = new App({ context: { 'cdk-emr-serverless-session:concurrentRequests': '2' } });
    stack = new Stack(app, 'Lanes');
    application = sessionsApplication(stack);
    executionRole = executionRoleIn(stack);
    const sessions = Array.from({ length: 4 }, (_, i) => session({}, `S${i}`));
    expect(sessionsAhead(sessions)).toEqual([[], [], [0], [1]]);
  });

  test.each([['0'], ['many'], [2.5]])('fails on a concurrentRequests context of %p, naming the key and what is allowed', (value) => {
    app = new App({ context: { 'cdk-emr-serverless-session:concurrentRequests': value } });
    stack = new Stack(app, 'Lanes');
    expect(() => session()).toThrow(
      `context cdk-emr-serverless-session:concurrentRequests must be a whole number of 1 or more, got ${JSON.stringify(value)}`,
    );
  });

  test('no role uses an AWS managed policy', () => {
    session();
    const roles = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
    for (const role of roles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('permissions', () => {
  test('scoped to the application, its sessions and the execution role passed to EMR Serverless only', () => {
    session();
    const statements = handlerPolicyStatements(Template.fromStack(stack));
    expect(statements).toEqual([
      {
        Sid: 'StartAndListSessions',
        Effect: 'Allow',
        Action: ['emr-serverless:StartSession', 'emr-serverless:ListSessions'],
        Resource: { 'Fn::GetAtt': ['Application', 'Arn'] },
      },
      {
        Sid: 'ManageSessions',
        Effect: 'Allow',
        Action: [
          'emr-serverless:GetSession',
          'emr-serverless:GetSessionEndpoint',
          'emr-serverless:TerminateSession',
          'emr-serverless:TagResource',
          'emr-serverless:UntagResource',
        ],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Application', 'Arn'] }, '/sessions/*']] },
      },
      {
        Sid: 'PassExecutionRoles',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ExecutionRole/), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
      },
      // Whether CloudFormation will hold a session a request started: of this stack's resources only.
      {
        Sid: 'DescribeOwnStackResources',
        Effect: 'Allow',
        Action: 'cloudformation:DescribeStackResource',
        Resource: { Ref: 'AWS::StackId' },
      },
    ]);
  });

  test('onEvent, which never starts a session, has its own role: no StartSession, no PassRole, no GetSessionEndpoint', () => {
    session();
    const template = Template.fromStack(stack);
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('OnEventPermissions') } }),
    );
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'ListSessions', Effect: 'Allow', Action: 'emr-serverless:ListSessions', Resource: { 'Fn::GetAtt': ['Application', 'Arn'] } },
      {
        Sid: 'ManageSessions',
        Effect: 'Allow',
        Action: [
          'emr-serverless:GetSession',
          'emr-serverless:TerminateSession',
          'emr-serverless:TagResource',
          'emr-serverless:UntagResource',
        ],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Application', 'Arn'] }, '/sessions/*']] },
      },
    ]);
    const onEvent = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.onEvent' } }))[0];
    expect(policy.Properties.Roles).toEqual([onEvent.Properties.Role['Fn::GetAtt'][0]].map((role) => ({ Ref: role })));
  });

  test('no statement anywhere in the stack grants on Resource "*"', () => {
    session();
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    for (const policy of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        expect([statement.Resource].flat()).not.toContain('*');
      }
    }
  });

  test('50 sessions on one application and role grant exactly what 2 do', () => {
    const statementsFor = (count: number) => {
      const localApp = new App();
      const localStack = new Stack(localApp, 'Scale', { env: ENV });
      const localApplication = sessionsApplication(localStack);
      const role = executionRoleIn(localStack);
      for (let i = 0; i < count; i++) {
        new Session(localStack, `Session${i}`, { application: localApplication, executionRole: role });
      }
      return handlerPolicyStatements(Template.fromStack(localStack));
    };
    expect(statementsFor(50)).toEqual(statementsFor(2));
  });

  test('warns once when a stack declares more sessions on one application than its default quota of 25', () => {
    for (let i = 0; i < 27; i++) {
      session({}, `Session${i}`);
    }
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('more than 25 sessions on one application'));
    expect(warnings.map((w) => w.id)).toEqual(['/SessionStack/Session25']);
  });

  test('a second application and role add their ARNs, not statements', () => {
    session();
    const secondApplication = sessionsApplication(stack, 'SecondApplication');
    new Session(stack, 'Second', { application: secondApplication, executionRole: executionRoleIn(stack, 'SecondRole') });
    const statements = handlerPolicyStatements(Template.fromStack(stack));
    expect(statements).toHaveLength(4);
    expect(statements[0].Resource).toHaveLength(2);
    expect(statements[1].Resource).toHaveLength(2);
    expect(statements[2].Resource).toHaveLength(2);
    expect(statements[3].Resource).toEqual({ Ref: 'AWS::StackId' });
  });

  test('an imported application is granted by its ARN', () => {
    const imported = emrserverless.CfnApplication.fromApplicationId(stack, 'Imported', '00fimportedapp01');
    session({ application: imported });
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, { ApplicationId: '00fimportedapp01' });
    const statements = handlerPolicyStatements(Template.fromStack(stack));
    expect(JSON.stringify(statements[0].Resource)).toContain(':emr-serverless:us-east-1:123456789012:/applications/00fimportedapp01');
  });

  test('grantConnect lets a principal reach this session only', () => {
    const s = session();
    const client = new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() });
    s.grantConnect(client);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Client') }],
      PolicyDocument: {
        Statement: [
          {
            Action: ['emr-serverless:GetSession', 'emr-serverless:GetSessionEndpoint', 'emr-serverless:GetResourceDashboard'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Session'), 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('cross-stack and imports', () => {
  test('another stack that uses sessionArn with a STRONG reference gets an Fn::ImportValue', () => {
    const s = session();
    s.applyCrossStackReferenceStrength(ReferenceStrength.STRONG);
    const consumer = new Stack(app, 'Consumer', { env: ENV });
    const notebook = new iam.Role(consumer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() });
    s.grantConnect(notebook);
    new CfnOutput(consumer, 'UsesSession', { value: s.sessionArn });
    const output = Template.fromStack(consumer).findOutputs('UsesSession');
    expect(output.UsesSession.Value).toEqual({ 'Fn::ImportValue': expect.stringContaining('SessionStack:ExportsOutputFnGetAtt') });
    Template.fromStack(consumer).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('SessionStack:ExportsOutputFnGetAtt') } })],
      },
    });
    expect(JSON.stringify(Template.fromStack(stack).toJSON().Outputs)).toContain('"Name":"SessionStack:ExportsOutputFnGetAtt');
  });

  test('fromSessionArn takes the application and session ids from a literal ARN', () => {
    const arn = 'arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fapp/sessions/00fsess';
    const imported = Session.fromSessionArn(stack, 'Imported', arn);
    expect(imported.applicationId).toBe('00fapp');
    expect(imported.sessionId).toBe('00fsess');
    expect(imported.sessionArn).toBe(arn);
  });

  test('fromSessionArn splits an ARN token with CloudFormation functions', () => {
    const param = new CfnParameter(stack, 'Arn');
    const imported = Session.fromSessionArn(stack, 'Imported', param.valueAsString);
    expect(stack.resolve(imported.sessionId)).toEqual({
      'Fn::Select': [4, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { Ref: 'Arn' }] }] }] }],
    });
  });

  test('fails: fromSessionArn with an ARN that is not a session ARN', () => {
    expect(() => Session.fromSessionArn(stack, 'Bad', 'arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fapp')).toThrow(
      /sessionArn must be arn:<partition>:emr-serverless:<region>:<account>:\/applications\/<id>\/sessions\/<id>, got/,
    );
  });

  test('fromSessionAttributes builds the ARN in this stack, and its grants work', () => {
    const imported = Session.fromSessionAttributes(stack, 'Imported', { applicationId: '00fapp', sessionId: '00fsess' });
    expect(stack.resolve(imported.sessionArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':emr-serverless:us-east-1:123456789012:/applications/00fapp/sessions/00fsess']],
    });
    const client = new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() });
    imported.grantConnect(client);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['emr-serverless:GetSessionEndpoint']) })] },
    });
  });
});

// Each rule and its message are asserted word for word, without a stack, in validate-props.test.ts;
// here, only what needs a construct: how the errors reach the user, and what arrives after the constructor.
describe('application preconditions', () => {
  test('an application the sessions cannot run on fails at synth, with the rule it breaks', () => {
    application = sessionsApplication(stack, 'Bad', { releaseLabel: 'emr-7.12.0' });
    session();
    expect(() => app.synth()).toThrow(/application releaseLabel must be emr-7.13.0 or later for interactive sessions, got 'emr-7.12.0'/);
  });

  test('warns when auto-start is disabled', () => {
    application = sessionsApplication(stack, 'Manual', { autoStartConfiguration: { enabled: false } });
    session();
    Annotations.fromStack(stack).hasWarning('/SessionStack/Session', Match.stringLikeRegexp('autoStartConfiguration.enabled is false'));
  });
});

describe('validation', () => {
  test("reports every error of every session in one synth, as aws-cdk-lib does, under each session's path", () => {
    session({ sessionName: '', idleTimeout: Duration.seconds(90) }, 'A');
    session({ tags: { 'AWS:x': 'v' } }, 'B');
    expect(() => app.synth()).toThrow(
      [
        'Validation failed with the following errors:',
        "  [SessionStack/A] sessionName must be 1 to 256 characters and not blank, got '' (0 characters)",
        '  [SessionStack/A] idleTimeout must be a whole number of minutes between 0 and 1000000, got 90 seconds',
        "  [SessionStack/B] tag key must not start with 'aws:' or 'cdk-emr-serverless-session:', in any case, got 'AWS:x'",
      ].join('\n'),
    );
  });

  test('props that synth refuses do not throw from the constructor: token durations in another unit, a bad parameter name', () => {
    expect(() =>
      session({
        idleTimeout: Duration.seconds(new CfnParameter(stack, 'Idle', { type: 'Number' }).valueAsNumber),
        startTimeout: Duration.minutes(new CfnParameter(stack, 'Start', { type: 'Number' }).valueAsNumber),
        parameterName: '/my session',
      }),
    ).not.toThrow();
    expect(() => app.synth()).toThrow(
      /\[SessionStack\/Session\] idleTimeout is a token in seconds[\s\S]*startTimeout is a token in minutes[\s\S]*parameterName must be/,
    );
  });

  test('a parameterName given as a token makes a parameter, its ARN built as a path name', () => {
    const name = new CfnParameter(stack, 'Name').valueAsString;
    const created = session({ parameterName: name });
    Template.fromStack(stack).hasResourceProperties('AWS::SSM::Parameter', { Name: { Ref: 'Name' } });
    expect(stack.resolve(created.parameter!.parameterArn)).toEqual({
      // A path name carries its own leading '/': nothing is put between "parameter" and the name.
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1:123456789012:parameter', { Ref: expect.any(String) }]],
    });
  });

  test('a renewal token that resolves to nothing fails at synth, naming renewal and the fix', () => {
    session({ renewal: SessionRenewal.ifEnded(app.node.tryGetContext('renewalToken')) });
    expect(() => app.synth()).toThrow(
      /\[SessionStack\/Session\] renewal token must be 1 to 256 characters .* got undefined: give SessionRenewal.ifEnded\(...\) a value/,
    );
  });

  test('iam.Role.customizeRoles: a session whose execution role is one to pre-create synthesizes, and the report lists that role', () => {
    const platformApp = new App();
    const platformStack = new Stack(platformApp, 'Platform', { env: ENV });
    iam.Role.customizeRoles(platformStack);
    new Session(platformStack, 'Session', {
      application: sessionsApplication(platformStack),
      executionRole: executionRoleIn(platformStack, 'Precreated'),
    });
    const assembly = platformApp.synth();
    const report = fs.readFileSync(path.join(assembly.directory, 'iam-policy-report.txt'), 'utf8');
    expect(report).toContain('Platform/Precreated');
  });

  test('fails with a tag added by Tags.of that the service would refuse, at synth', () => {
    session();
    Tags.of(stack).add('bad,key', 'v');
    expect(() => app.synth()).toThrow(/tag key must be 1 to 128 characters .* got 'bad,key'/);
  });

  test('accepts the limits themselves', () => {
    expect(() =>
      session({
        sessionName: 'n'.repeat(256),
        idleTimeout: Duration.minutes(1_000_000),
        startTimeout: Duration.minutes(45),
        tags: Object.fromEntries(Array.from({ length: 196 }, (_, i) => [`k${i}`, 'v'.repeat(256)])),
      }),
    ).not.toThrow();
    expect(() => session({ idleTimeout: Duration.minutes(0), startTimeout: Duration.minutes(1) }, 'Zero')).not.toThrow();
    expect(() => app.synth()).not.toThrow();
  });

  test('skips every check whose value is a token', () => {
    const text = () => new CfnParameter(stack, `P${stack.node.children.length}`).valueAsString;
    const number = () => new CfnParameter(stack, `N${stack.node.children.length}`, { type: 'Number' }).valueAsNumber;
    const imported = emrserverless.CfnApplication.fromApplicationId(stack, 'Imported', text());
    expect(() =>
      session({
        application: imported,
        executionRole: iam.Role.fromRoleArn(stack, 'TokenRole', text()),
        sessionName: text(),
        idleTimeout: Duration.minutes(number()),
        startTimeout: Duration.seconds(number()),
        runtimeConfiguration: [{ classification: text(), properties: { [text()]: text() } }],
        tags: { [text()]: text(), team: text() },
      }),
    ).not.toThrow();
  });
});

describe('classification typos', () => {
  test('a near miss of a documented classification warns at synth, acknowledgeable by its id', () => {
    const typo = session({ runtimeConfiguration: [{ classification: 'spark-default', properties: { 'spark.executor.cores': '2' } }] });
    const warnings = () => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp("did you mean 'spark-defaults'"));
    expect(warnings()).toEqual([
      expect.objectContaining({
        id: '/SessionStack/Session',
        entry: expect.objectContaining({ data: expect.stringMatching(/\[ack: cdk-emr-serverless-session:classification\]$/) }),
      }),
    ]);
    CdkAnnotations.of(typo).acknowledgeWarning('cdk-emr-serverless-session:classification');
    expect(warnings()).toHaveLength(0);
  });
});

describe('execution role trust', () => {
  const trustWarnings = () =>
    Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('does not trust emr-serverless.amazonaws.com'));

  test('warns when a role defined in the app does not trust EMR Serverless, saying how to create it', () => {
    const lambdaRole = new iam.Role(stack, 'LambdaRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    session({ executionRole: lambdaRole });
    Annotations.fromStack(stack).hasWarning(
      '/SessionStack/Session',
      'executionRole SessionStack/LambdaRole does not trust emr-serverless.amazonaws.com, so StartSession will be refused: ' +
        "create it with assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com') [ack: cdk-emr-serverless-session:execution-role-trust]",
    );
  });

  test('no warning for a role that trusts EMR Serverless among others, nor for an imported role', () => {
    const both = new iam.Role(stack, 'Both', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('lambda.amazonaws.com'),
        new iam.ServicePrincipal('emr-serverless.amazonaws.com'),
      ),
    });
    session({ executionRole: both }, 'WithBoth');
    session({ executionRole: iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/spark') }, 'WithImported');
    session({}, 'WithFixture');
    expect(trustWarnings()).toHaveLength(0);
  });

  test('the warning can be acknowledged by its id, as the README says', () => {
    const lambdaRole = new iam.Role(stack, 'LambdaRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const created = session({ executionRole: lambdaRole });
    CdkAnnotations.of(created).acknowledgeWarning('cdk-emr-serverless-session:execution-role-trust');
    expect(trustWarnings()).toHaveLength(0);
  });
});

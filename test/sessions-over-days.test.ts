/**
 * What keeps a session usable by other stacks after its first day: weak cross-stack references,
 * renewal on deploy, a stable handle (tag and SSM parameter), grants that survive replacement, the
 * endpoint, and the stack's tags on the session.
 */
import { App, CfnOutput, CfnParameter, ReferenceStrength, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RESOURCE_TYPE } from '../lambda/shared/contract';
import { sessionHandle } from '../lambda/shared/handle';
import { Session, SessionProps, SessionRenewal } from '../lib';
import { executionRole, FIXTURE_ENV, sessionsApplication } from '../tools/session-stacks';

const ENV = FIXTURE_ENV;
let app: App;
let producer: Stack;

function sessionIn(stack: Stack, props: Partial<SessionProps> = {}, id = 'Session'): Session {
  return new Session(stack, id, {
    application: sessionsApplication(stack, `${id}Application`),
    executionRole: executionRole(stack, `${id}Role`),
    ...props,
  });
}

/** A consumer stack that outputs every session attribute and grants a role connect access. */
function consumerOf(session: Session): Stack {
  const consumer = new Stack(app, 'Consumer', { env: ENV });
  new CfnOutput(consumer, 'Id', { value: session.sessionId });
  new CfnOutput(consumer, 'Arn', { value: session.sessionArn });
  new CfnOutput(consumer, 'App', { value: session.applicationId });
  new CfnOutput(consumer, 'Endpoint', { value: session.sessionEndpoint });
  session.grantConnect(new iam.Role(consumer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() }));
  return consumer;
}

beforeEach(() => {
  app = new App();
  producer = new Stack(app, 'Producer', { env: ENV });
});

describe('cross-stack references', () => {
  test('are weak by default: the consumer reads outputs with Fn::GetStackOutput and imports nothing', () => {
    const consumer = consumerOf(sessionIn(producer));
    const template = JSON.stringify(Template.fromStack(consumer).toJSON());
    expect(template).not.toContain('Fn::ImportValue');
    expect(Template.fromStack(consumer).findOutputs('Id').Id.Value).toEqual({
      'Fn::GetStackOutput': { StackName: 'Producer', Region: 'us-east-1', OutputName: expect.stringMatching(/SessionId/) },
    });
    // The producer publishes plain outputs, none exported: nothing locks a replacement.
    const outputs = Object.values(Template.fromStack(producer).toJSON().Outputs ?? {}) as Array<{ Export?: unknown }>;
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    expect(outputs.filter((output) => output.Export)).toEqual([]);
  });

  test('are weak even when the app defaults to strong ones', () => {
    app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
    producer = new Stack(app, 'Producer', { env: ENV });
    const consumer = consumerOf(sessionIn(producer));
    expect(JSON.stringify(Template.fromStack(consumer).toJSON())).not.toContain('Fn::ImportValue');
  });

  test('STRONG, when asked for, exports and imports', () => {
    const session = sessionIn(producer);
    expect(() => session.applyCrossStackReferenceStrength(ReferenceStrength.STRONG)).not.toThrow();
    const consumer = consumerOf(session);
    expect(Template.fromStack(consumer).findOutputs('Id').Id.Value).toEqual({
      'Fn::ImportValue': expect.stringContaining('Producer:ExportsOutput'),
    });
  });

  test('BOTH keeps the exports and moves the consumer to Fn::GetStackOutput', () => {
    const session = sessionIn(producer);
    session.applyCrossStackReferenceStrength(ReferenceStrength.BOTH);
    const consumer = consumerOf(session);
    expect(JSON.stringify(Template.fromStack(consumer).toJSON())).not.toContain('Fn::ImportValue');
    expect(JSON.stringify(Template.fromStack(producer).toJSON().Outputs)).toContain('"Export"');
  });
});

describe('renewal', () => {
  test('never() is the default and renders nothing', () => {
    sessionIn(producer, { renewal: SessionRenewal.never() });
    Template.fromStack(producer).hasResourceProperties(RESOURCE_TYPE, { RenewalMode: Match.absent(), RenewalToken: Match.absent() });
  });

  test.each([
    ['ifEnded', SessionRenewal.ifEnded('run-1234'), 'IF_ENDED'],
    ['always', SessionRenewal.always('2026-11-29'), 'ALWAYS'],
  ])('%s renders its mode and token, and synth is deterministic', (_name, renewal, mode) => {
    sessionIn(producer, { renewal });
    Template.fromStack(producer).hasResourceProperties(RESOURCE_TYPE, { RenewalMode: mode, RenewalToken: renewal.token });
    const again = new App();
    const stack = new Stack(again, 'Producer', { env: ENV });
    sessionIn(stack, { renewal });
    expect(Template.fromStack(stack).toJSON()).toEqual(Template.fromStack(producer).toJSON());
  });

  test('takes a token known only at deploy time', () => {
    const token = new CfnParameter(producer, 'RunId').valueAsString;
    sessionIn(producer, { renewal: SessionRenewal.ifEnded(token) });
    Template.fromStack(producer).hasResourceProperties(RESOURCE_TYPE, { RenewalToken: { Ref: 'RunId' } });
  });

  test.each(['', 'run#1', 'x'.repeat(257)])('fails on a token that cannot be a tag value: %p', (token) => {
    sessionIn(producer, { renewal: SessionRenewal.always(token) });
    expect(() => app.synth()).toThrow(/\[Producer\/Session\] renewal token must be 1 to 256 characters/);
  });
});

describe('the handle', () => {
  test('the handle is <stack name>/<logical id>, what the handler tags every session with; it costs no template bytes', () => {
    const session = sessionIn(producer, { sessionName: 'one' });
    expect(producer.resolve(session.handle)).toBe('Producer/Session88DA29BA');
    Template.fromStack(producer).hasResourceProperties(RESOURCE_TYPE, { Tags: Match.absent() });
  });

  test("the construct computes the handle with the handler's function", () => {
    const session = sessionIn(producer);
    expect(producer.resolve(session.handle)).toBe(sessionHandle('Producer', 'Session88DA29BA'));
  });

  test('a handle longer than a tag value keeps its start and ends in a hash', () => {
    const stack = new Stack(app, 'S'.repeat(128), { env: ENV });
    let scope: Construct = stack;
    for (let i = 0; i < 12; i++) {
      scope = new Construct(scope, `Level${i}`.padEnd(20, 'x'));
    }
    const session = new Session(scope, 'Session', {
      application: emrserverless.CfnApplication.fromApplicationId(stack, 'Application', '00fapp'),
      executionRole: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/r'),
    });
    const handle: string = stack.resolve(session.handle);
    expect(handle).toHaveLength(256);
    expect(handle).toMatch(/^S{128}\/Level0x+.*-[0-9a-f]{16}$/);
  });

  test('parameterName writes the current ARN to an SSM parameter, which follows every replacement', () => {
    const session = sessionIn(producer, { parameterName: '/analytics/session-arn' });
    Template.fromStack(producer).hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/analytics/session-arn',
      Type: 'String',
      Value: { 'Fn::GetAtt': ['Session88DA29BA', 'Arn'] },
    });
    expect(session.parameter).toBeDefined();
  });

  test('fromParameterName reads the ARN at deploy, and the parameter can be granted at run time', () => {
    // An app of its own: the consumer is in another app than the session, and no empty producer
    // stack is synthesized beside it.
    const consumer = new Stack(new App(), 'Consumer', { env: ENV });
    const imported = Session.fromParameterName(consumer, 'Current', '/analytics/session-arn');
    const reader = new iam.Role(consumer, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    imported.parameter!.grantRead(reader);
    imported.grantConnect(reader);
    const template = Template.fromStack(consumer);
    template.hasParameter('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/analytics/session-arn' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['ssm:GetParameter']),
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':parameter/analytics/session-arn')])] },
          }),
          Match.objectLike({
            Action: Match.arrayWith(['emr-serverless:GetSessionEndpoint']),
            Resource: { Ref: Match.stringLikeRegexp('SsmParameterValue') },
          }),
        ]),
      },
    });
  });
});

describe('grantConnect', () => {
  test('acrossReplacements grants on the application sessions that carry the handle tag, and never tagging', () => {
    const session = sessionIn(producer);
    const notebook = new iam.Role(producer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() });
    session.grantConnect(notebook, { acrossReplacements: true });
    const policies = Template.fromStack(producer).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('Notebook') }] },
    });
    expect(Object.values(policies).map((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      [
        {
          Action: ['emr-serverless:GetSession', 'emr-serverless:GetSessionEndpoint', 'emr-serverless:GetResourceDashboard'],
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['SessionApplication', 'Arn'] }, '/sessions/*']] },
          Condition: { StringEquals: { 'aws:ResourceTag/cdk-emr-serverless-session:handle': 'Producer/Session88DA29BA' } },
        },
      ],
    ]);
  });

  test('without acrossReplacements it grants on the one session', () => {
    const session = sessionIn(producer);
    const notebook = new iam.Role(producer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() });
    session.grantConnect(notebook);
    const statement = JSON.stringify(Template.fromStack(producer).toJSON());
    expect(statement).toContain('"Resource":{"Fn::GetAtt":["Session88DA29BA","Arn"]}');
  });

  test('fails: acrossReplacements on an imported session without its handle, saying how to give it', () => {
    const imported = Session.fromSessionAttributes(producer, 'Imported', { applicationId: '00fapp', sessionId: '00fsess' });
    const notebook = new iam.Role(producer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => imported.grantConnect(notebook, { acrossReplacements: true })).toThrow(
      'grantConnect with acrossReplacements needs a Session defined in this app, or an import given its handle ' +
        '(Producer/Imported was imported without one): the grant is conditioned on the handle tag its replacements carry',
    );
  });

  test("an import by parameter name given the producer's handle grants across replacements, as the producer's own grant does", () => {
    // A consumer in another app: it knows the parameter name and the handle, both plain strings.
    const consumerApp = new App();
    const consumer = new Stack(consumerApp, 'Notebooks', { env: ENV });
    const imported = Session.fromParameterName(consumer, 'Current', '/analytics/session-arn', { handle: 'Analytics/Session88DA29BA' });
    const notebook = new iam.Role(consumer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() });
    imported.grantConnect(notebook, { acrossReplacements: true });
    const [statement] = Object.values(Template.fromStack(consumer).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument
      .Statement;
    expect(statement.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/cdk-emr-serverless-session:handle': 'Analytics/Session88DA29BA' },
    });
    // The application's sessions, from the ARN the parameter holds at deploy: <application ARN>/sessions/*.
    expect(statement.Resource).toEqual({
      'Fn::Join': [
        '',
        [{ 'Fn::Select': [0, { 'Fn::Split': ['/sessions/', { Ref: expect.stringMatching(/^SsmParameterValue/) }] }] }, '/sessions/*'],
      ],
    });
  });

  test("an import by a literal ARN with its handle grants on that application's sessions", () => {
    const imported = Session.fromSessionArn(
      producer,
      'ByArn',
      'arn:aws:emr-serverless:eu-west-1:210987654321:/applications/00fapp/sessions/00fsess',
      {
        handle: 'Analytics/Session88DA29BA',
      },
    );
    const notebook = new iam.Role(producer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() });
    imported.grantConnect(notebook, { acrossReplacements: true });
    const statements = JSON.stringify(Template.fromStack(producer).toJSON());
    expect(statements).toContain('"Resource":"arn:aws:emr-serverless:eu-west-1:210987654321:/applications/00fapp/sessions/*"');
  });
});

describe('the endpoint and tags', () => {
  test('sessionEndpoint is the Endpoint attribute', () => {
    const session = sessionIn(producer);
    expect(producer.resolve(session.sessionEndpoint)).toEqual({ 'Fn::GetAtt': ['Session88DA29BA', 'Endpoint'] });
  });

  test("the stack's tags reach the session; its own tags win on the same key", () => {
    const stack = new Stack(new App(), 'Tagged', { env: ENV, tags: { 'cost-center': '42', team: 'platform' } });
    sessionIn(stack, { tags: { team: 'analytics' } });
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, { Tags: { 'cost-center': '42', team: 'analytics' } });
  });

  test('fails at synth on a stack tag EMR Serverless would refuse, naming it', () => {
    const stack = new Stack(app, 'Tagged', { env: ENV, tags: { 'owner#1': 'x' } });
    sessionIn(stack);
    expect(() => app.synth()).toThrow(/tag key must be 1 to 128 characters .* got 'owner#1'/);
  });
});

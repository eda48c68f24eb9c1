/**
 * The gates a security review runs on a construct library: cdk-nag's AwsSolutions pack and the
 * Python cfn-lint, on the example app's template.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { App, CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../examples/app';
import { Session } from '../lib';
import { PROVIDER_ID } from '../lambda/shared/contract';
import { executionRole, FIXTURE_ENV, SessionsStack, sessionsApplication } from '../tools/session-stacks';

function appWithNag(): App {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

describe('cdk-nag AwsSolutions', () => {
  test('the example app has 0 errors: what the library cannot fix, it acknowledges itself', () => {
    const app = buildApp(appWithNag());
    expect(() => app.synth()).not.toThrow();
  });

  test('a session on an imported application is clean too', () => {
    const app = appWithNag();
    const stack = new Stack(app, 'Imported', { env: FIXTURE_ENV });
    new Session(stack, 'Session', {
      application: emrserverless.CfnApplication.fromApplicationId(stack, 'Application', '00fimported01'),
      executionRole: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/SessionRole'),
    });
    expect(() => app.synth()).not.toThrow();
  });

  test.each(['strong', 'weak'])(
    'two stacks, %s references: a consumer granted across replacements is clean, as is the producer',
    (strength) => {
      const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': strength } });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const producer = new SessionsStack(app, 'Analytics', {
        count: 1,
        env: FIXTURE_ENV,
        session: { parameterName: '/analytics/session-arn' },
      });
      const consumer = new Stack(app, 'Notebooks', { env: FIXTURE_ENV });
      const [session] = producer.sessions;
      session.grantConnect(new iam.Role(consumer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() }), { acrossReplacements: true });
      const imported = Session.fromParameterName(consumer, 'Current', '/analytics/session-arn', { handle: session.handle });
      imported.grantConnect(new iam.Role(consumer, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }), { acrossReplacements: true });
      expect(() => app.synth()).not.toThrow();
    },
  );

  test('fails: the acknowledgements are narrow enough that a wildcard added elsewhere is still reported', () => {
    const app = buildApp(appWithNag());
    const stack = app.node.findChild('EmrServerlessSessionExample') as Stack;
    const handlerRole = stack.node.findChild(PROVIDER_ID).node.findChild('HandlerRole') as iam.Role;
    handlerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['emr-serverless:GetSession'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});

/** What aws-cdk-lib's built-in validation printed while synthesizing `app`, with the check turned back on. */
function builtInValidationOutput(app: App): string[] {
  // test/setup-env.js turns the check off for speed everywhere else.
  const setting = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    app.synth();
    return printed.mock.calls.map((args) => args.join(' '));
  } finally {
    printed.mockRestore();
    process.env.CDK_VALIDATION = setting;
  }
}

describe("aws-cdk-lib's built-in CloudFormation validation", () => {
  test('finds nothing in the example app', () => {
    expect(builtInValidationOutput(buildApp(new App()))).toEqual([]);
  });

  test('fails: it is on in that test, as an empty stack beside the app shows', () => {
    const app = buildApp(new App());
    new Stack(app, 'Empty');
    expect(builtInValidationOutput(app)).toEqual([expect.stringMatching(/Resources section must exist and be non-empty/)]);
  });
});

describe('cfn-lint', () => {
  const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  const available = cfnLint.status === 0;
  if (!available) {
    // cfn-lint is a Python tool, not an npm package: it is on the CI machines, maybe not on yours.
    console.warn('cfn-lint is not installed: the cfn-lint check was NOT run (pip install cfn-lint to run it)');
  }

  (available ? test : test.skip)(
    `the example app's template passes ${cfnLint.stdout?.trim() || 'cfn-lint'} with 0 errors and 0 warnings`,
    () => {
      const assembly = buildApp(new App()).synth();
      const template = assembly.getStackByName('EmrServerlessSessionExample').templateFullPath;
      // W3005 (a DependsOn already implied by a GetAtt) is what aws-cdk-lib writes for every Lambda and its role.
      const run = () => execFileSync('cfn-lint', ['--ignore-checks', 'W3005', '--', template], { encoding: 'utf8' });
      expect(run).not.toThrow();
    },
  );

  (available ? test : test.skip)(
    'a stack that reads session attributes passes it too, but for E6101 on Fn::GetStackOutput, an intrinsic cfn-lint does not know yet',
    () => {
      const app = new App();
      const env = FIXTURE_ENV;
      const producer = new Stack(app, 'Producer', { env });
      const session = new Session(producer, 'Session', {
        application: sessionsApplication(producer),
        executionRole: executionRole(producer, 'Role'),
      });
      const consumer = new Stack(app, 'Consumer', { env });
      for (const [name, value] of Object.entries({ Id: session.sessionId, Arn: session.sessionArn, Endpoint: session.sessionEndpoint })) {
        new CfnOutput(consumer, name, { value });
      }
      session.grantConnect(new iam.Role(consumer, 'Notebook', { assumedBy: new iam.AccountRootPrincipal() }));
      const template = app.synth().getStackByName('Consumer').templateFullPath;

      const run = spawnSync('cfn-lint', ['--format', 'json', '--', template], { encoding: 'utf8' });
      const findings: Array<{ Rule: { Id: string }; Message: string }> = JSON.parse(run.stdout || '[]');
      // One per output that reads the producer's attributes; the IAM policy's weak reference passes.
      expect(findings.map((f) => f.Rule.Id)).toEqual(['E6101', 'E6101', 'E6101']);
      expect(findings.every((f) => f.Message.startsWith("{'Fn::GetStackOutput'"))).toBe(true);
      expect(() => execFileSync('cfn-lint', ['--ignore-checks', 'E6101', '--', template], { encoding: 'utf8' })).not.toThrow();
    },
  );
});

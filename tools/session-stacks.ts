/**
 * The stacks that tests, the benchmark and the tools deploy or synthesize, from one fixture: an
 * application with sessions enabled, an execution role, and N sessions declared the way the README's
 * example declares its one (0 allowed, for a test that adds its own). The benchmark also declares
 * the same sessions the `custom_resources.AwsCustomResource` way users write today, to compare.
 */
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { Session, SessionProps } from '../lib';
import { ACCOUNT, REGION } from './local-cloud/local-stack';

export type Variant = 'baseline' | 'library';

/** The account and region the fixture's stacks synthesize for. */
export const FIXTURE_ENV = { account: ACCOUNT, region: REGION };

const SESSION_PROPERTIES = {
  idleTimeoutMinutes: 30,
  sparkDefaults: { 'spark.executor.cores': '2', 'spark.executor.memory': '4g' },
  tags: { team: 'analytics' },
};

/** An application that interactive sessions can run on (the oldest release that has them), with any props changed. */
export function sessionsApplication(
  scope: Construct,
  id = 'Application',
  overrides: Partial<emrserverless.CfnApplicationProps> = {},
): emrserverless.CfnApplication {
  return new emrserverless.CfnApplication(scope, id, {
    releaseLabel: 'emr-7.13.0',
    type: 'SPARK',
    interactiveConfiguration: { sessionEnabled: true },
    ...overrides,
  });
}

/** A role EMR Serverless may assume for a session's Spark driver and executors. */
export function executionRole(scope: Construct, id = 'ExecutionRole'): iam.Role {
  return new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com') });
}

export interface SessionsStackProps extends StackProps {
  /** How many sessions it declares, as `Session`, `Session1`, `Session2`, ... */
  readonly count: number;
  /** Props for each of those sessions, over the fixture's. */
  readonly session?: Partial<SessionProps>;
}

/** A stack with the fixture's application and role, and `count` sessions on them. */
export class SessionsStack extends Stack {
  public readonly application: emrserverless.CfnApplication;
  public readonly executionRole: iam.Role;
  public readonly sessions: Session[] = [];

  constructor(scope: Construct, id: string, { count, session, ...props }: SessionsStackProps) {
    super(scope, id, props);
    this.application = sessionsApplication(this);
    this.executionRole = executionRole(this);
    for (let index = 0; index < count; index++) {
      this.sessions.push(
        this.addSession(index === 0 ? 'Session' : `Session${index}`, {
          sessionName: `analytics-${index}`,
          idleTimeout: Duration.minutes(SESSION_PROPERTIES.idleTimeoutMinutes),
          runtimeConfiguration: [{ classification: 'spark-defaults', properties: SESSION_PROPERTIES.sparkDefaults }],
          tags: SESSION_PROPERTIES.tags,
          ...session,
        }),
      );
    }
  }

  /** A session on the stack's application and role, with only the props given. */
  public addSession(id: string, props: Partial<SessionProps> = {}): Session {
    return new Session(this, id, { application: this.application, executionRole: this.executionRole, ...props });
  }
}

/** A stack with an application, an execution role and `count` sessions declared the given way. */
export function buildStack(variant: Variant, count: number, app = new App()): Stack {
  const stackName = `Bench-${variant}-${count}`;
  if (variant === 'library') {
    return new SessionsStack(app, stackName, { count, env: FIXTURE_ENV });
  }
  const stack = new Stack(app, stackName, { env: FIXTURE_ENV });
  const application = sessionsApplication(stack);
  const role = executionRole(stack);
  for (let index = 0; index < count; index++) {
    baselineSession(stack, index, application, role);
  }
  return stack;
}

/**
 * The careful user's AwsCustomResource: StartSession on create, TerminateSession on delete, the
 * session id as physical id, id and ARN read from the response, and iam:PassRole added by hand
 * because AwsCustomResource's generated policy does not know StartSession needs it.
 */
function baselineSession(stack: Stack, index: number, application: emrserverless.CfnApplication, executionRole: iam.IRole): void {
  const session = new cr.AwsCustomResource(stack, `Session${index}`, {
    onCreate: {
      service: 'EMRServerless',
      action: 'StartSession',
      parameters: {
        applicationId: application.attrApplicationId,
        executionRoleArn: executionRole.roleArn,
        name: `analytics-${index}`,
        idleTimeoutMinutes: SESSION_PROPERTIES.idleTimeoutMinutes,
        configurationOverrides: {
          runtimeConfiguration: [{ classification: 'spark-defaults', properties: SESSION_PROPERTIES.sparkDefaults }],
        },
        tags: SESSION_PROPERTIES.tags,
      },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('sessionId'),
    },
    onDelete: {
      service: 'EMRServerless',
      action: 'TerminateSession',
      parameters: { applicationId: application.attrApplicationId, sessionId: new cr.PhysicalResourceIdReference() },
    },
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['emr-serverless:StartSession', 'emr-serverless:TagResource'], resources: [application.attrArn] }),
      new iam.PolicyStatement({ actions: ['emr-serverless:TerminateSession'], resources: [`${application.attrArn}/sessions/*`] }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
      }),
    ]),
    installLatestAwsSdk: false,
  });
  session.getResponseField('sessionId');
  session.getResponseField('arn');
}

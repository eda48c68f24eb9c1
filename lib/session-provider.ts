import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeProviderFindings, acknowledgeSessionsWildcard } from './nag-acknowledgements';

/** The bundled handler: built by `npm run bundle` (run by `npm ci` through `prepare`) and shipped in the package. */
const HANDLER_ASSET = path.join(__dirname, '..', 'lambda-dist', 'session-handler');

/** The provider's construct id in each stack. Part of the deployed contract: never change it. */
export const PROVIDER_ID = 'EmrServerlessSessionProvider';

/**
 * The framework gives up on a request after this long. The handler's own limits (start timeout,
 * terminate timeout) are shorter, so it is the handler that fails a request, with a reason, and
 * terminates what it started.
 */
export const PROVIDER_TOTAL_TIMEOUT = Duration.hours(1);
const QUERY_INTERVAL = Duration.seconds(15);

/**
 * The per-stack singleton behind every `Session` in a stack: one handler, one Provider, one log
 * group and one policy, whatever the number of sessions.
 *
 * The policy grows by one ARN per application and one per execution role, never by a statement
 * per session, so that hundreds of sessions stay within IAM's 10,240-character inline-policy limit.
 *
 * @internal
 */
export class SessionProvider extends Construct {
  public static getOrCreate(scope: Construct): SessionProvider {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(PROVIDER_ID) as SessionProvider | undefined) ?? new SessionProvider(stack, PROVIDER_ID);
  }

  /** The custom resources' ServiceToken. */
  public readonly serviceToken: string;
  /** The session permissions; every session is deleted before them. */
  public readonly policy: iam.Policy;

  private readonly applicationStatement = new iam.PolicyStatement({
    sid: 'StartAndListSessions',
    actions: ['emr-serverless:StartSession', 'emr-serverless:ListSessions'],
  });
  private readonly sessionStatement = new iam.PolicyStatement({
    sid: 'ManageSessions',
    actions: ['emr-serverless:GetSession', 'emr-serverless:TerminateSession', 'emr-serverless:TagResource', 'emr-serverless:UntagResource'],
  });
  private readonly passRoleStatement = new iam.PolicyStatement({
    sid: 'PassExecutionRoles',
    actions: ['iam:PassRole'],
    conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
  });
  private readonly grantedArns = new Set<string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    if (!fs.existsSync(path.join(HANDLER_ASSET, 'index.js'))) {
      throw new Error(`the session handler bundle is missing at ${HANDLER_ASSET}: run 'npm run bundle'`);
    }

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const handlerRole = this.lambdaRole('HandlerRole', logGroup);
    const handler = (name: string, handlerExport: string, timeout: Duration, description: string) =>
      new lambda.Function(this, name, {
        code: lambda.Code.fromAsset(HANDLER_ASSET),
        handler: `index.${handlerExport}`,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout,
        role: handlerRole,
        logGroup,
        description,
      });
    const onEvent = handler('OnEvent', 'onEvent', Duration.minutes(5), 'Starts, retags and terminates EMR Serverless sessions');
    const isComplete = handler(
      'IsComplete',
      'isComplete',
      Duration.minutes(2),
      'Reports when an EMR Serverless session is ready or terminated',
    );

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: QUERY_INTERVAL,
      totalTimeout: PROVIDER_TOTAL_TIMEOUT,
      logGroup,
      frameworkOnEventRole: this.lambdaRole('FrameworkOnEventRole', logGroup),
      frameworkCompleteAndTimeoutRole: this.lambdaRole('FrameworkCompleteRole', logGroup),
    });
    this.serviceToken = provider.serviceToken;

    this.policy = new iam.Policy(this, 'SessionPermissions', {
      roles: [handlerRole],
      statements: [this.applicationStatement, this.sessionStatement, this.passRoleStatement],
    });
    // Every session references the framework's entry function (its ServiceToken), so making that
    // function depend on the policy orders every session after the policy on create and before it
    // on delete, so that Delete may still terminate: one DependsOn for the stack, not one per session.
    provider.node.findChild('framework-onEvent').node.addDependency(this.policy);

    acknowledgeProviderFindings(this, provider, [onEvent, isComplete]);
  }

  /**
   * Lets the handler start sessions on the application with the execution role, and manage them.
   * Granting the same application or role again adds nothing.
   */
  public grantSessionLifecycle(applicationArn: string, executionRoleArn: string): void {
    if (this.firstGrantOf(applicationArn)) {
      const sessionsArn = `${applicationArn}/sessions/*`;
      this.applicationStatement.addResources(applicationArn);
      this.sessionStatement.addResources(sessionsArn);
      acknowledgeSessionsWildcard(this.policy, sessionsArn);
    }
    if (this.firstGrantOf(executionRoleArn)) {
      this.passRoleStatement.addResources(executionRoleArn);
    }
  }

  private firstGrantOf(arn: string): boolean {
    // Resolved, so that two references to the same resource (two tokens) count as one.
    const key = JSON.stringify(Stack.of(this).resolve(arn));
    const first = !this.grantedArns.has(key);
    this.grantedArns.add(key);
    return first;
  }

  /** A Lambda role with no managed policy: it may write to the provider's log group and nothing else. */
  private lambdaRole(id: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    return role;
  }
}

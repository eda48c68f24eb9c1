import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Fn, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { LOG_GROUP_ENV, PROVIDER_ID } from '../lambda/shared/contract';
import { HANDLER_TIMEOUTS, WAITER } from './handler-budget';
import { EMR_SERVERLESS_PRINCIPAL } from './validate-props';
import { acknowledgeProviderFindings, acknowledgeSessionsWildcard } from './nag-acknowledgements';

/** The bundled handler: built by `npm run bundle` (run by `npm ci` through `prepare`) and shipped in the package. */
const HANDLER_ASSET = path.join(__dirname, '..', 'lambda-dist', 'session-handler');

/**
 * How many of a stack's sessions CloudFormation works on at once, unless the app's context says
 * otherwise. Each request in progress can hold two Lambda executions at the same moment (the
 * framework's function waits on the handler's), and the account's concurrency is shared by every
 * function in the region: new accounts may have 10. Five keep a stack's deploy within 10, so that
 * no invocation of a stack's own is throttled however many sessions it has (README "Limits and quotas").
 */
export const CONCURRENT_REQUESTS_DEFAULT = 5;
/** The context key that sets how many of a stack's sessions CloudFormation works on at once. */
export const CONCURRENT_REQUESTS_CONTEXT = 'cdk-emr-serverless-session:concurrentRequests';

/**
 * The handler's log group name: one a user finds from the stack's name, made unique by the stack's
 * id, because a retained group would otherwise block the create of a stack of the same name (the
 * retry after a failed first deploy, which `cdk deploy` makes by deleting the stack and creating it anew).
 */
function handlerLogGroupName(stack: Stack): string {
  const stackUuid = Fn.select(2, Fn.split('/', stack.stackId));
  return `/cdk-emr-serverless-session/${stack.stackName}/${stackUuid}`;
}

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
  /** The log group of every function of the provider, named after the stack. */
  public readonly logGroup: logs.LogGroup;
  /** The session permissions of each function; every session is deleted before them. */
  private readonly permissions: SessionPermissions[];
  /** The framework's entry function: every session references it, so what it depends on, every session does. */
  private readonly entryFunction: Construct;

  /** How many sessions are on each application and execution role, by resolved ARN. */
  private readonly grants = new Map<string, number>();
  /** Every session of the stack, in the order they were declared: the lanes they are started in. */
  private readonly sessions: Construct[] = [];
  private readonly concurrentRequests: number;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    if (!fs.existsSync(path.join(HANDLER_ASSET, 'index.js'))) {
      throw new Error(`the session handler bundle is missing at ${HANDLER_ASSET}: run 'npm run bundle'`);
    }
    this.concurrentRequests = concurrentRequestsOf(this);

    const logGroup = (this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: handlerLogGroupName(Stack.of(this)),
      retention: logs.RetentionDays.ONE_MONTH,
      // Kept when a first deploy fails (its rollback deletes everything else) and when the stack is
      // deleted, so that the group a failure reason names is still there to read; its events expire
      // after the retention.
      removalPolicy: RemovalPolicy.RETAIN,
    }));
    const handlerRole = this.lambdaRole('HandlerRole', logGroup);
    const onEventRole = this.lambdaRole('OnEventRole', logGroup);
    const handler = (
      name: string,
      handlerExport: string,
      timeout: Duration,
      description: string,
      role: iam.IRole,
      environment: Record<string, string> = {},
    ) =>
      new lambda.Function(this, name, {
        code: lambda.Code.fromAsset(HANDLER_ASSET),
        handler: `index.${handlerExport}`,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout,
        role,
        logGroup,
        // One JSON object a line: the handler's decisions at INFO, the SDK's calls and retries at DEBUG.
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
        systemLogLevelV2: lambda.SystemLogLevel.WARN,
        description,
        environment: { [LOG_GROUP_ENV]: logGroup.logGroupName, ...environment },
      });
    const onEvent = handler(
      'OnEvent',
      'onEvent',
      HANDLER_TIMEOUTS.onEvent,
      'Decides what each request does to an EMR Serverless session; terminates sessions',
      onEventRole,
    );
    const isComplete = handler(
      'IsComplete',
      'isComplete',
      HANDLER_TIMEOUTS.isComplete,
      'Starts EMR Serverless sessions and reports when they are ready or terminated',
      handlerRole,
    );

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: WAITER.queryInterval,
      totalTimeout: WAITER.totalTimeout,
      logGroup,
      frameworkOnEventRole: this.lambdaRole('FrameworkOnEventRole', logGroup),
      frameworkCompleteAndTimeoutRole: this.lambdaRole('FrameworkCompleteRole', logGroup),
    });
    this.serviceToken = provider.serviceToken;

    this.permissions = [
      new SessionPermissions(this, 'SessionPermissions', handlerRole, FUNCTION_PERMISSIONS.isComplete),
      new SessionPermissions(this, 'OnEventPermissions', onEventRole, FUNCTION_PERMISSIONS.onEvent),
    ];
    // Every session references the framework's entry function (its ServiceToken), so making that
    // function depend on the policies orders every session after them on create and before them
    // on delete, so that Delete may still terminate: one DependsOn for the stack, not one per session.
    this.entryFunction = provider.node.findChild('framework-onEvent');
    this.permissions.forEach(({ policy }) => this.entryFunction.node.addDependency(policy));

    acknowledgeProviderFindings(this, provider, [onEvent, isComplete]);
  }

  /**
   * Adds a session to the stack's provider: the handler may start it on the application with the
   * execution role and manage it (granting the same application or role again adds nothing), it
   * starts after an execution role defined in the app and all that role's policies, and it takes
   * its place in the stack's lanes.
   */
  public addSession(session: Construct, applicationArn: string, executionRole: iam.IRole): void {
    if (this.count(applicationArn) === 1) {
      this.permissions.forEach((permissions) => permissions.addApplication(applicationArn));
    }
    if (this.count(executionRole.roleArn) === 1) {
      this.permissions.forEach((permissions) => permissions.addExecutionRole(executionRole.roleArn));
    }
    this.orderAfter(executionRole);
    this.addToLane(session);
  }

  /** How many of the stack's sessions are on the application. */
  public sessionsOn(applicationArn: string): number {
    return this.grants.get(this.keyOf(applicationArn)) ?? 0;
  }

  /**
   * Orders every session after an execution role defined in the app and all its policies (its
   * default policy included, with grants made later), and before them on delete, with one
   * dependency for the stack rather than one per session. An imported role is left alone.
   */
  private orderAfter(executionRole: iam.IRole): void {
    if (Resource.isOwnedResource(executionRole)) {
      this.entryFunction.node.addDependency(executionRole);
    }
  }

  /**
   * Puts a session in one of the stack's lanes: it depends on the session declared
   * `concurrentRequests` before it, so that CloudFormation works on at most that many at once, on
   * create, update and delete alike (a delete goes through the lanes in reverse).
   */
  private addToLane(session: Construct): void {
    const ahead = this.sessions[this.sessions.length - this.concurrentRequests];
    if (ahead) {
      session.node.addDependency(ahead);
    }
    this.sessions.push(session);
  }

  /** Counts one more session on this application or role, and returns how many there are now. */
  private count(arn: string): number {
    const key = this.keyOf(arn);
    const count = (this.grants.get(key) ?? 0) + 1;
    this.grants.set(key, count);
    return count;
  }

  /** Resolved, so that two references to the same resource (two tokens) count as one. */
  private keyOf(arn: string): string {
    return JSON.stringify(Stack.of(this).resolve(arn));
  }

  /** A Lambda role with no managed policy: it may write to the provider's log group and nothing else. */
  private lambdaRole(id: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    return role;
  }
}

/** What one handler function may do to sessions, on what; `passRole`: whether it starts them. */
interface FunctionPermissions {
  readonly onApplication: { readonly sid: string; readonly actions: string[] };
  readonly onSessions: string[];
  readonly passRole: boolean;
  /** Whether it asks CloudFormation about its request's resource before it reports a session it started. */
  readonly describesStackResource: boolean;
}

/**
 * What each handler function may do, beyond writing its logs. onEvent never starts a session
 * (isComplete does), so its role holds neither StartSession, GetSessionEndpoint, PassRole nor
 * DescribeStackResource: it reads, retags, searches and terminates.
 */
const FUNCTION_PERMISSIONS: Record<'isComplete' | 'onEvent', FunctionPermissions> = {
  isComplete: {
    onApplication: { sid: 'StartAndListSessions', actions: ['emr-serverless:StartSession', 'emr-serverless:ListSessions'] },
    onSessions: [
      'emr-serverless:GetSession',
      'emr-serverless:GetSessionEndpoint',
      'emr-serverless:TerminateSession',
      'emr-serverless:TagResource',
      'emr-serverless:UntagResource',
    ],
    passRole: true,
    describesStackResource: true,
  },
  onEvent: {
    onApplication: { sid: 'ListSessions', actions: ['emr-serverless:ListSessions'] },
    onSessions: [
      'emr-serverless:GetSession',
      'emr-serverless:TerminateSession',
      'emr-serverless:TagResource',
      'emr-serverless:UntagResource',
    ],
    passRole: false,
    describesStackResource: false,
  },
};

/**
 * One function's session policy: a statement on the applications, one on their sessions and, for a
 * function that starts sessions, one passing the execution roles. They grow by ARNs, never by
 * statements, so that hundreds of sessions stay within IAM's inline-policy limit.
 */
class SessionPermissions {
  public readonly policy: iam.Policy;
  private readonly onApplication: iam.PolicyStatement;
  private readonly onSessions: iam.PolicyStatement;
  private readonly passRole?: iam.PolicyStatement;

  constructor(scope: Construct, id: string, role: iam.IRole, permissions: FunctionPermissions) {
    this.onApplication = new iam.PolicyStatement(permissions.onApplication);
    this.onSessions = new iam.PolicyStatement({ sid: 'ManageSessions', actions: permissions.onSessions });
    this.passRole = permissions.passRole
      ? new iam.PolicyStatement({
          sid: 'PassExecutionRoles',
          actions: ['iam:PassRole'],
          conditions: { StringEquals: { 'iam:PassedToService': EMR_SERVERLESS_PRINCIPAL } },
        })
      : undefined;
    // Its own stack only: the one whose requests it answers (lambda/stack-resource.ts says why it asks).
    const describeStackResource = permissions.describesStackResource
      ? new iam.PolicyStatement({
          sid: 'DescribeOwnStackResources',
          actions: ['cloudformation:DescribeStackResource'],
          resources: [Stack.of(scope).stackId],
        })
      : undefined;
    const statements = [this.onApplication, this.onSessions, ...[this.passRole, describeStackResource].filter((s) => s !== undefined)];
    this.policy = new iam.Policy(scope, id, { roles: [role], statements });
  }

  public addApplication(applicationArn: string): void {
    const sessionsArn = applicationSessionsArn(applicationArn);
    this.onApplication.addResources(applicationArn);
    this.onSessions.addResources(sessionsArn);
    acknowledgeSessionsWildcard(this.policy, sessionsArn);
  }

  public addExecutionRole(roleArn: string): void {
    this.passRole?.addResources(roleArn);
  }
}

/**
 * Every session of an application, present and future: the narrowest resource for sessions whose
 * ids are not known at synth.
 */
export function applicationSessionsArn(applicationArn: string): string {
  return `${applicationArn}/sessions/*`;
}

/** The context's number of sessions CloudFormation works on at once, a whole number of 1 or more. */
function concurrentRequestsOf(scope: Construct): number {
  const value = scope.node.tryGetContext(CONCURRENT_REQUESTS_CONTEXT) ?? CONCURRENT_REQUESTS_DEFAULT;
  const count = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`context ${CONCURRENT_REQUESTS_CONTEXT} must be a whole number of 1 or more, got ${JSON.stringify(value)}`);
  }
  return count;
}

import {
  Annotations,
  ArnFormat,
  CfnResource,
  CustomResource,
  Duration,
  Fn,
  ITaggable,
  Lazy,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  TagManager,
  TagType,
  Token,
} from 'aws-cdk-lib';
import { CfnApplication, IApplicationRef } from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  ATTR_APPLICATION_ID,
  ATTR_ARN,
  ATTR_ENDPOINT,
  ATTR_SESSION_ID,
  RESOURCE_TYPE,
  SessionResourceProperties,
} from '../lambda/shared/contract';
import { SESSIONS_PER_APPLICATION_QUOTA } from '../lambda/shared/limits';
import { validateRenderedSize } from './framework-limits';
import { serviceTimeoutFor } from './handler-budget';
import { sessionHandle } from '../lambda/shared/handle';
import { ImportedSession, ISession, ReplacementGrantTarget, SessionAttributes, SessionBase, SessionImportOptions } from './session-base';
import { renderProperties, startTimeoutSecondsOf } from './session-properties';
import { SessionProvider } from './session-provider';
import { SessionRenewal } from './session-renewal';
import {
  checkApplication,
  checkExecutionRoleTrust,
  classificationWarnings,
  sessionPropsWarnings,
  SNAPSHOT_REFUSED,
  validateParameterName,
  validateSessionProps,
} from './validate-props';

/** The context key `iam.Role.customizeRoles` sets: the app's roles are placeholders for pre-created ones. */
const CUSTOMIZE_ROLES_CONTEXT = '@aws-cdk/iam:customizeRoles';

/**
 * A Spark runtime configuration for a session, as StartSession's
 * `configurationOverrides.runtimeConfiguration`.
 *
 * @see https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_Configuration.html
 */
export interface RuntimeConfiguration {
  /**
   * The classification, for example `spark-defaults` or `spark-driver-log4j2`.
   *
   * 1 to 1,024 characters, not blank.
   */
  readonly classification: string;

  /**
   * The settings of this classification, for example `{ 'spark.executor.memory': '4g' }`.
   *
   * At most 100 entries; keys 1 to 1,024 characters, values at most 1,024. The handler never logs them.
   *
   * @default - no properties
   */
  readonly properties?: { [key: string]: string };

  /**
   * Nested configurations, at most 100.
   *
   * @default - none
   */
  readonly configurations?: RuntimeConfiguration[];
}

/**
 * Properties of a `Session`.
 */
export interface SessionProps {
  /**
   * The EMR Serverless application to start the session on: a `CfnApplication`, or
   * `CfnApplication.fromApplicationId(...)` for one defined elsewhere.
   *
   * The application must run release emr-7.13.0 or later, be of type SPARK, have
   * `interactiveConfiguration.sessionEnabled` set, and be started or have auto-start on.
   * Those of its values that are known at synth time are checked then.
   */
  readonly application: IApplicationRef;

  /**
   * The role that the session's Spark driver and executors assume to reach AWS resources.
   *
   * The handler may pass this role to EMR Serverless and to nothing else. A role defined in this
   * app is deployed, with its default policy (what `bucket.grantRead(role)` adds), before the
   * session starts; for an imported role, making its permissions exist first is up to you.
   */
  readonly executionRole: iam.IRole;

  /**
   * A name for the session, 1 to 256 characters, not blank. Changing it starts a new session.
   * Names need not be unique: the session is identified by its id.
   *
   * @default - the session has no name
   */
  readonly sessionName?: string;

  /**
   * How long the session may stay idle before EMR Serverless terminates it: a whole number of
   * minutes from 0 to 1,000,000. Changing it starts a new session. A token must be given in minutes
   * (`Duration.minutes(token)`): it cannot be converted at synth.
   *
   * Sessions also end after 24 hours whatever their activity (the service's default hard limit):
   * a longer idle timeout has no effect, and synth warns about it. What 0 means is not documented
   * by EMR Serverless; synth warns about it too.
   *
   * @default - the service default, 60 minutes
   */
  readonly idleTimeout?: Duration;

  /**
   * Spark runtime configurations for the session, at most 100. Changing them starts a new session.
   * A classification a letter or two from a documented one (`spark-default`) is warned about at synth.
   *
   * @default - the application's runtime configuration
   */
  readonly runtimeConfiguration?: RuntimeConfiguration[];

  /**
   * Tags for the session, at most 196, the stack's tags included: the service allows 200, and this
   * library adds up to 4 (the client token, the handle, the renewal token and the last in-place
   * update's token). Keys may not start
   * with `aws:` (in any case) or `cdk-emr-serverless-session:`. Tags added with
   * `Tags.of(scope).add(...)` reach the session too. Changing tags updates the running session in place.
   *
   * @default - no tags
   */
  readonly tags?: { [key: string]: string };

  /**
   * How long deployment waits for the session to become usable (STARTED, IDLE or BUSY), from 1 to 45
   * minutes, counted from the moment the session was asked for. A session that has not started by
   * then is terminated and the resource fails with its state details. A token must be given in
   * seconds (`Duration.seconds(token)`): it cannot be converted at synth.
   *
   * @default Duration.minutes(20)
   */
  readonly startTimeout?: Duration;

  /**
   * What happens to the session when it is removed from the stack or replaced.
   *
   * `RETAIN` leaves the session running until its idle timeout ends it.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether a deploy renews the session on purpose: `SessionRenewal.ifEnded(token)` starts a new
   * session when the token changed and the old one has ended (and keeps a live one);
   * `SessionRenewal.always(token)` starts a new one whenever the token changed.
   *
   * The token must be a valid tag value (1 to 256 characters of `[A-Za-z0-9 /_.:=+@-]`): the session
   * carries it in the tag `cdk-emr-serverless-session:renewal-token`.
   *
   * @default SessionRenewal.never()
   */
  readonly renewal?: SessionRenewal;

  /**
   * The name of an SSM String parameter that this stack creates and keeps holding the session's
   * current ARN: updated in place whenever the session is replaced or renewed, so that code that runs
   * later can read the current session (`Session.fromParameterName`). Names follow SSM's rules:
   * letters, digits and `. - _ /`, and no `aws` or `ssm` prefix in any case. A name given as a token
   * must be a path name, beginning with `/`.
   *
   * @default - no parameter
   */
  readonly parameterName?: string;
}

/**
 * An EMR Serverless interactive session (Spark Connect), started when the stack deploys and
 * terminated when the session leaves the stack.
 *
 * The session is started with a client token derived from the CloudFormation request, so a
 * retried request never starts a second session, and deployment waits until the session is
 * usable. A session that fails to start is terminated and fails the deployment with its state details.
 *
 * @example
 * // application: an emrserverless.CfnApplication; executionRole: an iam.IRole
 * const session = new Session(this, 'Session', {
 *   application,
 *   executionRole,
 *   idleTimeout: Duration.minutes(30),
 * });
 * new CfnOutput(this, 'SessionId', { value: session.sessionId });
 *
 * @see https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/spark-connect.html
 */
export class Session extends SessionBase implements ITaggable {
  /**
   * Imports a session by its ARN.
   */
  public static fromSessionArn(scope: Construct, id: string, sessionArn: string, options: SessionImportOptions = {}): ISession {
    // The resource part of the ARN is '/applications/<applicationId>/sessions/<sessionId>'.
    const resource = Stack.of(scope).splitArn(sessionArn, ArnFormat.NO_RESOURCE_NAME).resource;
    const parts = Token.isUnresolved(resource) ? undefined : resource.split('/');
    if (parts && (parts.length !== 5 || parts[1] !== 'applications' || parts[3] !== 'sessions')) {
      throw new Error(
        `sessionArn must be arn:<partition>:emr-serverless:<region>:<account>:/applications/<id>/sessions/<id>, got '${sessionArn}'`,
      );
    }
    const part = (index: number) => parts?.[index] ?? Fn.select(index, Fn.split('/', resource));
    return new ImportedSession(scope, id, { sessionArn, applicationId: part(2), sessionId: part(4), handle: options.handle });
  }

  /**
   * Imports the session whose ARN an SSM parameter holds (see `parameterName`): the ARN is read when
   * this stack deploys, with CloudFormation's SSM parameter resolution, so a deploy picks up the
   * current session. The parameter itself is the `parameter` attribute, to grant reading at run time.
   */
  public static fromParameterName(scope: Construct, id: string, parameterName: string, options: SessionImportOptions = {}): ISession {
    const sessionArn = ssm.StringParameter.valueForStringParameter(scope, parameterName);
    const imported = Session.fromSessionArn(scope, id, sessionArn, options) as ImportedSession;
    imported.parameter = ssm.StringParameter.fromStringParameterName(imported, 'Parameter', parameterName);
    return imported;
  }

  /**
   * Imports a session by its application id and session id, in this stack's account and region.
   */
  public static fromSessionAttributes(scope: Construct, id: string, attrs: SessionAttributes): ISession {
    const sessionArn = Stack.of(scope).formatArn({
      service: 'emr-serverless',
      resource: '/applications',
      resourceName: `${attrs.applicationId}/sessions/${attrs.sessionId}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    return new ImportedSession(scope, id, { sessionArn, ...attrs });
  }

  public readonly sessionId: string;
  public readonly sessionArn: string;
  public readonly applicationId: string;

  /**
   * The session's tags, including those added with `Tags.of(scope).add(...)`.
   */
  public readonly tags: TagManager;

  /**
   * The session's Spark Connect endpoint URL (`Fn::GetAtt Endpoint`), read with GetSessionEndpoint
   * once the session is usable. The URL only: a client asks GetSessionEndpoint for the one-hour
   * auth token itself (`grantConnect`). A replaced or renewed session has a new URL.
   *
   * @attribute
   */
  public readonly sessionEndpoint: string;

  /**
   * The value of the session's `cdk-emr-serverless-session:handle` tag: `<stack name>/<logical id>`,
   * the same for every session that replaces or renews this one.
   */
  public readonly handle: string;

  public readonly parameter?: ssm.IStringParameter;

  /**
   * The log group the session handler writes to, shared by every session in the stack and named
   * `/cdk-emr-serverless-session/<stack name>/<stack id's UUID>`: one JSON line per decision the
   * handler takes. It is retained when a first deploy fails and when the stack is deleted, so that
   * the logs a failure reason points to can still be read; its events expire after one month. The
   * `Logs: /aws/lambda/...` line of a failure reason is the Provider framework's, and names a group
   * these functions do not use.
   */
  public readonly handlerLogGroup: logs.ILogGroup;

  private readonly resource: CustomResource;
  private readonly applicationArn: string;

  constructor(scope: Construct, id: string, props: SessionProps) {
    super(scope, id);
    this.warnAboutProps(props);
    this.tags = new TagManager(TagType.MAP, RESOURCE_TYPE, props.tags);
    this.applicationArn = props.application.applicationRef.applicationArn;

    const provider = SessionProvider.getOrCreate(this);
    this.handlerLogGroup = provider.logGroup;
    // The tags are read at synth: Tags.of(...) and the stack's tags arrive after the constructor.
    const tags = Lazy.any({ produce: () => nonEmpty(this.userTags()) }) as unknown as Record<string, string>;
    const properties = renderProperties(props, tags);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RESOURCE_TYPE,
      properties,
      serviceTimeout: serviceTimeoutFor(startTimeoutSecondsOf(props)),
    });
    if (props.removalPolicy !== RemovalPolicy.SNAPSHOT) {
      this.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY); // SNAPSHOT: reported at synth
    }
    provider.addSession(this.resource, this.applicationArn, props.executionRole);
    this.warnAboutQuota(provider.sessionsOn(this.applicationArn));
    this.node.addValidation({ validate: () => this.validateAtSynth(props, properties) });
    // A session is replaced by nature, and CloudFormation refuses to change an export another stack
    // imports: other stacks read its attributes with Fn::GetStackOutput unless told otherwise.
    this.applyCrossStackReferenceStrength(ReferenceStrength.WEAK);

    this.sessionId = this.resource.getAttString(ATTR_SESSION_ID);
    this.sessionArn = this.resource.getAttString(ATTR_ARN);
    this.applicationId = this.resource.getAttString(ATTR_APPLICATION_ID);
    this.sessionEndpoint = this.resource.getAttString(ATTR_ENDPOINT);
    // The handler tags the session with the same value, from the request's StackId and LogicalResourceId.
    this.handle = Lazy.string({
      produce: () => {
        const stack = Stack.of(this);
        return sessionHandle(stack.stackName, stack.resolve(this.cfnResource.logicalId));
      },
    });

    // A name SSM would refuse is reported at synth; aws-cdk-lib would throw from the constructor.
    if (props.parameterName !== undefined && validateParameterName(props.parameterName).length === 0) {
      this.parameter = new ssm.StringParameter(this, 'Parameter', {
        parameterName: props.parameterName,
        // aws-cdk-lib needs to know how to build the ARN of a name known only at deploy: a path name.
        ...(Token.isUnresolved(props.parameterName) && { simpleName: false }),
        stringValue: this.sessionArn,
        description: `The current ARN of the EMR Serverless session ${this.node.path}`,
      });
    }
  }

  /**
   * Sets how other stacks reference this session's attributes. The default is
   * `ReferenceStrength.WEAK` (`Fn::GetStackOutput`), whatever the app's default: a session is replaced
   * by nature, and a strong reference (an export another stack imports) would block its replacement.
   * A weak consumer sees a new session when it is deployed again.
   */
  public applyCrossStackReferenceStrength(strength: ReferenceStrength): void {
    this.cfnResource.applyCrossStackReferenceStrength(strength);
  }

  /**
   * Sets what happens to the session when it is removed from the stack or replaced;
   * `RETAIN` leaves it running until its idle timeout.
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    if (policy === RemovalPolicy.SNAPSHOT) {
      throw new Error(SNAPSHOT_REFUSED);
    }
    this.resource.applyRemovalPolicy(policy);
    if (policy === RemovalPolicy.DESTROY) {
      // Delete is CloudFormation's default for custom resources: saying so costs 60 bytes a session.
      this.cfnResource.cfnOptions.deletionPolicy = undefined;
      this.cfnResource.cfnOptions.updateReplacePolicy = undefined;
    }
  }

  /** @internal */
  protected _replacementGrantTarget(): ReplacementGrantTarget {
    return { applicationArn: this.applicationArn, handle: this.handle };
  }

  /** The custom resource in the template. */
  private get cfnResource(): CfnResource {
    return this.resource.node.defaultChild as CfnResource;
  }

  /** Warns, at once, about props that are allowed but likely wrong. */
  private warnAboutProps(props: SessionProps): void {
    sessionPropsWarnings(props).forEach((warning) => Annotations.of(this).addWarningV2('cdk-emr-serverless-session:idle-timeout', warning));
    classificationWarnings(props.runtimeConfiguration).forEach((warning) =>
      Annotations.of(this).addWarningV2('cdk-emr-serverless-session:classification', warning),
    );
  }

  /** Warns once, on the first session over the quota, when the stack declares more sessions on one application than it runs by default. */
  private warnAboutQuota(sessionsOnApplication: number): void {
    if (sessionsOnApplication === SESSIONS_PER_APPLICATION_QUOTA + 1) {
      Annotations.of(this).addWarningV2(
        'cdk-emr-serverless-session:sessions-per-application',
        `this stack declares more than ${SESSIONS_PER_APPLICATION_QUOTA} sessions on one application: EMR Serverless runs at most ` +
          `${SESSIONS_PER_APPLICATION_QUOTA} concurrent sessions per application by default, so the others fail with ` +
          'ServiceQuotaExceededException unless the quota has been raised',
      );
    }
  }

  /** The stack's tags, then the session's own (`tags` and `Tags.of`), which win on the same key. */
  private userTags(): Record<string, string> {
    return { ...Stack.of(this).tags.tagValues(), ...this.tags.tagValues() };
  }

  /**
   * Every mistake in the props, reported at synth as aws-cdk-lib reports its own (`[path] message`,
   * every construct of the app at once), with the tags as they end up (Tags.of(...) and the stack's
   * arrive after the constructor); and the warnings that need the finished app.
   */
  private validateAtSynth(props: SessionProps, properties: SessionResourceProperties): string[] {
    const stack = Stack.of(this);
    const errors = [
      ...validateSessionProps(
        { ...props, tags: this.userTags() },
        { resolve: (value) => stack.resolve(value), precreatedRoles: this.node.tryGetContext(CUSTOMIZE_ROLES_CONTEXT) !== undefined },
      ),
      ...validateRenderedSize(stack.resolve(properties)),
    ];
    const { application, executionRole } = props;
    if (executionRole instanceof iam.Role) {
      // Its trust policy is complete at synth: assumedBy, and any statement added since.
      const trust = stack.resolve(executionRole.assumeRolePolicy?.toJSON());
      checkExecutionRoleTrust(executionRole.node.path, trust).forEach((warning) =>
        Annotations.of(this).addWarningV2('cdk-emr-serverless-session:execution-role-trust', warning),
      );
    }
    if (CfnApplication.isCfnApplication(application)) {
      const findings = checkApplication(application);
      findings.warnings.forEach((warning) =>
        Annotations.of(this).addWarningV2('cdk-emr-serverless-session:application-auto-start', warning),
      );
      errors.push(...findings.errors);
    }
    return errors;
  }
}

/** A map, or undefined for an empty one: an absent property costs no template bytes. */
function nonEmpty(record: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(record).length > 0 ? record : undefined;
}

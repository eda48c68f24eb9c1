import { Fn, IResource, Resource, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { HANDLE_TAG } from '../lambda/shared/contract';
import { acknowledgeTaggedSessionsGrant } from './nag-acknowledgements';
import { applicationSessionsArn } from './session-provider';

/**
 * Options for `grantConnect`.
 */
export interface ConnectGrantOptions {
  /**
   * Grant on every session that replaces or renews this one, not only on the current session: the
   * grant is on the application's sessions, with the condition that they carry this session's
   * handle tag (`aws:ResourceTag/cdk-emr-serverless-session:handle`), so it needs no session id and
   * survives replacement. For a session defined in this app, or one imported with its handle.
   *
   * @default false
   */
  readonly acrossReplacements?: boolean;
}

/**
 * Options for importing a session by its ARN or by the SSM parameter that holds it.
 */
export interface SessionImportOptions {
  /**
   * The session's handle: the `handle` of the `Session` that declares it, `<stack name>/<logical
   * id>` (the value of its `cdk-emr-serverless-session:handle` tag). With it, `grantConnect(grantee,
   * { acrossReplacements: true })` grants on every session that replaces or renews the imported one,
   * so that a consumer in another app keeps access across renewals.
   *
   * @default - the import cannot be granted across replacements
   */
  readonly handle?: string;
}

/**
 * The identity of a session, to import one from another stack or from outside CDK.
 */
export interface SessionAttributes extends SessionImportOptions {
  /**
   * The id of the application the session runs on.
   */
  readonly applicationId: string;

  /**
   * The id of the session.
   */
  readonly sessionId: string;
}

/**
 * An EMR Serverless interactive session, defined in this app or imported.
 */
export interface ISession extends IResource {
  /**
   * The id of the session.
   *
   * @attribute
   */
  readonly sessionId: string;

  /**
   * The ARN of the session: `arn:<partition>:emr-serverless:<region>:<account>:/applications/<applicationId>/sessions/<sessionId>`.
   *
   * @attribute
   */
  readonly sessionArn: string;

  /**
   * The id of the application the session runs on.
   *
   * @attribute
   */
  readonly applicationId: string;

  /**
   * Grants the given actions on this session.
   */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /**
   * The SSM parameter that holds the session's current ARN, when there is one: created by
   * `parameterName`, or the one `Session.fromParameterName` imported. Grant reading it to code that
   * looks the session up at run time (`session.parameter?.grantRead(role)`).
   */
  readonly parameter?: ssm.IStringParameter;

  /**
   * Grants what a Spark Connect client needs to reach this session: `GetSession`,
   * `GetSessionEndpoint` (the endpoint URL and its authentication token) and
   * `GetResourceDashboard` (the Spark UI). Never `TagResource` or `UntagResource`.
   *
   * The token that GetSessionEndpoint returns acts with the execution role's permissions: whoever
   * may call it may do what the role may do, through Spark.
   */
  grantConnect(grantee: iam.IGrantable, options?: ConnectGrantOptions): iam.Grant;
}

/** What a Spark Connect client may call on a session: nothing that changes it, and never its tags. */
const CONNECT_ACTIONS = ['emr-serverless:GetSession', 'emr-serverless:GetSessionEndpoint', 'emr-serverless:GetResourceDashboard'];

/**
 * What a session defined in the app and an imported one have in common: the grants. Hidden from
 * the published API, as it was when it lived in session.ts.
 * @internal
 */
export abstract class SessionBase extends Resource implements ISession {
  public abstract readonly sessionId: string;
  public abstract readonly sessionArn: string;
  public abstract readonly applicationId: string;
  public abstract readonly parameter?: ssm.IStringParameter;

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.sessionArn] });
  }

  public grantConnect(grantee: iam.IGrantable, options: ConnectGrantOptions = {}): iam.Grant {
    if (!options.acrossReplacements) {
      return this.grant(grantee, ...CONNECT_ACTIONS);
    }
    const target = this._replacementGrantTarget();
    if (!target) {
      throw new Error(
        `grantConnect with acrossReplacements needs a Session defined in this app, or an import given its handle ` +
          `(${this.node.path} was imported without one): the grant is conditioned on the handle tag its replacements carry`,
      );
    }
    const { applicationArn, handle } = target;
    const sessionsArn = applicationSessionsArn(applicationArn);
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: CONNECT_ACTIONS,
      resourceArns: [sessionsArn],
      conditions: { StringEquals: { [`aws:ResourceTag/${HANDLE_TAG}`]: handle } },
    });
    // The statement lands in the principal's own policy (a role's default policy, under the role).
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      acknowledgeTaggedSessionsGrant(principal, sessionsArn);
    }
    return grant;
  }

  /**
   * What a grant across replacements is on: the application, and the handle tag value every session
   * in this place carries. A session defined in the app knows them; an import, when given the handle.
   * @internal
   */
  protected _replacementGrantTarget(): ReplacementGrantTarget | undefined {
    return undefined;
  }
}

/** A session defined elsewhere, known by its ARN and ids, and maybe its handle. */
export class ImportedSession extends SessionBase {
  public readonly sessionArn: string;
  public readonly applicationId: string;
  public readonly sessionId: string;
  public parameter?: ssm.IStringParameter;
  private readonly handle?: string;

  constructor(scope: Construct, id: string, attrs: SessionAttributes & { readonly sessionArn: string }) {
    super(scope, id);
    this.sessionArn = attrs.sessionArn;
    this.applicationId = attrs.applicationId;
    this.sessionId = attrs.sessionId;
    this.handle = attrs.handle;
  }

  /** @internal */
  protected _replacementGrantTarget(): ReplacementGrantTarget | undefined {
    if (this.handle === undefined) {
      return undefined;
    }
    // The application's ARN is the session's up to '/sessions/': in the session's account and region.
    const applicationArn = Token.isUnresolved(this.sessionArn)
      ? Fn.select(0, Fn.split('/sessions/', this.sessionArn))
      : this.sessionArn.split('/sessions/')[0];
    return { applicationArn, handle: this.handle };
  }
}

/** The application and the handle tag value that a grant across replacements is conditioned on. */
export interface ReplacementGrantTarget {
  readonly applicationArn: string;
  readonly handle: string;
}

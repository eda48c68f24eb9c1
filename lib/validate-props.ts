import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { CfnApplication } from 'aws-cdk-lib/aws-emrserverless';
import { LIBRARY_TAG_COUNT, RESERVED_TAG_PREFIX } from '../lambda/shared/contract';
import { SERVICE_TAGS_MAX, START_TIMEOUT_MAX_SECONDS, START_TIMEOUT_MIN_SECONDS } from '../lambda/shared/limits';
import type { RuntimeConfiguration, SessionProps } from './session';
import { TEMPLATE_UNITS } from './session-properties';
import type { SessionRenewal } from './session-renewal';

// The StartSession constraints, from the API reference:
// https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartSession.html
const APPLICATION_ID = /^[0-9a-z]{1,64}$/;
const EXECUTION_ROLE_ARN = /^arn:(aws[a-zA-Z0-9-]*):iam::([0-9]{12}):(role((\u002F)|(\u002F[\u0021-\u007F]+\u002F))[\w+=,.@-]+)$/;
const EXECUTION_ROLE_ARN_LENGTH = { min: 20, max: 2048 };
/** What `iam.Role.customizeRoles` puts in place of a role still to be created: an ARN with no role name. */
const PRECREATED_ROLE_PLACEHOLDER = /^arn:aws[a-zA-Z0-9-]*:iam::[0-9]{12}:role$/;
/** The limits the prop docs and the README state; `test/docs.test.ts` holds them to it. */
export const NAME_MAX_LENGTH = 256;
export const IDLE_TIMEOUT_MAX_MINUTES = 1_000_000;
export const TAG_VALUE_MAX_LENGTH = 256;
const TAG_KEY = /^[A-Za-z0-9 /_.:=+@-]{1,128}$/;
const TAG_VALUE = new RegExp(`^[A-Za-z0-9 /_.:=+@-]{0,${TAG_VALUE_MAX_LENGTH}}$`);
export const CONFIGURATION_ITEMS_MAX = 100;
export const CONFIGURATION_STRING_MAX_LENGTH = 1024;

/** The service's tag limit, less the tags the handler adds to every session. */
export const USER_TAGS_MAX = SERVICE_TAGS_MAX - LIBRARY_TAG_COUNT;
/** Tag keys the user may not set, in any case: AWS's own prefix, and the one the handler's tags use. */
const RESERVED_TAG_PREFIXES = ['aws:', RESERVED_TAG_PREFIX];
/** aws-cdk-lib's limit for an SSM parameter name. */
const PARAMETER_NAME_MAX_LENGTH = 2048;
/** The prefixes SSM keeps for its own parameters, in any case. */
const SSM_RESERVED_PREFIXES = ['aws', 'ssm'];
/** Sessions end after 24 hours whatever their idle timeout (the service's default hard limit). */
const SESSION_MAX_LIFETIME_MINUTES = 24 * 60;

/** The oldest EMR release that supports interactive sessions. */
const MIN_RELEASE = { major: 7, minor: 13, patch: 0 };

/** What the checks need to know of the place a session is declared in, beyond its props. */
export interface ValidationContext {
  /**
   * The value a token stands for at synth (`Stack.resolve`): a `Lazy` that produces nothing is
   * caught. Without it, every token is skipped.
   */
  readonly resolve?: (value: unknown) => unknown;
  /**
   * `iam.Role.customizeRoles` is on: roles defined in the app are placeholders for pre-created
   * ones, whose ARNs name no role yet; such an ARN is accepted, and any other is checked as ever.
   */
  readonly precreatedRoles?: boolean;
}

/**
 * Every error in the given props, one message each; empty when they are valid. Unresolved tokens
 * are skipped, but for a duration in a unit that cannot be converted and a renewal token that
 * resolves to nothing.
 */
export function validateSessionProps(props: SessionProps, context: ValidationContext = {}): string[] {
  return [
    ...validateApplicationId(props.application.applicationRef.applicationId),
    ...validateExecutionRoleArn(props.executionRole.roleArn, context.precreatedRoles),
    ...validateSessionName(props.sessionName),
    ...validateIdleTimeout(props.idleTimeout),
    ...validateStartTimeout(props.startTimeout),
    ...validateRuntimeConfiguration(props.runtimeConfiguration, 'runtimeConfiguration'),
    ...validateTags(props.tags ?? {}),
    ...validateRenewal(props.renewal, context.resolve),
    ...validateRemovalPolicy(props.removalPolicy),
    ...validateParameterName(props.parameterName),
  ];
}

/** The factory that made a renewal mode, as the user wrote it. */
const RENEWAL_FACTORIES: Record<string, string> = { IF_ENDED: 'SessionRenewal.ifEnded', ALWAYS: 'SessionRenewal.always' };

function validateRenewal(renewal: SessionRenewal | undefined, resolve?: (value: unknown) => unknown): string[] {
  if (renewal?.mode === undefined) {
    return [];
  }
  const token = renewal.token;
  const value = token !== undefined && Token.isUnresolved(token) && resolve ? resolve(token) : token;
  if (typeof value === 'string' && Token.isUnresolved(value)) {
    return [];
  }
  if (typeof value === 'object' && value !== null) {
    return []; // a CloudFormation expression: known at deploy
  }
  if (typeof value !== 'string' || value.length === 0 || !TAG_VALUE.test(value)) {
    const missing = value === undefined || value === null || value === '';
    return [
      `renewal token must be 1 to ${TAG_VALUE_MAX_LENGTH} characters of [A-Za-z0-9 /_.:=+@-] (it becomes a tag value), ` +
        `got ${typeof value === 'string' ? `'${value}'` : String(value)}` +
        (missing
          ? `: give ${RENEWAL_FACTORIES[renewal.mode]}(...) a value that changes on the deploys that should renew, ` +
            "with a default, for example this.node.tryGetContext('renewalToken') ?? 'initial'"
          : ''),
    ];
  }
  return [];
}

function validateRemovalPolicy(policy: RemovalPolicy | undefined): string[] {
  return policy === RemovalPolicy.SNAPSHOT ? [SNAPSHOT_REFUSED] : [];
}

/** Why a session cannot be SNAPSHOT, from the prop and from `applyRemovalPolicy` alike. */
export const SNAPSHOT_REFUSED =
  'removalPolicy must be DESTROY, RETAIN or RETAIN_ON_UPDATE_OR_DELETE for a session, got SNAPSHOT: a session has no snapshot';

/**
 * SSM's rules for a parameter name: aws-cdk-lib's own (which it would throw from the parameter's
 * constructor), and the prefixes SSM reserves for itself, in any case, at the start of the name or
 * of its first level: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
 */
export function validateParameterName(name: string | undefined): string[] {
  if (name === undefined || Token.isUnresolved(name)) {
    return [];
  }
  if (name.length < 1 || name.length > PARAMETER_NAME_MAX_LENGTH || !/^[/\w.-]+$/.test(name)) {
    return [`parameterName must be 1 to ${PARAMETER_NAME_MAX_LENGTH} characters of letters, digits and . - _ /, got '${name}'`];
  }
  const firstLevel = name.replace(/^\//, '').toLowerCase();
  if (SSM_RESERVED_PREFIXES.some((prefix) => firstLevel.startsWith(prefix))) {
    return [
      `parameterName must not begin with ${SSM_RESERVED_PREFIXES.map((p) => `'${p}'`).join(' or ')} (in any case, after an optional '/'): SSM reserves them, got '${name}'`,
    ];
  }
  return [];
}

function validateApplicationId(applicationId: string): string[] {
  if (Token.isUnresolved(applicationId) || APPLICATION_ID.test(applicationId)) {
    return [];
  }
  return [`application id must be 1 to 64 characters of [0-9a-z], got '${applicationId}'`];
}

function validateExecutionRoleArn(arn: string, precreatedRoles = false): string[] {
  if (Token.isUnresolved(arn) || (precreatedRoles && PRECREATED_ROLE_PLACEHOLDER.test(arn))) {
    return [];
  }
  const { min, max } = EXECUTION_ROLE_ARN_LENGTH;
  if (arn.length < min || arn.length > max || !EXECUTION_ROLE_ARN.test(arn)) {
    return [
      `executionRole ARN must be an IAM role ARN of ${min} to ${max} characters ` +
        `(arn:<partition>:iam::<12-digit account>:role/<name>), got '${arn}'`,
    ];
  }
  return [];
}

function validateSessionName(name: string | undefined): string[] {
  if (name === undefined || Token.isUnresolved(name)) {
    return [];
  }
  if (name.length < 1 || name.length > NAME_MAX_LENGTH || !/\S/.test(name)) {
    return [`sessionName must be 1 to ${NAME_MAX_LENGTH} characters and not blank, got '${name}' (${name.length} characters)`];
  }
  return [];
}

/**
 * A duration whose amount is a token can only be given in the unit the template holds it in: it
 * cannot be converted at synth, and CloudFormation has no arithmetic.
 */
function validateTokenUnit(prop: string, duration: Duration, unit: 'minutes' | 'seconds'): string[] {
  const given = duration.unitLabel();
  return given === unit
    ? []
    : [
        `${prop} is a token in ${given}: write Duration.${unit}(<token>), the unit the template holds it in (a token cannot be converted at synth)`,
      ];
}

function validateIdleTimeout(idleTimeout: Duration | undefined): string[] {
  if (idleTimeout === undefined) {
    return [];
  }
  if (idleTimeout.isUnresolved()) {
    return validateTokenUnit('idleTimeout', idleTimeout, TEMPLATE_UNITS.idleTimeout);
  }
  const minutes = idleTimeout.toMilliseconds() / 60_000;
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > IDLE_TIMEOUT_MAX_MINUTES) {
    return [
      `idleTimeout must be a whole number of minutes between 0 and ${IDLE_TIMEOUT_MAX_MINUTES}, got ${describeDuration(idleTimeout)}`,
    ];
  }
  return [];
}

function validateStartTimeout(startTimeout: Duration | undefined): string[] {
  if (startTimeout === undefined) {
    return [];
  }
  if (startTimeout.isUnresolved()) {
    return validateTokenUnit('startTimeout', startTimeout, TEMPLATE_UNITS.startTimeout);
  }
  const seconds = startTimeout.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds) || seconds < START_TIMEOUT_MIN_SECONDS || seconds > START_TIMEOUT_MAX_SECONDS) {
    return [
      `startTimeout must be a whole number of seconds between ${START_TIMEOUT_MIN_SECONDS / 60} and ` +
        `${START_TIMEOUT_MAX_SECONDS / 60} minutes, got ${describeDuration(startTimeout)}`,
    ];
  }
  return [];
}

/** Props that are valid but probably not what the user means, one message each. */
export function sessionPropsWarnings(props: SessionProps): string[] {
  const idleTimeout = props.idleTimeout;
  if (idleTimeout === undefined || idleTimeout.isUnresolved()) {
    return [];
  }
  const minutes = idleTimeout.toMilliseconds() / 60_000;
  if (minutes === 0) {
    return [
      'idleTimeout is 0 minutes: EMR Serverless does not document what 0 means (the session may end as soon as it is idle, ' +
        'or never end for idleness); sessions end after 24 hours in any case',
    ];
  }
  if (minutes > SESSION_MAX_LIFETIME_MINUTES) {
    return [
      `idleTimeout is ${minutes} minutes, longer than a session lives: EMR Serverless ends every session after 24 hours ` +
        `(${SESSION_MAX_LIFETIME_MINUTES} minutes) whatever its activity, so an idle timeout above that has no effect`,
    ];
  }
  return [];
}

/**
 * The configuration classifications EMR Serverless documents for the engines a session runs:
 * `spark-defaults` and Hadoop's `emrfs-site`, `core-site`, `hive-site`, `tez-site` (EMR Serverless
 * User Guide, "EMR Serverless 6.6.0" release notes), and `spark-driver-log4j2`,
 * `spark-executor-log4j2` ("Configure Apache Log4j2 properties for Amazon EMR Serverless", 6.8.0
 * and later). The guide says the classifications vary by release and lists no complete set, so
 * the check warns about a near miss of one of these, never about a classification it does not know.
 */
export const DOCUMENTED_CLASSIFICATIONS = [
  'spark-defaults',
  'spark-driver-log4j2',
  'spark-executor-log4j2',
  'emrfs-site',
  'core-site',
  'hive-site',
  'tez-site',
] as const;
/** The edits (a letter added, removed or changed) within which a classification is taken for a typo of a documented one. */
const CLASSIFICATION_TYPO_DISTANCE = 2;

/** A warning for each top-level classification that looks like a typo of a documented one. */
export function classificationWarnings(configurations: readonly RuntimeConfiguration[] | undefined): string[] {
  if (configurations === undefined || Token.isUnresolved(configurations)) {
    return [];
  }
  return configurations.flatMap(({ classification }, index) => {
    if (Token.isUnresolved(classification) || (DOCUMENTED_CLASSIFICATIONS as readonly string[]).includes(classification)) {
      return [];
    }
    const near = DOCUMENTED_CLASSIFICATIONS.find(
      (documented) => editDistance(classification.toLowerCase(), documented) <= CLASSIFICATION_TYPO_DISTANCE,
    );
    return near
      ? [
          `runtimeConfiguration[${index}].classification '${classification}' is not a classification EMR Serverless documents; ` +
            `did you mean '${near}'? The session would start without those properties, or StartSession refuse it at deploy ` +
            `(documented: ${DOCUMENTED_CLASSIFICATIONS.join(', ')})`,
        ]
      : [];
  });
}

/** The fewest letters to add, remove or change to turn one string into the other (Levenshtein). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** A duration in its exact amount, never rounded: "46 minutes", "90 seconds", "61.5 seconds". */
function describeDuration(duration: Duration): string {
  const ms = duration.toMilliseconds();
  const [amount, unit] = ms % 60_000 === 0 ? [ms / 60_000, 'minute'] : [ms / 1000, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

function validateRuntimeConfiguration(configurations: readonly RuntimeConfiguration[] | undefined, path: string): string[] {
  if (configurations === undefined || Token.isUnresolved(configurations)) {
    return [];
  }
  const errors: string[] = [];
  if (configurations.length > CONFIGURATION_ITEMS_MAX) {
    errors.push(`${path} must have at most ${CONFIGURATION_ITEMS_MAX} entries, got ${configurations.length}`);
  }
  configurations.forEach((configuration, index) => {
    const at = `${path}[${index}]`;
    const classification = configuration.classification;
    if (!Token.isUnresolved(classification) && !isNonBlank(classification, CONFIGURATION_STRING_MAX_LENGTH)) {
      errors.push(`${at}.classification must be 1 to ${CONFIGURATION_STRING_MAX_LENGTH} characters and not blank, got '${classification}'`);
    }
    errors.push(...validateConfigurationProperties(configuration.properties, `${at}.properties`));
    errors.push(...validateRuntimeConfiguration(configuration.configurations, `${at}.configurations`));
  });
  return errors;
}

function validateConfigurationProperties(properties: { [key: string]: string } | undefined, path: string): string[] {
  if (properties === undefined || Token.isUnresolved(properties)) {
    return [];
  }
  const entries = Object.entries(properties);
  const errors: string[] = [];
  if (entries.length > CONFIGURATION_ITEMS_MAX) {
    errors.push(`${path} must have at most ${CONFIGURATION_ITEMS_MAX} entries, got ${entries.length}`);
  }
  for (const [key, value] of entries) {
    if (!Token.isUnresolved(key) && !isNonBlank(key, CONFIGURATION_STRING_MAX_LENGTH)) {
      errors.push(`${path} key must be 1 to ${CONFIGURATION_STRING_MAX_LENGTH} characters and not blank, got '${key}'`);
    }
    // The value is not echoed: Spark properties may hold secrets.
    if (!Token.isUnresolved(value) && value.length > CONFIGURATION_STRING_MAX_LENGTH) {
      errors.push(`${path}['${key}'] value must be at most ${CONFIGURATION_STRING_MAX_LENGTH} characters, got ${value.length}`);
    }
  }
  return errors;
}

export function validateTags(tags: { [key: string]: string }): string[] {
  if (Token.isUnresolved(tags)) {
    return [];
  }
  const entries = Object.entries(tags);
  const errors: string[] = [];
  if (entries.length > USER_TAGS_MAX) {
    errors.push(
      `tags must have at most ${USER_TAGS_MAX} entries (the service allows ${SERVICE_TAGS_MAX} and this library adds up to ${LIBRARY_TAG_COUNT}), got ${entries.length}`,
    );
  }
  for (const [key, value] of entries) {
    if (Token.isUnresolved(key)) {
      continue;
    }
    if (!TAG_KEY.test(key)) {
      errors.push(`tag key must be 1 to 128 characters of [A-Za-z0-9 /_.:=+@-], got '${key}'`);
    } else if (RESERVED_TAG_PREFIXES.some((prefix) => key.toLowerCase().startsWith(prefix.toLowerCase()))) {
      errors.push(`tag key must not start with ${RESERVED_TAG_PREFIXES.map((p) => `'${p}'`).join(' or ')}, in any case, got '${key}'`);
    }
    if (!Token.isUnresolved(value) && !TAG_VALUE.test(value)) {
      errors.push(`tag value for '${key}' must be 0 to 256 characters of [A-Za-z0-9 /_.:=+@-], got '${value}'`);
    }
  }
  return errors;
}

/** What an application defined in the same app lacks for sessions: errors, and warnings that may be fine. */
export interface ApplicationFindings {
  readonly errors: string[];
  readonly warnings: string[];
}

/**
 * The application's own preconditions for StartSession, checked where its values are known:
 * a Spark application on emr-7.13.0 or later with interactive sessions enabled, started or auto-started.
 */
export function checkApplication(application: CfnApplication): ApplicationFindings {
  const errors: string[] = [];
  const warnings: string[] = [];
  const release = application.releaseLabel;
  if (!Token.isUnresolved(release) && isOlderThanMinRelease(release)) {
    const { major, minor, patch } = MIN_RELEASE;
    errors.push(`application releaseLabel must be emr-${major}.${minor}.${patch} or later for interactive sessions, got '${release}'`);
  }
  const type = application.type;
  if (!Token.isUnresolved(type) && type.toUpperCase() !== 'SPARK') {
    errors.push(`application type must be SPARK for interactive sessions, got '${type}'`);
  }
  const interactive = application.interactiveConfiguration;
  if (!Token.isUnresolved(interactive)) {
    const enabled = (interactive as CfnApplication.InteractiveConfigurationProperty | undefined)?.sessionEnabled;
    if (!Token.isUnresolved(enabled) && enabled !== true) {
      errors.push(`application interactiveConfiguration.sessionEnabled must be true for interactive sessions, got ${enabled}`);
    }
  }
  const autoStart = application.autoStartConfiguration;
  if (!Token.isUnresolved(autoStart)) {
    const enabled = (autoStart as CfnApplication.AutoStartConfigurationProperty | undefined)?.enabled;
    if (enabled === false) {
      warnings.push(
        'application autoStartConfiguration.enabled is false: StartSession needs the application STARTED, ' +
          'so start it before this stack deploys or enable auto-start',
      );
    }
  }
  return { errors, warnings };
}

function isOlderThanMinRelease(release: string): boolean {
  const match = /^emr-(\d+)\.(\d+)\.(\d+)/.exec(release);
  if (!match) {
    return false; // not a versioned label; nothing to compare
  }
  const [major, minor, patch] = match.slice(1).map(Number);
  const min = MIN_RELEASE;
  return major !== min.major ? major < min.major : minor !== min.minor ? minor < min.minor : patch < min.patch;
}

function isNonBlank(value: string, maxLength: number): boolean {
  return value.length >= 1 && value.length <= maxLength && /\S/.test(value);
}

/** The service principal EMR Serverless assumes an execution role as, and the one it is passed to. */
export const EMR_SERVERLESS_PRINCIPAL = 'emr-serverless.amazonaws.com';

/**
 * A warning when an execution role defined in the app does not let EMR Serverless assume it (its
 * trust policy, resolved), so that StartSession would be refused at deploy. A policy that is a
 * token, or names principals as tokens, is not judged.
 */
export function checkExecutionRoleTrust(roleName: string, trustPolicy: unknown): string[] {
  const statements = (trustPolicy as { Statement?: unknown } | undefined)?.Statement;
  if (!Array.isArray(statements)) {
    return [];
  }
  const services = statements
    .filter((statement) => statement?.Effect === 'Allow')
    .flatMap((statement) => [statement?.Principal?.Service ?? []].flat());
  if (services.some((service) => typeof service !== 'string' || service === EMR_SERVERLESS_PRINCIPAL)) {
    return [];
  }
  return [
    `executionRole ${roleName} does not trust ${EMR_SERVERLESS_PRINCIPAL}, so StartSession will be refused: ` +
      `create it with assumedBy: new iam.ServicePrincipal('${EMR_SERVERLESS_PRINCIPAL}')`,
  ];
}

/**
 * The library's synth-time validation, as pure functions: no stack, no app. The boundary cases come
 * from the one table (`fixtures/start-session-constraints.ts`) that also holds the emulator to the API
 * reference, so the two cannot drift apart unseen.
 */
import { App, CfnParameter, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { SessionProps, SessionRenewal } from '../lib';
import { RENDERED_PROPERTIES_MAX_BYTES, validateRenderedSize } from '../lib/framework-limits';
import { checkApplication, classificationWarnings, sessionPropsWarnings, validateSessionProps, validateTags } from '../lib/validate-props';
import {
  BOUNDARY_CASES,
  BoundaryCase,
  libraryAccepts,
  StartSessionRequest,
  VALID_APPLICATION_ID,
  VALID_ROLE_ARN,
} from './fixtures/start-session-constraints';
import { sessionsApplication } from '../tools/session-stacks';

/** Session props that ask for the given StartSession request (the construct's side of the mapping). */
function propsFor(request: StartSessionRequest, extra: Partial<SessionProps> = {}): SessionProps {
  const applicationId = request.applicationId ?? VALID_APPLICATION_ID;
  return {
    application: {
      applicationRef: { applicationId, applicationArn: `arn:aws:emr-serverless:us-east-1:123456789012:/applications/${applicationId}` },
    } as emrserverless.IApplicationRef,
    executionRole: { roleArn: request.executionRoleArn ?? VALID_ROLE_ARN } as iam.IRole,
    sessionName: request.name,
    idleTimeout: request.idleTimeoutMinutes === undefined ? undefined : Duration.minutes(request.idleTimeoutMinutes),
    runtimeConfiguration: request.runtimeConfiguration,
    tags: request.tags,
    ...extra,
  };
}

describe('the boundary cases of the API reference', () => {
  test.each(BOUNDARY_CASES.map((c) => [c.name, c] as [string, BoundaryCase]))('%s', (_name, boundary) => {
    const errors = validateSessionProps(propsFor(boundary.request));
    expect(errors.length === 0 ? 'accepted' : `refused: ${errors.join('; ')}`).toMatch(
      libraryAccepts(boundary) ? /^accepted$/ : /^refused: /,
    );
  });

  test('the library differs from the service only where a case says why', () => {
    const differing = BOUNDARY_CASES.filter((c) => libraryAccepts(c) !== c.serviceAccepts).map((c) => `${c.name}: ${c.library?.why}`);
    expect(differing).toEqual([
      '200 tags: the library adds up to 4 tags of its own to every session',
      "a tag key starting with 'aws:': AWS reserves the 'aws:' prefix for its own tags; the pattern alone does not say so",
      "a tag key starting with 'cdk-emr-serverless-session:': the prefix is the handler’s: a user tag there would overwrite or forge the client-token tag",
    ]);
  });

  test('an error names the prop, the bad value and the allowed range', () => {
    expect(validateSessionProps(propsFor({ name: 'n'.repeat(257) }))).toEqual([
      `sessionName must be 1 to 256 characters and not blank, got '${'n'.repeat(257)}' (257 characters)`,
    ]);
    expect(validateSessionProps(propsFor({ tags: { 'aws:owner': 'v' } }))).toEqual([
      "tag key must not start with 'aws:' or 'cdk-emr-serverless-session:', in any case, got 'aws:owner'",
    ]);
  });
});

describe('durations', () => {
  test.each([
    [
      'idleTimeout',
      { idleTimeout: Duration.seconds(30) },
      'idleTimeout must be a whole number of minutes between 0 and 1000000, got 30 seconds',
    ],
    [
      'idleTimeout',
      { idleTimeout: Duration.millis(500) },
      'idleTimeout must be a whole number of minutes between 0 and 1000000, got 0.5 seconds',
    ],
    [
      'startTimeout',
      { startTimeout: Duration.seconds(61.5) },
      'startTimeout must be a whole number of seconds between 1 and 45 minutes, got 61.5 seconds',
    ],
    [
      'startTimeout',
      { startTimeout: Duration.seconds(59) },
      'startTimeout must be a whole number of seconds between 1 and 45 minutes, got 59 seconds',
    ],
    [
      'startTimeout',
      { startTimeout: Duration.minutes(46) },
      'startTimeout must be a whole number of seconds between 1 and 45 minutes, got 46 minutes',
    ],
  ])('fails with the exact %s it was given, never CDK’s conversion error', (_prop, extra, message) => {
    expect(validateSessionProps(propsFor({}, extra))).toEqual([message]);
  });

  test.each([Duration.minutes(1), Duration.minutes(45), Duration.seconds(90)])('accepts a start timeout of %s', (startTimeout) => {
    expect(validateSessionProps(propsFor({}, { startTimeout }))).toEqual([]);
  });
});

describe('every error, word for word: the prop (with its path), the bad value and the allowed range', () => {
  const longValue = 'v'.repeat(1025);
  test.each<[string, StartSessionRequest, string[]]>([
    ['application id', { applicationId: 'App_1' }, ["application id must be 1 to 64 characters of [0-9a-z], got 'App_1'"]],
    [
      'execution role',
      { executionRoleArn: 'arn:aws:iam::123456789012:user/someone' },
      [
        'executionRole ARN must be an IAM role ARN of 20 to 2048 characters (arn:<partition>:iam::<12-digit account>:role/<name>), ' +
          "got 'arn:aws:iam::123456789012:user/someone'",
      ],
    ],
    [
      'too many runtime configurations',
      { runtimeConfiguration: Array.from({ length: 101 }, () => ({ classification: 'c' })) },
      ['runtimeConfiguration must have at most 100 entries, got 101'],
    ],
    [
      'a blank classification, nested',
      { runtimeConfiguration: [{ classification: 'c', configurations: [{ classification: ' ' }] }] },
      ["runtimeConfiguration[0].configurations[0].classification must be 1 to 1024 characters and not blank, got ' '"],
    ],
    [
      'too many properties',
      {
        runtimeConfiguration: [
          { classification: 'c', properties: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])) },
        ],
      },
      ['runtimeConfiguration[0].properties must have at most 100 entries, got 101'],
    ],
    [
      'a blank property key',
      { runtimeConfiguration: [{ classification: 'c', properties: { ' ': 'v' } }] },
      ["runtimeConfiguration[0].properties key must be 1 to 1024 characters and not blank, got ' '"],
    ],
    [
      'a property value too long',
      { runtimeConfiguration: [{ classification: 'c', properties: { k: longValue } }] },
      ["runtimeConfiguration[0].properties['k'] value must be at most 1024 characters, got 1025"],
    ],
    [
      'too many tags',
      { tags: Object.fromEntries(Array.from({ length: 197 }, (_, i) => [`k${i}`, 'v'])) },
      ['tags must have at most 196 entries (the service allows 200 and this library adds up to 4), got 197'],
    ],
    ['a bad tag key', { tags: { 'bad#key': 'v' } }, ["tag key must be 1 to 128 characters of [A-Za-z0-9 /_.:=+@-], got 'bad#key'"]],
    [
      'a bad tag value',
      { tags: { k: 'bad#value' } },
      ["tag value for 'k' must be 0 to 256 characters of [A-Za-z0-9 /_.:=+@-], got 'bad#value'"],
    ],
  ])('%s', (_case, request, expected) => {
    expect(validateSessionProps(propsFor(request))).toEqual(expected);
  });

  test.each([
    ['something before it', `x${VALID_ROLE_ARN}`],
    ['something after it', `${VALID_ROLE_ARN} (old)`],
  ])('an execution role ARN with %s is refused', (_case, executionRoleArn) => {
    expect(validateSessionProps(propsFor({ executionRoleArn }))).toEqual([expect.stringMatching(/^executionRole ARN must be/)]);
  });
});

describe('warnings', () => {
  test('an idle timeout over 24 hours has no effect: sessions end after 24 hours', () => {
    expect(sessionPropsWarnings(propsFor({ idleTimeoutMinutes: 1441 }))).toEqual([
      'idleTimeout is 1441 minutes, longer than a session lives: EMR Serverless ends every session after 24 hours (1440 minutes) ' +
        'whatever its activity, so an idle timeout above that has no effect',
    ]);
    expect(sessionPropsWarnings(propsFor({ idleTimeoutMinutes: 1440 }))).toEqual([]);
  });

  test('an idle timeout of 0 is undocumented', () => {
    expect(sessionPropsWarnings(propsFor({ idleTimeoutMinutes: 0 }))).toEqual([
      'idleTimeout is 0 minutes: EMR Serverless does not document what 0 means (the session may end as soon as it is idle, ' +
        'or never end for idleness); sessions end after 24 hours in any case',
    ]);
  });

  test('no idle timeout, no warning', () => {
    expect(sessionPropsWarnings(propsFor({}))).toEqual([]);
  });

  const documented = 'spark-defaults, spark-driver-log4j2, spark-executor-log4j2, emrfs-site, core-site, hive-site, tez-site';
  test.each([
    ['spark-default', 'spark-defaults'],
    ['Spark-Defaults', 'spark-defaults'],
    ['spark-defualts', 'spark-defaults'],
    ['spark-driver-log4j', 'spark-driver-log4j2'],
    ['emrfs_site', 'emrfs-site'],
  ])('a classification %j, a near miss of a documented one, warns with the one it is close to', (classification, near) => {
    expect(classificationWarnings([{ classification, properties: { a: 'b' } }])).toEqual([
      `runtimeConfiguration[0].classification '${classification}' is not a classification EMR Serverless documents; ` +
        `did you mean '${near}'? The session would start without those properties, or StartSession refuse it at deploy ` +
        `(documented: ${documented})`,
    ]);
  });

  test.each(['spark-defaults', 'spark-executor-log4j2', 'spark-env', 'spark-hive-site', 'my-own-classification'])(
    'a classification %j, documented or not close to one, does not warn: the list is not complete',
    (classification) => {
      expect(classificationWarnings([{ classification }])).toEqual([]);
    },
  );

  test('each near miss is reported with its index, and a token is skipped', () => {
    const warnings = classificationWarnings([
      { classification: 'spark-defaults' },
      { classification: Lazy.string({ produce: () => 'spark-default' }) },
      { classification: 'core-sit' },
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(/^runtimeConfiguration\[2\]\.classification 'core-sit' .* did you mean 'core-site'\?/),
    ]);
  });
});

describe('the rendered size, which an update must fit twice into a Step Functions input', () => {
  const rendered = (runtimeConfiguration: unknown[]) => ({
    ApplicationId: { Ref: 'Application' } as unknown as string,
    ExecutionRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } as unknown as string,
    RuntimeConfiguration: runtimeConfiguration as never,
    Tags: { team: 'analytics' },
  });
  const configuration = (values: number) => ({
    Classification: 'spark-defaults',
    Properties: Object.fromEntries(Array.from({ length: values }, (_, i) => [`spark.p${String(i).padStart(4, '0')}`, 'v'.repeat(1000)])),
  });

  test('is at most half of 262,144 bytes less the framework fields', () => {
    expect(RENDERED_PROPERTIES_MAX_BYTES).toBe(126_976);
  });

  test('fails with what to shrink, and how large it is, when over the limit', () => {
    const [error] = validateRenderedSize(rendered([configuration(100), configuration(30)]));
    expect(error).toMatch(
      /^the session's properties take \d+ bytes rendered, more than the 126976 that fit: an update hands the old and the new properties to a Step Functions execution, whose input is limited to 262144 bytes; shrink runtimeConfiguration \(\d+ bytes\) or tags \(20 bytes\)$/,
    );
  });

  test('counts the application id and role ARN at their longest (64 and 2,048 characters), whatever the template holds', () => {
    const withReferences = rendered([configuration(100), configuration(30)]);
    const withShortLiterals = { ...withReferences, ApplicationId: 'a', ExecutionRoleArn: 'arn:aws:iam::123456789012:role/r' };
    const [measured] = validateRenderedSize(withReferences);
    expect(validateRenderedSize(withShortLiterals)).toEqual([measured]);
    const rest = Buffer.byteLength(JSON.stringify({ ...withReferences, ApplicationId: '', ExecutionRoleArn: '' }));
    expect(measured).toContain(`take ${rest + 64 + 2048} bytes`);
  });

  test('a large but fitting runtime configuration passes', () => {
    expect(validateRenderedSize(rendered([configuration(100)]))).toEqual([]);
  });
});

describe("the application's preconditions, where they are known at synth", () => {
  const stack = new Stack(new App(), 'ApplicationChecks');
  let count = 0;
  const application = (overrides: Partial<emrserverless.CfnApplicationProps> = {}) =>
    sessionsApplication(stack, `Application${count++}`, overrides);

  // A label that is not emr-X.Y.Z (a custom or a future scheme) is not compared.
  test.each(['emr-7.13.0', 'emr-7.13.1', 'emr-7.14.0', 'emr-8.0.0', 'emr-10.0.0', 'emr-serverless-latest', 'custom-emr-6.15.0'])(
    'accepts release %s',
    (releaseLabel) => {
      expect(checkApplication(application({ releaseLabel }))).toEqual({ errors: [], warnings: [] });
    },
  );

  test.each(['emr-7.12.9', 'emr-7.12.0', 'emr-6.15.0', 'emr-7.9.99'])('refuses release %s, older than emr-7.13.0', (releaseLabel) => {
    expect(checkApplication(application({ releaseLabel })).errors).toEqual([
      `application releaseLabel must be emr-7.13.0 or later for interactive sessions, got '${releaseLabel}'`,
    ]);
  });

  test('refuses a type other than SPARK, in any case', () => {
    expect(checkApplication(application({ type: 'spark' })).errors).toEqual([]);
    expect(checkApplication(application({ type: 'HIVE' })).errors).toEqual([
      "application type must be SPARK for interactive sessions, got 'HIVE'",
    ]);
  });

  test('refuses an application whose sessions are not enabled', () => {
    const message = (value: unknown) =>
      `application interactiveConfiguration.sessionEnabled must be true for interactive sessions, got ${value}`;
    expect(checkApplication(application({ interactiveConfiguration: { sessionEnabled: false } })).errors).toEqual([message(false)]);
    expect(checkApplication(application({ interactiveConfiguration: {} })).errors).toEqual([message(undefined)]);
    expect(checkApplication(application({ interactiveConfiguration: undefined })).errors).toEqual([message(undefined)]);
  });

  test('warns, not fails, when auto-start is off', () => {
    expect(checkApplication(application({ autoStartConfiguration: { enabled: false } }))).toEqual({
      errors: [],
      warnings: [
        'application autoStartConfiguration.enabled is false: StartSession needs the application STARTED, ' +
          'so start it before this stack deploys or enable auto-start',
      ],
    });
    expect(checkApplication(application({ autoStartConfiguration: { enabled: true } })).warnings).toEqual([]);
  });

  test('skips every check whose value is a token', () => {
    const token = new CfnParameter(stack, `Token${count++}`).valueAsString;
    const enabled = new CfnParameter(stack, `Enabled${count++}`).valueAsString as unknown as boolean;
    expect(
      checkApplication(application({ releaseLabel: token, type: token, interactiveConfiguration: { sessionEnabled: enabled } })),
    ).toEqual({ errors: [], warnings: [] });
  });

  test('skips the interactive configuration when it is a token as a whole', () => {
    const interactiveConfiguration = Lazy.any({ produce: () => ({ sessionEnabled: true }) });
    expect(checkApplication(application({ interactiveConfiguration }))).toEqual({ errors: [], warnings: [] });
  });
});

describe('tokens are skipped', () => {
  const stack = new Stack(new App(), 'Tokens');
  const token = () => new CfnParameter(stack, `P${stack.node.children.length}`).valueAsString;

  test('in the role ARN, the tags, and the renewal token', () => {
    const renewal = SessionRenewal.always(token());
    expect(validateSessionProps(propsFor({ executionRoleArn: token(), tags: { [token()]: token() } }, { renewal }))).toEqual([]);
    expect(validateTags(Token.asAny({ resolve: () => ({}) }) as unknown as Record<string, string>)).toEqual([]);
  });

  test('a renewal token that is valid passes', () => {
    expect(validateSessionProps(propsFor({}, { renewal: SessionRenewal.always('run-1') }))).toEqual([]);
  });

  test('a duration of one second or one minute is singular', () => {
    expect(validateSessionProps(propsFor({}, { startTimeout: Duration.seconds(1) }))).toEqual([
      'startTimeout must be a whole number of seconds between 1 and 45 minutes, got 1 second',
    ]);
    expect(validateSessionProps(propsFor({}, { idleTimeout: Duration.millis(60_500) }))).toEqual([
      'idleTimeout must be a whole number of minutes between 0 and 1000000, got 60.5 seconds',
    ]);
  });
});

describe('the mistakes a new user makes, each refused in the words of the prop they wrote', () => {
  const RENEWAL_FIX =
    ": give SessionRenewal.ifEnded(...) a value that changes on the deploys that should renew, with a default, for example this.node.tryGetContext('renewalToken') ?? 'initial'";
  const renewalError = (got: string, fix = '') =>
    `renewal token must be 1 to 256 characters of [A-Za-z0-9 /_.:=+@-] (it becomes a tag value), got ${got}${fix}`;
  const errorsOf = (extra: Partial<SessionProps>, context = {}) => validateSessionProps(propsFor({}, extra), context);

  test.each<[string, Partial<SessionProps>, string[]]>([
    [
      'a missing renewal token (tryGetContext is any)',
      { renewal: SessionRenewal.ifEnded(undefined as unknown as string) },
      [renewalError('undefined', RENEWAL_FIX)],
    ],
    ['an empty renewal token', { renewal: SessionRenewal.ifEnded('') }, [renewalError("''", RENEWAL_FIX)]],
    [
      'an empty renewal token for always',
      { renewal: SessionRenewal.always('') },
      [renewalError("''", RENEWAL_FIX.replace('SessionRenewal.ifEnded', 'SessionRenewal.always'))],
    ],
    ['a renewal token that is no tag value', { renewal: SessionRenewal.always('run#1') }, [renewalError("'run#1'")]],
    [
      'an idle timeout token in seconds',
      { idleTimeout: Duration.seconds(Token.asNumber({ Ref: 'Idle' })) },
      [
        'idleTimeout is a token in seconds: write Duration.minutes(<token>), the unit the template holds it in (a token cannot be converted at synth)',
      ],
    ],
    [
      'a start timeout token in minutes',
      { startTimeout: Duration.minutes(Token.asNumber({ Ref: 'Start' })) },
      [
        'startTimeout is a token in minutes: write Duration.seconds(<token>), the unit the template holds it in (a token cannot be converted at synth)',
      ],
    ],
    [
      'an AWS: tag key in capitals',
      { tags: { 'AWS:team': 'v' } },
      ["tag key must not start with 'aws:' or 'cdk-emr-serverless-session:', in any case, got 'AWS:team'"],
    ],
    [
      'a parameter name under /aws',
      { parameterName: '/aws/reserved/session' },
      [
        "parameterName must not begin with 'aws' or 'ssm' (in any case, after an optional '/'): SSM reserves them, got '/aws/reserved/session'",
      ],
    ],
    [
      'a parameter name beginning with SSM',
      { parameterName: 'SSM-session' },
      ["parameterName must not begin with 'aws' or 'ssm' (in any case, after an optional '/'): SSM reserves them, got 'SSM-session'"],
    ],
    [
      'a parameter name with a space',
      { parameterName: '/my session' },
      ["parameterName must be 1 to 2048 characters of letters, digits and . - _ /, got '/my session'"],
    ],
    [
      'a SNAPSHOT removal policy',
      { removalPolicy: RemovalPolicy.SNAPSHOT },
      ['removalPolicy must be DESTROY, RETAIN or RETAIN_ON_UPDATE_OR_DELETE for a session, got SNAPSHOT: a session has no snapshot'],
    ],
  ])('%s', (_case, extra, errors) => {
    expect(errorsOf(extra)).toEqual(errors);
  });

  test('a renewal token that resolves to nothing at synth (a Lazy producing undefined) is missing', () => {
    const lazy = Lazy.string({ produce: () => undefined });
    const stack = new Stack(new App(), 'Renewal');
    expect(errorsOf({ renewal: SessionRenewal.ifEnded(lazy) }, { resolve: (v: unknown) => stack.resolve(v) })).toEqual([
      renewalError('undefined', RENEWAL_FIX),
    ]);
  });

  test('a renewal token that resolves to a CloudFormation expression, or a valid string, passes', () => {
    const stack = new Stack(new App(), 'Renewal');
    const parameter = new CfnParameter(stack, 'RunId').valueAsString;
    const resolve = (v: unknown) => stack.resolve(v);
    expect(errorsOf({ renewal: SessionRenewal.ifEnded(parameter) }, { resolve })).toEqual([]);
    expect(errorsOf({ renewal: SessionRenewal.ifEnded(Lazy.string({ produce: () => 'run-7' })) }, { resolve })).toEqual([]);
  });

  test('durations given as tokens in the unit the template holds pass, and so does a token parameter name', () => {
    expect(
      errorsOf({
        idleTimeout: Duration.minutes(Token.asNumber({ Ref: 'Idle' })),
        startTimeout: Duration.seconds(Token.asNumber({ Ref: 'Start' })),
        parameterName: Token.asString({ Ref: 'Name' }),
      }),
    ).toEqual([]);
  });

  test('iam.Role.customizeRoles placeholders (an ARN with no role name yet) pass, and only then', () => {
    const placeholder = { executionRoleArn: 'arn:aws:iam::111122223333:role' };
    expect(validateSessionProps(propsFor(placeholder), { precreatedRoles: true })).toEqual([]);
    expect(validateSessionProps(propsFor(placeholder))).toEqual([expect.stringMatching(/^executionRole ARN must be an IAM role ARN/)]);
    const user = { executionRoleArn: 'arn:aws:iam::111122223333:user/alice' };
    expect(validateSessionProps(propsFor(user), { precreatedRoles: true })).toEqual([
      expect.stringMatching(/^executionRole ARN must be an IAM role ARN/),
    ]);
  });
});

/**
 * The whole lifecycle, offline: the bundled handler asset from a synthesized template, driven as
 * CloudFormation and the Provider framework drive it, talking through the real SDK over HTTP to the
 * local emulator. Time is compressed (`tools/local-cloud/local-clock.ts`): `Date` is a fake clock that
 * moves on by each wait, the waiter's between attempts and the handler's within an invocation.
 *
 * Every scenario ends with the emulator's counts: no client token started two sessions, and no live
 * session is one the stack does not own.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import { CLIENT_TOKEN_TAG, HANDLE_TAG, REQUESTED_SESSION_PREFIX } from '../../lambda/shared/contract';
import { SessionProps, SessionRenewal } from '../../lib';
import { CancelUpdate, CloudFormationDriver, CREATE_FAILED_MARKER, DeliverAgain } from '../../tools/local-cloud/cloudformation-driver';
import { applicationIdOf, driverFor, localApp, synthesize } from '../../tools/local-cloud/local-stack';
import { SessionsStack } from '../../tools/session-stacks';
import { Fault } from '../../tools/local-cloud/emulator';
import { awsCdkLibFile, HANDLER_BUNDLE } from '../../tools/installed-files';
import { headline, sessionIdOf, useLocalCloud } from './local-cloud-suite';

const cloud = useLocalCloud('Lifecycle scenarios');
const { emulator, expectInvariants } = cloud;
const sessionsStack = (count = 1, configure?: (stack: SessionsStack) => void) => cloud.sessionsStack('LifecycleStack', count, configure);
/** The options every hand-built driver of this suite takes. */
const clockOptions = () => cloud.driverOptions();

test('happy path: create waits until IDLE, attributes match the service, delete terminates', async () => {
  const driver = sessionsStack(1, (stack) => Tags.of(stack).add('project', 'analytics-platform'));
  const [created] = await driver.createStack();

  expect([created.status, created.reason]).toEqual(['SUCCESS', undefined]);
  const sessionId = sessionIdOf(created.physicalId);
  const applicationId = applicationIdOf('Application');
  expect(emulator.stateOf(sessionId)).toBe('IDLE');
  expect(created.polls).toBeGreaterThan(1);
  expect(created.data).toEqual({
    SessionId: sessionId,
    Arn: `arn:aws:emr-serverless:us-east-1:123456789012:/applications/${applicationId}/sessions/${sessionId}`,
    ApplicationId: applicationId,
    Endpoint: `https://${sessionId}.sessions.emr-serverless-emulator.local`,
  });
  const body = emulator.requestOf(sessionId);
  expect(body).toMatchObject({
    executionRoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\/ExecutionRole/),
    name: 'analytics-0',
    idleTimeoutMinutes: 30,
    configurationOverrides: {
      runtimeConfiguration: [
        { classification: 'spark-defaults', properties: { 'spark.executor.cores': '2', 'spark.executor.memory': '4g' } },
      ],
    },
    tags: {
      team: 'analytics',
      project: 'analytics-platform',
      [CLIENT_TOKEN_TAG]: expect.stringMatching(/^[0-9a-f]{64}$/),
      [HANDLE_TAG]: 'LifecycleStack/Session88DA29BA',
    },
  });
  expect(typeof body.idleTimeoutMinutes).toBe('number');
  expect(emulator.liveSessions()).toEqual([sessionId]);
  expectInvariants(driver);

  const [deleted] = await driver.deleteStack();
  expect(deleted.status).toBe('SUCCESS');
  expect(emulator.stateOf(sessionId)).toBe('TERMINATED');
  expect(emulator.liveSessions()).toEqual([]);
  // isComplete starts the session: every poll repeats StartSession with the same token.
  expect(emulator.callsOf('StartSession')).toHaveLength(created.polls);
  expect(emulator.sessionIds()).toEqual([sessionId]);
  expect(emulator.callsOf('TerminateSession')).toHaveLength(1);
  expectInvariants(driver);
});

test('CloudFormation hears of a usable session within one 2-second poll, and no invocation waits while it starts', async () => {
  const driver = sessionsStack();
  const [created] = await driver.createStack();

  expect(created.status).toBe('SUCCESS');
  const afterUsable = created.answeredAt - emulator.usableAt(sessionIdOf(created.physicalId))!;
  expect(afterUsable).toBeGreaterThanOrEqual(0);
  expect(afterUsable).toBeLessThanOrEqual(2_000);
  // Usable 50 s after StartSession: one look every 2 s, one StartSession and one GetSession each.
  expect(created.polls).toBeGreaterThanOrEqual(25);
  expect(emulator.callsOf('StartSession')).toHaveLength(created.polls);
  // No invocation waits on the clock: each one looks once and answers.
  const clockTimes = driver.framework.invocationLog.map((i) => i.endedAt - i.startedAt);
  expect(Math.max(...clockTimes)).toBeLessThan(1_000);
  expectInvariants(driver);
});

test('the same create delivered twice starts one session', async () => {
  const driver = sessionsStack();
  const result = await driver.create(driver.sessionLogicalIds[0], { afterMs: 0 });

  expect(result.status).toBe('SUCCESS');
  expect(emulator.sessionIds()).toHaveLength(1);
  expectInvariants(driver);
});

test('a StartSession response lost after commit is recovered by the retry with the same token', async () => {
  const driver = sessionsStack();
  emulator.injectFaults('StartSession', 'drop-after-commit');
  const [result] = await driver.createStack();

  expect(result.status).toBe('SUCCESS');
  expect(
    emulator
      .callsOf('StartSession')
      .map((r) => r.status)
      .slice(0, 2),
  ).toEqual([0, 200]);
  expect(emulator.sessionIds()).toEqual([sessionIdOf(result.physicalId)]);
  expectInvariants(driver);
});

test('a 500 then a 429 are retried, and one session starts', async () => {
  const driver = sessionsStack();
  emulator.injectFaults('StartSession', 'internal-error', 'throttle');
  const [result] = await driver.createStack();

  expect(result.status).toBe('SUCCESS');
  expect(
    emulator
      .callsOf('StartSession')
      .map((r) => r.status)
      .slice(0, 3),
  ).toEqual([500, 429, 200]);
  expect(emulator.sessionIds()).toHaveLength(1);
  expectInvariants(driver);
});

test('GetSession failing for a while during the wait does not fail the create', async () => {
  const driver = sessionsStack();
  // Three failed attempts are one whole poll (the SDK's retries); the next poll succeeds.
  emulator.injectFaults('GetSession', 'internal-error', 'throttle', 'internal-error');
  const [result] = await driver.createStack();

  expect(result.status).toBe('SUCCESS');
  expect(
    emulator
      .callsOf('GetSession')
      .slice(0, 3)
      .map((r) => r.status),
  ).toEqual([500, 429, 500]);
  expectInvariants(driver);
});

test('a StartSession that committed but never answered, then failed, is asked again at the next poll: one session, and SUCCESS', async () => {
  const driver = sessionsStack();
  emulator.injectFaults('StartSession', 'drop-after-commit', 'internal-error', 'internal-error');
  const [result] = await driver.createStack();

  expect(result.status).toBe('SUCCESS');
  expect(emulator.sessionIds()).toEqual([sessionIdOf(result.physicalId)]);
  expectInvariants(driver);
});

test('a StartSession that keeps failing fails the create after startTimeout, terminating what it may have started', async () => {
  const app = localApp();
  const stack = new SessionsStack(app, 'ThrottledStack', { count: 0 });
  stack.addSession('Throttled', { startTimeout: Duration.minutes(1) });
  const driver = driverFor(emulator, synthesize(app, stack), stack.stackName, clockOptions());
  emulator.injectFaults('StartSession', 'drop-after-commit', ...Array<Fault>(300).fill('internal-error'));
  const [result] = await driver.createStack();

  expect(result.status).toBe('FAILED');
  expect(headline(result.reason)).toMatch(
    /^StartSession was still failing 6\d seconds after the session was requested \(startTimeout 60\): InternalServerException: Injected internal error\. The session it started \(00f\w+\) has been terminated\./,
  );
  expect(emulator.liveSessions()).toEqual([]);
  expectInvariants(driver);
});

describe('the Provider framework fails after the handler answered (StartExecution of the waiter)', () => {
  test('a create fails with the reason, under the framework marker, and no session was started', async () => {
    const driver = sessionsStack();
    driver.failNextStartExecution();
    const [result] = await driver.createStack();

    expect(result).toMatchObject({ status: 'FAILED', physicalId: CREATE_FAILED_MARKER });
    expect(headline(result.reason)).toBe('ThrottlingException: Rate exceeded');
    expect(emulator.callsOf('StartSession')).toEqual([]);
    expect(emulator.liveSessions()).toEqual([]);
    expectInvariants(driver);
  });

  test('a replacing update fails with the reason, the original session is kept, and no new session was started', async () => {
    const driver = sessionsStack();
    const [logicalId] = driver.sessionLogicalIds;
    const [created] = await driver.createStack();
    driver.failNextStartExecution();

    const updated = await driver.update(logicalId, { ...driver.templateProperties(logicalId), Name: 'renamed' });
    expect(updated).toMatchObject({ status: 'FAILED', physicalId: created.physicalId });
    expect(headline(updated.reason)).toBe('ThrottlingException: Rate exceeded');
    expect(emulator.sessionIds()).toEqual([sessionIdOf(created.physicalId)]);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });
});

/**
 * CloudFormation takes another answer to a request while its waiter still starts a session: the
 * session is terminated once usable. The stack is created, then `update` renames its session (a
 * replacing update) as `again` and `cancel` say, after `beforeUpdate` has set up its faults.
 */
describe('CloudFormation takes another answer while the waiter starts a session', () => {
  /** What the waiter answers: FAILED, a reason CloudFormation ignores, having one already. */
  const TOOK_ANOTHER_ANSWER =
    /^CloudFormation took another answer to this request \(RequestId [\w-]+\) before session (00f\w+) was usable: the resource is (CREATE|UPDATE)_FAILED, physical id \S+, so it would never hold the session\. The session it started \(\1\) has been terminated\./;

  async function renameAfterCreate(beforeUpdate: (driver: CloudFormationDriver) => void, again?: DeliverAgain, cancel?: CancelUpdate) {
    const driver = sessionsStack();
    const [logicalId] = driver.sessionLogicalIds;
    const [created] = await driver.createStack();
    beforeUpdate(driver);
    const updated = await driver.update(logicalId, { ...driver.templateProperties(logicalId), Name: 'renamed' }, again, cancel);
    return { driver, created, updated };
  }

  // Found by the random histories (seed 20261202), shrunk to `1 session: create | update(S1: idle-timeout)
  // [fault: delivered again after 0 s, StartExecution throttled x3] | delete`, and then seen for a
  // create too: the other delivery's waiter started a session that nobody owned until its idle timeout.
  test('a create delivered twice, its first delivery failing at StartExecution: nothing is left', async () => {
    const driver = sessionsStack();
    driver.failNextStartExecution();
    const [result] = await driver.createStack({ afterMs: 0 });

    expect(result).toMatchObject({ status: 'FAILED', physicalId: CREATE_FAILED_MARKER });
    const [, other] = result.answers;
    expect(other.Status).toBe('FAILED');
    expect(headline(other.Reason)).toMatch(TOOK_ANOTHER_ANSWER);
    expect(emulator.sessionIds()).toHaveLength(1);
    expect(emulator.liveSessions()).toEqual([]);
    expectInvariants(driver);
  });

  test('a replacing update delivered twice, its first delivery failing at StartExecution: the old session is kept, the new one terminated', async () => {
    const { driver, created, updated } = await renameAfterCreate((d) => d.failNextStartExecution(), { afterMs: 0 });
    expect(updated).toMatchObject({ status: 'FAILED', physicalId: created.physicalId });
    expect(headline(updated.answers[1].Reason)).toMatch(TOOK_ANOTHER_ANSWER);
    expect(emulator.sessionIds()).toHaveLength(2);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });

  // The user cancels the deploy (cancel-update-stack) while the new session starts: CloudFormation
  // fails the update and rolls back, and the waiter, which nobody stops (aws/aws-cdk#31541), used to
  // start a session nobody owned.
  test('an update cancelled while its new session starts: the old session is kept, the new one terminated', async () => {
    const { driver, created, updated } = await renameAfterCreate(() => undefined, undefined, { afterMs: 0 });
    expect(updated).toMatchObject({ status: 'FAILED', physicalId: created.physicalId, reason: 'Resource update cancelled' });
    expect(headline(updated.answers[0].Reason)).toMatch(TOOK_ANOTHER_ANSWER);
    expect(emulator.sessionIds()).toHaveLength(2);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });

  // Found by the random histories (seed 20261202), shrunk to `2 sessions: create | update(S1:
  // idle-timeout) [cancelled after 0 s] [fault: ListSessions 500 x3] | delete`: the cleanup searched
  // for the session by its token, and a failing ListSessions left it running.
  test('an update cancelled while ListSessions fails and TerminateSession is throttled: the session is known, and terminated', async () => {
    const { driver, created, updated } = await renameAfterCreate(
      () => {
        emulator.injectFaults('ListSessions', 'internal-error', 'internal-error', 'internal-error');
        emulator.injectFaults('TerminateSession', 'throttle', 'throttle', 'throttle');
      },
      undefined,
      { afterMs: 0 },
    );
    expect(updated.status).toBe('FAILED');
    expect(headline(updated.answers[0].Reason)).toMatch(TOOK_ANOTHER_ANSWER);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });
});

describe('aws-cdk-lib Provider framework, run from the asset', () => {
  test("the framework code that ran is the template's asset, byte for byte aws-cdk-lib's runtime; the handler, the shipped bundle", async () => {
    const driver = sessionsStack();
    await driver.createStack();

    const runtime = awsCdkLibFile('custom-resources', 'lib', 'provider-framework', 'runtime');
    const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const ran = [...driver.framework.loadedFiles];
    const framework = ran.filter(([file]) => path.basename(file) !== 'index.js');
    expect(framework.map(([file]) => path.basename(file)).sort()).toEqual([
      'cfn-response.js',
      'consts.js',
      'framework.js',
      'outbound.js',
      'util.js',
    ]);
    for (const [file, hash] of framework) {
      expect(file.startsWith(driver.assemblyDir)).toBe(true);
      expect(hash).toBe(sha256(path.join(runtime, path.basename(file))));
    }
    // And the session handler it invoked is the bundle the construct ships, from its asset too.
    const [[handlerFile, handlerHash]] = ran.filter(([file]) => path.basename(file) === 'index.js');
    expect(handlerFile.startsWith(driver.assemblyDir)).toBe(true);
    expect(handlerHash).toBe(sha256(HANDLER_BUNDLE));
    expectInvariants(driver);
  });

  test("a lost Invoke response: the framework's SDK invokes the handler again, and one session starts", async () => {
    const driver = sessionsStack();
    driver.framework.dropNextInvokeResponse('onEvent');
    const [created] = await driver.createStack();

    expect(created.status).toBe('SUCCESS');
    expect(driver.framework.invocations.get('onEvent')).toBe(2);
    expect(emulator.sessionIds()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });

  test('a lost Invoke response of isComplete, after it started the session: the retry starts no second one', async () => {
    const driver = sessionsStack();
    driver.framework.dropNextInvokeResponse('isComplete');
    const [created] = await driver.createStack();

    expect(created.status).toBe('SUCCESS');
    expect(driver.framework.invocations.get('isComplete')).toBe(created.polls + 1);
    expect(emulator.callsOf('StartSession').length).toBe(created.polls + 1);
    expect(emulator.sessionIds()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });

  test("StartExecution throttled twice: the framework's SDK retries, and the create succeeds", async () => {
    const driver = sessionsStack();
    driver.framework.throttleStartExecution(2);
    const [created] = await driver.createStack();

    expect(created.status).toBe('SUCCESS');
    expect(driver.framework.startExecutionStatuses).toEqual([400, 400, 200]);
    expect(emulator.sessionIds()).toHaveLength(1);
    expectInvariants(driver);
  });

  test('a ResponseURL PUT that fails once is retried by the framework: CloudFormation gets SUCCESS', async () => {
    const driver = sessionsStack();
    driver.framework.failNextResponsePut();
    const [created] = await driver.createStack();

    expect(created.status).toBe('SUCCESS');
    expect(driver.framework.responsePutStatuses).toEqual([500, 200]);
    expectInvariants(driver);
  });

  test('the waiter running out of attempts (capped at 6): onTimeout fails the create, and the rollback terminates the session', async () => {
    const driver = sessionsStack();
    driver.framework.waiterOverrides = { maxAttempts: 6 };
    // A session that stays STARTING: every attempt polls for its whole window and says "not yet".
    emulator.stallNextSessionStart();
    const [created] = await driver.createStack();

    expect(created.polls).toBe(7);
    expect(created.status).toBe('FAILED');
    expect(headline(created.reason)).toBe('Operation timed out');
    expect(created.physicalId.startsWith(REQUESTED_SESSION_PREFIX)).toBe(true);
    expect(emulator.sessionIds()).toHaveLength(1);
    expect(emulator.liveSessions()).toEqual([]);
    expect(driver.deployed.size).toBe(0);
    expectInvariants(driver);
  });
});

test("an isComplete that outlasts its function's timeout fails as Lambda fails it; the rollback terminates the session", async () => {
  const app = localApp();
  const stack = new SessionsStack(app, 'LifecycleStack', { count: 1 });
  const assemblyDir = synthesize(app, stack);
  // The template's isComplete timeout, cut below what one GetSession then takes.
  const templateFile = path.join(assemblyDir, `${stack.stackName}.template.json`);
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  const isComplete = Object.values<any>(template.Resources).find((resource) => resource.Properties?.Handler === 'index.isComplete');
  isComplete.Properties.Timeout = 10;
  fs.writeFileSync(templateFile, JSON.stringify(template));
  const driver = driverFor(emulator, assemblyDir, stack.stackName, clockOptions());
  emulator.slowDownNext('GetSession', 15_000);
  const [created] = await driver.createStack();

  expect(created.status).toBe('FAILED');
  expect(created.reason).toContain('Task timed out after 10.00 seconds');
  expect(emulator.sessionIds()).toHaveLength(1);
  expect(emulator.liveSessions()).toEqual([]);
  expectInvariants(driver);
});

test('a session that fails to start fails the create with its state details, and nothing is left running', async () => {
  const driver = sessionsStack();
  emulator.failNextSessionStart('Insufficient vCPU capacity in the account');
  const [result] = await driver.createStack();

  expect(result.status).toBe('FAILED');
  expect(result.reason).toMatch(/is FAILED before it became usable: Insufficient vCPU capacity in the account/);
  // CloudFormation's rollback deleted it under the physical id the create reported.
  expect(driver.deployed.size).toBe(0);
  expect(emulator.liveSessions()).toEqual([]);
  expectInvariants(driver);
});

test('a session that does not start within startTimeout is terminated and fails the create', async () => {
  const app = localApp();
  const stack = new SessionsStack(app, 'SlowStack', { count: 0 });
  stack.addSession('Slow', { startTimeout: Duration.minutes(2) });
  const driver = driverFor(emulator, synthesize(app, stack), stack.stackName, clockOptions());
  emulator.stallNextSessionStart();
  const [result] = await driver.createStack();

  expect(result.status).toBe('FAILED');
  expect(result.reason).toMatch(/was still STARTING after 120 seconds \(startTimeout\) and has been terminated: Session is starting/);
  expect(emulator.liveSessions()).toEqual([]);
  expectInvariants(driver);
});

test('a session that ended by itself before delete is deleted without a TerminateSession', async () => {
  const driver = sessionsStack();
  const [created] = await driver.createStack();
  emulator.endSession(sessionIdOf(created.physicalId));

  const [deleted] = await driver.deleteStack();
  expect(deleted.status).toBe('SUCCESS');
  expect(emulator.callsOf('TerminateSession')).toHaveLength(0);
  expectInvariants(driver);
});

test('a session the service no longer knows is deleted successfully', async () => {
  const driver = sessionsStack();
  const [created] = await driver.createStack();
  emulator.forgetSession(sessionIdOf(created.physicalId));

  const [deleted] = await driver.deleteStack();
  expect(deleted.status).toBe('SUCCESS');
  expect(emulator.callsOf('GetSession').at(-1)?.status).toBe(404);
  expect(emulator.callsOf('TerminateSession')).toHaveLength(0);
  expectInvariants(driver);
});

test('a changed property replaces the session: exactly one live session afterwards, with the new properties', async () => {
  const driver = sessionsStack();
  const [logicalId] = driver.sessionLogicalIds;
  const [created] = await driver.createStack();
  const properties = { ...driver.templateProperties(logicalId), IdleTimeoutMinutes: '90', Name: 'renamed' };

  const updated = await driver.update(logicalId, properties);
  expect(updated.status).toBe('SUCCESS');
  expect(updated.physicalId).not.toBe(created.physicalId);
  const newId = sessionIdOf(updated.physicalId);
  expect(emulator.liveSessions()).toEqual([newId]);
  expect(emulator.requestOf(newId)).toMatchObject({ idleTimeoutMinutes: 90, name: 'renamed' });
  expect(emulator.stateOf(sessionIdOf(created.physicalId))).toBe('TERMINATED');
  expect(updated.data.SessionId).toBe(newId);
  expectInvariants(driver);
});

test.each([
  ['the new session fails to start', () => emulator.failNextSessionStart('Insufficient vCPU capacity')],
  ['StartSession refused', () => emulator.injectFaults('StartSession', 'not-found')],
])('a replacing update that fails (%s) rolls back to the original session, untouched', async (_case, injectFault) => {
  const driver = sessionsStack();
  const [logicalId] = driver.sessionLogicalIds;
  const [created] = await driver.createStack();
  injectFault();

  const updated = await driver.update(logicalId, { ...driver.templateProperties(logicalId), Name: 'renamed' });
  expect(updated.status).toBe('FAILED');
  const originalId = sessionIdOf(created.physicalId);
  expect(driver.deployed.get(logicalId)?.physicalId).toBe(created.physicalId);
  expect(emulator.liveSessions()).toEqual([originalId]);
  expect(emulator.stateOf(originalId)).toBe('IDLE');
  expectInvariants(driver);
});

test('a tag-only change is applied in place', async () => {
  const driver = sessionsStack();
  const [logicalId] = driver.sessionLogicalIds;
  const [created] = await driver.createStack();
  const before = driver.templateProperties(logicalId) as { Tags: Record<string, string> };
  const properties = { ...before, Tags: { ...before.Tags, team: 'platform', owner: 'ana' } };

  const updated = await driver.update(logicalId, properties);
  expect(updated.status).toBe('SUCCESS');
  expect(updated.physicalId).toBe(created.physicalId);
  expect(emulator.sessionIds()).toHaveLength(1);
  expect(emulator.tagsOf(sessionIdOf(created.physicalId))).toMatchObject({ team: 'platform', owner: 'ana' });
  expectInvariants(driver);
});

test('a stack with several sessions creates and deletes each of them once', async () => {
  const driver = sessionsStack(3);
  const results = await driver.createStack();

  expect(results.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  expect(emulator.liveSessions()).toHaveLength(3);
  expectInvariants(driver);
  await driver.deleteStack();
  expect(emulator.liveSessions()).toEqual([]);
  expect(emulator.sessionIds()).toHaveLength(3);
  expectInvariants(driver);
});

test('RETAIN leaves the session running, to end at its idle timeout', async () => {
  const driver = sessionsStack(1, (stack) => stack.sessions[0].applyRemovalPolicy(RemovalPolicy.RETAIN));
  const [created] = await driver.createStack();
  await driver.deleteStack();

  expect(emulator.liveSessions()).toEqual([sessionIdOf(created.physicalId)]);
  expect(emulator.requestOf(sessionIdOf(created.physicalId)).idleTimeoutMinutes).toBe(30);
  expect(emulator.callsOf('TerminateSession')).toHaveLength(0);
  expectInvariants(driver);
});

test('a StartSession the service refuses fails the create with its message, and starts nothing', async () => {
  const driver = sessionsStack();
  const applicationId = applicationIdOf('Application');
  emulator.addApplication(applicationId, { sessionEnabled: false });
  const [result] = await driver.createStack();

  expect(result.status).toBe('FAILED');
  expect(headline(result.reason)).toMatch(
    new RegExp(
      `^StartSession failed: ValidationException: Interactive sessions are not enabled on application ${applicationId}\\. ` +
        'No session was started\\. \\(handler log group: ',
    ),
  );
  // The framework adds where it thinks the logs are; the handler names the log group it really writes to.
  // The log group CloudFormation named, from the stack's name and id: the one the rollback leaves.
  const stackUuid = driver.stackId.split('/')[2];
  expect(result.reason).toContain(`(handler log group: /cdk-emr-serverless-session/LifecycleStack/${stackUuid})`);
  expect(result.reason).toContain('Logs: /aws/lambda/');
  expect(emulator.sessionIds()).toEqual([]);
  // Only the rollback's Delete looks for a session with the request's token (the physical id names
  // a requested session), and terminates none.
  expect(driver.deployed.size).toBe(0);
  expect(emulator.callsOf('TerminateSession')).toHaveLength(0);
  expectInvariants(driver);
});

describe('sessions over days', () => {
  /** The fixture's stack with one session configured by `props` alone, and a driver for it. */
  function stackWith(props: Partial<SessionProps>): CloudFormationDriver {
    const app = localApp();
    const stack = new SessionsStack(app, 'OverDaysStack', { count: 0 });
    stack.addSession('Session', props);
    return driverFor(emulator, synthesize(app, stack), stack.stackName, clockOptions());
  }

  async function deployWithToken(driver: CloudFormationDriver, token: string) {
    const [logicalId] = driver.sessionLogicalIds;
    return driver.update(logicalId, { ...driver.templateProperties(logicalId), RenewalToken: token });
  }

  test('ifEnded: a new token keeps a live session (same physical id, no StartSession)', async () => {
    const driver = stackWith({ renewal: SessionRenewal.ifEnded('run-1') });
    const [created] = await driver.createStack();
    const startsBefore = emulator.callsOf('StartSession').length;

    const renewed = await deployWithToken(driver, 'run-2');
    expect(renewed).toMatchObject({ status: 'SUCCESS', physicalId: created.physicalId });
    expect(emulator.callsOf('StartSession')).toHaveLength(startsBefore);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });

  test('ifEnded: a new token replaces an ended session, and the old one is deleted tolerantly', async () => {
    const driver = stackWith({ renewal: SessionRenewal.ifEnded('run-1') });
    const [created] = await driver.createStack();
    emulator.endSession(sessionIdOf(created.physicalId));

    const renewed = await deployWithToken(driver, 'run-2');
    expect(renewed.status).toBe('SUCCESS');
    expect(renewed.physicalId).not.toBe(created.physicalId);
    const newId = sessionIdOf(renewed.physicalId);
    expect(emulator.liveSessions()).toEqual([newId]);
    expect(emulator.tagsOf(newId)).toMatchObject({ 'cdk-emr-serverless-session:renewal-token': 'run-2' });
    // The cleanup Delete found the old session ended: nothing to terminate.
    expect(emulator.callsOf('TerminateSession')).toHaveLength(0);
    expectInvariants(driver);
  });

  test('always: a new token replaces a live session, then CloudFormation deletes the old one', async () => {
    const driver = stackWith({ renewal: SessionRenewal.always('2026-11-28') });
    const [created] = await driver.createStack();

    const renewed = await deployWithToken(driver, '2026-11-29');
    expect(renewed.status).toBe('SUCCESS');
    expect(renewed.physicalId).not.toBe(created.physicalId);
    expect(emulator.stateOf(sessionIdOf(created.physicalId))).toBe('TERMINATED');
    expect(emulator.liveSessions()).toEqual([sessionIdOf(renewed.physicalId)]);
    expectInvariants(driver);
  });

  test('always: a renewal that fails rolls back to the session started under the old token', async () => {
    const driver = stackWith({ renewal: SessionRenewal.always('2026-11-28') });
    const [created] = await driver.createStack();
    emulator.failNextSessionStart('Insufficient vCPU capacity');

    const renewed = await deployWithToken(driver, '2026-11-29');
    expect(renewed.status).toBe('FAILED');
    expect(driver.deployed.get(driver.sessionLogicalIds[0])?.physicalId).toBe(created.physicalId);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });

  // Found by the random histories (npm run fuzz -- --seed 2 --runs 200), shrunk to
  // `2 sessions: create | update(S2: renewal-if-ended) | S2 ends (idle timeout) | replay(S2: last Update) | delete`.
  test('an Update delivered again after the session it kept has ended keeps it again, and starts nothing', async () => {
    const driver = stackWith({ renewal: SessionRenewal.ifEnded('run-1') });
    const [created] = await driver.createStack();
    const kept = await deployWithToken(driver, 'run-2');
    expect(kept.physicalId).toBe(created.physicalId);
    emulator.endSession(sessionIdOf(created.physicalId));
    const startsBefore = emulator.callsOf('StartSession').length;

    await driver.redeliverLast(driver.sessionLogicalIds[0], 'Update');
    expect(emulator.callsOf('StartSession')).toHaveLength(startsBefore);
    expect(emulator.liveSessions()).toEqual([]);
    expectInvariants(driver);
  });

  // Found by the random histories (seed 7, 60 samples), shrunk to
  // `1 session: create | update(S1: renewal-always) [fault: StartSession refused: quota, delivered again after 15.849 s] | delete`.
  test('a renewal delivered twice while StartSession is refused for the session quota: both deliveries wait, one session, held by the stack', async () => {
    const driver = stackWith({ renewal: SessionRenewal.always('2026-11-28') });
    await driver.createStack();
    emulator.injectFaults('StartSession', 'quota');
    const [logicalId] = driver.sessionLogicalIds;

    const renewed = await driver.update(
      logicalId,
      { ...driver.templateProperties(logicalId), RenewalToken: '2026-11-29' },
      { afterMs: 15_849 },
    );
    expect(renewed.status).toBe('SUCCESS');
    expect(renewed.answers.map((answer) => answer.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(renewed.physicalId)]);
    expectInvariants(driver);
  });

  test('the SSM parameter holds the current ARN after every renewal', async () => {
    const driver = stackWith({ renewal: SessionRenewal.always('run-1'), parameterName: '/analytics/session-arn' });
    const [parameterId] = driver.logicalIdsOf('AWS::SSM::Parameter');
    const [created] = await driver.createStack();
    expect(driver.currentProperty(parameterId, 'Value')).toBe(created.physicalId);

    const renewed = await deployWithToken(driver, 'run-2');
    expect(driver.currentProperty(parameterId, 'Value')).toBe(renewed.physicalId);
    expect(renewed.physicalId).not.toBe(created.physicalId);
    expectInvariants(driver);
  });

  test('the endpoint is returned; its auth token is in no response, log line or stored state', async () => {
    const driver = stackWith({});
    const [created] = await driver.createStack();

    expect(created.data.Endpoint).toBe(`https://${sessionIdOf(created.physicalId)}.sessions.emr-serverless-emulator.local`);
    expect(emulator.authTokensIssued.length).toBeGreaterThan(0);
    const everything = [
      JSON.stringify(created),
      JSON.stringify([...driver.deployed.values()]),
      ...cloud.logLines().log,
      ...cloud.logLines().debug,
    ].join('\n');
    // The SDK's DEBUG log saw GetSessionEndpoint's answer, with the token redacted.
    expect(cloud.logLines().debug.join('\n')).toMatch(/GetSessionEndpointCommand.*SensitiveInformation/);
    for (const token of emulator.authTokensIssued) {
      expect(everything).not.toContain(token);
    }
    expectInvariants(driver);
  });
});

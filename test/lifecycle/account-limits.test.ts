/**
 * Deploys inside a real account's limits, through the same local cloud as the lifecycle suite:
 * Lambda's concurrency shared by every function (new accounts may have 10), a rate limit on the
 * session API (none is published for sessions; 10 a second, GetJobRun's, is the one designed for),
 * a waiter whose invocations Lambda throttles, and CloudFormation delivering a request again with
 * the same RequestId, at once or long after. Every scenario ends on the suite's invariants.
 */
import { CONCURRENT_REQUESTS_DEFAULT } from '../../lib/session-provider';
import { headline, sessionIdOf, useLocalCloud } from './local-cloud-suite';

const cloud = useLocalCloud('Account limits');
const { emulator, expectInvariants } = cloud;

describe('many sessions in one deploy', () => {
  test('25 sessions, Lambda concurrency 10, GetSession 10 a second: every one SUCCESS, one session each; one delete ends all 25', async () => {
    const driver = cloud.sessionsStack('ManySessions', 25, undefined, { concurrencyLimit: 10 });
    emulator.limitRate('GetSession', 10);
    // Usable 60 to 120 s after StartSession (10 s SUBMITTED, then STARTING).
    emulator.startNextSessionIn(...Array.from({ length: 25 }, (_, k) => 50_000 + k * 2_500));
    const startedAt = Date.now();
    const created = await driver.createStack();

    expect(created.map((r) => r.status)).toEqual(Array(25).fill('SUCCESS'));
    expect(new Set(created.map((r) => r.physicalId)).size).toBe(25);
    expect(emulator.liveSessions()).toHaveLength(25);
    expectInvariants(driver);
    // The stack's lanes keep it within the limit: no invocation of its own was ever throttled.
    expect(driver.framework.peakConcurrency).toBeLessThanOrEqual(2 * CONCURRENT_REQUESTS_DEFAULT);
    expect(driver.framework.throttles).toEqual({ invoke: 0, waiterTask: 0, asyncEvent: 0 });
    expect(emulator.peakRate('GetSession')).toBeLessThanOrEqual(10);
    // Five lanes of five sessions, each 60 to 120 s: well under the 20-minute start timeout.
    expect(Date.now() - startedAt).toBeLessThan(10 * 60_000);

    const deleted = await driver.deleteStack();
    expect(deleted.map((r) => r.status)).toEqual(Array(25).fill('SUCCESS'));
    expect(emulator.liveSessions()).toEqual([]);
    expectInvariants(driver);
  });

  test('every session operation limited to 2 calls a second: calls are throttled, and nothing fails', async () => {
    const driver = cloud.sessionsStack('RateLimited', 3);
    for (const operation of ['StartSession', 'GetSession', 'GetSessionEndpoint', 'TerminateSession'] as const) {
      emulator.limitRate(operation, 2);
    }
    // Usable 15 s after StartSession: enough polls to meet the limit, few enough to stay quick.
    emulator.startNextSessionIn(5_000, 5_000, 5_000);
    const created = await driver.createStack();
    expect(created.map((r) => [r.status, r.reason])).toEqual(Array(3).fill(['SUCCESS', undefined]));
    const throttled = emulator.requests.filter((r) => r.status === 429).length;
    expect(throttled).toBeGreaterThan(0);

    const deleted = await driver.deleteStack();
    expect(deleted.map((r) => r.status)).toEqual(Array(3).fill('SUCCESS'));
    expect(emulator.liveSessions()).toEqual([]);
    expectInvariants(driver);
  });
});

describe("the waiter's budget is one of time", () => {
  test("Lambda throttles the waiter's invocations for 10 minutes, the session is usable after 12: the create succeeds", async () => {
    const driver = cloud.sessionsStack('ThrottledWaiter');
    // isComplete starts the session, at the first attempt Lambda lets through; it is usable 2 minutes later.
    emulator.startNextSessionIn(2 * 60_000 - 10_000);
    driver.framework.throttleWaiterTasksFor(10 * 60_000);
    const requestedAt = Date.now();
    const [created] = await driver.createStack();

    expect([created.status, headline(created.reason)]).toEqual(['SUCCESS', undefined]);
    const usableAt = emulator.usableAt(sessionIdOf(created.physicalId))!;
    expect(Math.round((usableAt - requestedAt) / 60_000)).toBe(12);
    expect(created.answeredAt - usableAt).toBeLessThanOrEqual(2_000);
    // Every throttled attempt spent one of the waiter's: more than the 113 of an attempt budget sized for 30-second windows.
    expect(driver.framework.throttles.waiterTask).toBeGreaterThan(113);
    expectInvariants(driver);
  });

  test('fails: with the attempts of a budget sized for 30-second windows (113), the same create never hears back', async () => {
    const driver = cloud.sessionsStack('ThrottledWaiter');
    emulator.startNextSessionIn(2 * 60_000 - 10_000);
    driver.framework.throttleWaiterTasksFor(10 * 60_000);
    driver.framework.waiterOverrides = { maxAttempts: 113 };
    // onTimeout cannot read a throttled attempt's error, throws, and CloudFormation waits for its ServiceTimeout.
    await expect(driver.createStack()).rejects.toThrow('the framework never answered CloudFormation for Create');
    expect(driver.framework.failedExecutions.map((e) => e.name)).toEqual(['Lambda.TooManyRequestsException']);
  });
});

describe('a request delivered again, with the same RequestId', () => {
  test('a create delivered again 5 s later, while the first waits: one session, and both answers agree', async () => {
    const driver = cloud.sessionsStack('Redelivered');
    const [logicalId] = driver.sessionLogicalIds;
    const created = await driver.create(logicalId, { afterMs: 5_000 });

    expect(created.status).toBe('SUCCESS');
    expect(created.answers).toHaveLength(2);
    expect(created.answers.map((a) => [a.Status, a.PhysicalResourceId, a.Data])).toEqual(
      Array(2).fill(['SUCCESS', created.physicalId, created.data]),
    );
    expect(emulator.sessionIds()).toEqual([sessionIdOf(created.physicalId)]);
    expectInvariants(driver);
  });

  test('a replacing update delivered again: one new session, the old one deleted once, nothing the stack owns terminated', async () => {
    const driver = cloud.sessionsStack('Redelivered');
    const [logicalId] = driver.sessionLogicalIds;
    const [created] = await driver.createStack();
    const updated = await driver.update(logicalId, { ...driver.templateProperties(logicalId), Name: 'renamed' }, { afterMs: 3_000 });

    expect(updated.status).toBe('SUCCESS');
    expect(updated.answers.map((a) => a.PhysicalResourceId)).toEqual([updated.physicalId, updated.physicalId]);
    expect(emulator.sessionIds()).toEqual([sessionIdOf(created.physicalId), sessionIdOf(updated.physicalId)]);
    expect(emulator.liveSessions()).toEqual([sessionIdOf(updated.physicalId)]);
    expectInvariants(driver);
  });

  test('a delete delivered again: both answer SUCCESS, and the session is terminated once', async () => {
    const driver = cloud.sessionsStack('Redelivered');
    const [logicalId] = driver.sessionLogicalIds;
    await driver.createStack();
    const deleted = await driver.delete(logicalId, { afterMs: 1_000 });

    expect(deleted.answers.map((a) => a.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(emulator.liveSessions()).toEqual([]);
    expect(emulator.callsOf('TerminateSession').filter((r) => r.status === 200)).toHaveLength(1);
    expectInvariants(driver);
  });

  test('a create delivered again after its session served and ended: a clear failure, and no second session', async () => {
    const driver = cloud.sessionsStack('Replayed');
    const [logicalId] = driver.sessionLogicalIds;
    const [created] = await driver.createStack();
    const sessionId = sessionIdOf(created.physicalId);
    emulator.endSession(sessionId);

    const replayed = await driver.redeliverLast(logicalId, 'Create');
    expect(replayed.Status).toBe('FAILED');
    expect(headline(replayed.Reason)).toMatch(
      new RegExp(
        `^this request \\(RequestId [0-9a-f-]{36}\\) already started session ${sessionId}, which was usable from \\S+ and is ` +
          'TERMINATED now \\(Session terminated after idle timeout\\)\\. A request delivered again never starts a second session: ' +
          'deploy again, and the new request starts a new one\\.',
      ),
    );
    expect(emulator.sessionIds()).toEqual([sessionId]);
    // CloudFormation holds its first answer: the stack still names the session, which ended on its own.
    expect(driver.deployed.get(logicalId)?.physicalId).toBe(created.physicalId);
    expectInvariants(driver);
  });

  test('a create delivered again after its session failed to start: the same failure, and no second session', async () => {
    const driver = cloud.sessionsStack('Replayed');
    const [logicalId] = driver.sessionLogicalIds;
    emulator.failNextSessionStart('Insufficient vCPU capacity in the account');
    const [created] = await driver.createStack();
    expect(created.status).toBe('FAILED');

    const replayed = await driver.redeliverLast(logicalId, 'Create');
    expect(replayed.Status).toBe('FAILED');
    expect(headline(replayed.Reason)).toMatch(/is FAILED before it became usable: Insufficient vCPU capacity in the account/);
    expect(emulator.sessionIds()).toHaveLength(1);
    expect(emulator.liveSessions()).toEqual([]);
    expectInvariants(driver);
  });
});

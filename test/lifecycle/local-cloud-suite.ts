/**
 * What every suite that deploys through the local cloud shares: one emulator for the suite, a
 * compressed clock and quiet handler logs for each test, drivers on that clock, and the check that
 * ends every scenario (no client token started two sessions; no live session is one the stack does
 * not own; no invocation of the handler made more SDK calls than its timeout was computed for),
 * whose counts the suite prints as a table when it is done.
 */
import { CLOUDFORMATION_CALLS_PER_INVOCATION, SDK_CALLS_PER_INVOCATION } from '../../lib/handler-budget';
import { localCloudFormationApi } from '../../tools/local-cloud/cloudformation-api';
import { AccountLimits, CloudFormationDriver, DriverOptions } from '../../tools/local-cloud/cloudformation-driver';
import { EmrServerlessEmulator, EmulatorOptions, Operation } from '../../tools/local-cloud/emulator';
import { LocalClock } from '../../tools/local-cloud/local-clock';
import { driverFor, localApp, onTheClock, removeLocalApps, synthesize, useEmulatorEndpoint } from '../../tools/local-cloud/local-stack';
import { SessionsStack } from '../../tools/session-stacks';

export interface LocalCloudSuite {
  readonly emulator: EmrServerlessEmulator;
  /** The test's clock. */
  readonly clock: () => LocalClock;
  /** The options of a driver on the test's clock. */
  driverOptions(limits?: AccountLimits): Pick<DriverOptions, 'wait' | 'clock'> & AccountLimits;
  /** The fixture's stack with `count` sessions (and whatever `configure` adds), and a driver for it. */
  sessionsStack(
    stackName: string,
    count?: number,
    configure?: (stack: SessionsStack) => void,
    limits?: AccountLimits,
  ): CloudFormationDriver;
  /** The handler's log lines (console.log) and the SDK's (console.debug) in this test, as printed. */
  logLines(): { log: string[]; debug: string[] };
  /**
   * No token started two sessions; every live session is one the stack holds (or deliberately
   * retained); no invocation made more SDK calls than `SDK_CALLS_PER_INVOCATION` and
   * `CLOUDFORMATION_CALLS_PER_INVOCATION`, by the emulator's and CloudFormation's stand-in's count.
   */
  expectInvariants(driver: CloudFormationDriver): void;
}

/** The first line of a failure reason: the framework appends the log location and, for its own errors, a stack. */
export function headline(reason: string | undefined): string | undefined {
  return reason?.split('\n')[0];
}

export function sessionIdOf(physicalId: string): string {
  return physicalId.split('/').pop()!;
}

/**
 * The SDK calls each of the handler's invocations made, as the emulator and CloudFormation's stand-in
 * received them, without those of a search (ListSessions, and the GetSession of each session it
 * lists), which has an allowance of time of its own in the budget.
 */
function handlerCalls(
  driver: CloudFormationDriver,
  emulator: EmrServerlessEmulator,
): { exportName: HandlerExport; calls: HandlerCall[] }[] {
  const operationOf = new Map<string | undefined, HandlerCall>([
    ...emulator.requests.map((r) => [r.sdkCallId, r.operation] as const),
    ...localCloudFormationApi.calls.map((c) => [c.sdkCallId, 'DescribeStackResource'] as const),
  ]);
  return driver.framework.invocationLog
    .filter((invocation) => invocation.handlerExport !== undefined)
    .map((invocation) => ({
      exportName: invocation.handlerExport as HandlerExport,
      calls: outsideSearch(invocation.sdkCallIds.flatMap((id) => operationOf.get(id) ?? [])),
    }));
}

type HandlerExport = keyof typeof SDK_CALLS_PER_INVOCATION;
type HandlerCall = Operation | 'DescribeStackResource';

/** The most SDK calls one invocation of each handler function made. */
function mostCalls(invocations: { exportName: HandlerExport; calls: HandlerCall[] }[], exportName: HandlerExport): number {
  return Math.max(0, ...invocations.filter((i) => i.exportName === exportName).map((i) => i.calls.length));
}

/** The calls that are not part of a search: a ListSessions and every GetSession after the first one. */
function outsideSearch(operations: HandlerCall[]): HandlerCall[] {
  const searchFrom = operations.indexOf('ListSessions');
  return operations.filter(
    (operation, index) => operation !== 'ListSessions' && !(operation === 'GetSession' && searchFrom >= 0 && index > searchFrom),
  );
}

/** Registers the suite's hooks; `title` heads the table of scenario counts printed at the end. */
export function useLocalCloud(title: string, emulatorOptions: EmulatorOptions = {}): LocalCloudSuite {
  const emulator = new EmrServerlessEmulator(emulatorOptions);
  let clock: LocalClock;
  let logSpy: jest.SpyInstance;
  let debugSpy: jest.SpyInstance;
  const scenarioCounts = new Map<
    string,
    { startCalls: number; sessions: number; terminateCalls: number; live: number; duplicates: number; unowned: number; mostCalls: string }
  >();

  beforeAll(async () => {
    useEmulatorEndpoint(await emulator.start());
  });
  afterAll(() => emulator.stop());
  afterAll(removeLocalApps);
  beforeEach(() => {
    emulator.reset();
    clock = LocalClock.install();
    logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    debugSpy = jest.spyOn(console, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => {
    clock.uninstall();
    logSpy.mockRestore();
    debugSpy.mockRestore();
  });
  afterAll(() => {
    const rows = [...scenarioCounts].map(
      ([name, c]) =>
        `| ${name} | ${c.startCalls} | ${c.sessions} | ${c.terminateCalls} | ${c.live} | ${c.duplicates} | ${c.unowned} | ${c.mostCalls} |`,
    );
    process.stdout.write(
      [
        `\n${title} (emulator counts at the end of each):`,
        '| scenario | StartSession calls | sessions started | TerminateSession calls | live at end | duplicates | live, not owned | most SDK calls in an onEvent / isComplete |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
        '',
      ].join('\n'),
    );
  });

  const driverOptions = (limits: AccountLimits = {}) => ({ ...onTheClock(clock), ...limits });
  return {
    emulator,
    clock: () => clock,
    driverOptions,
    sessionsStack(stackName, count = 1, configure, limits) {
      const app = localApp();
      const stack = new SessionsStack(app, stackName, { count });
      configure?.(stack);
      return driverFor(emulator, synthesize(app, stack), stack.stackName, driverOptions(limits));
    },
    logLines: () => ({
      log: logSpy.mock.calls.map((call) => call.join(' ')),
      debug: debugSpy.mock.calls.map((call) => call.join(' ')),
    }),
    expectInvariants(driver) {
      const duplicates = [...emulator.sessionsPerToken().values()].filter((count) => count > 1);
      const owned = new Set(
        [...driver.deployed.values(), ...driver.retained.map((physicalId) => ({ physicalId }))].map((d) => sessionIdOf(d.physicalId)),
      );
      const unowned = emulator.liveSessions().filter((id) => !owned.has(id));
      const invocations = handlerCalls(driver, emulator);
      scenarioCounts.set(expect.getState().currentTestName!, {
        startCalls: emulator.callsOf('StartSession').length,
        sessions: emulator.sessionIds().length,
        terminateCalls: emulator.callsOf('TerminateSession').length,
        live: emulator.liveSessions().length,
        duplicates: duplicates.length,
        unowned: unowned.length,
        mostCalls: `${mostCalls(invocations, 'onEvent')} / ${mostCalls(invocations, 'isComplete')}`,
      });
      expect(duplicates).toEqual([]);
      expect(unowned).toEqual([]);
      const isCloudFormation = (call: HandlerCall) => call === 'DescribeStackResource';
      const overBudget = invocations
        .filter(
          ({ exportName, calls }) =>
            calls.filter((call) => !isCloudFormation(call)).length > SDK_CALLS_PER_INVOCATION[exportName] ||
            calls.filter(isCloudFormation).length > CLOUDFORMATION_CALLS_PER_INVOCATION[exportName],
        )
        .map(({ exportName, calls }) => `${exportName}: ${calls.join(', ')}`);
      expect(overBudget).toEqual([]);
    },
  };
}

/**
 * What a create asks of the account, for three ways of waiting on a session, measured in the same
 * run through aws-cdk-lib's Provider framework as the synthesized template deploys it (its code
 * from the asset, its waiter interpreted from the definition) and the bundled handler, against the
 * emulator, on compressed time (`LocalClock`): every figure is in the seconds it stands for.
 *
 * The three shapes are one bundle and one template, reshaped:
 * - `v0.1`: one look an invocation, the waiter every 15 s (240 attempts);
 * - `window`: the November main, isComplete polling every 2 s for 30 s an invocation, the waiter
 *   every 2 s (113 attempts), and no lanes;
 * - `current`: this version, one look an invocation, the waiter every 2 s (1,500 attempts), and a
 *   stack's sessions worked on 5 at a time.
 *
 * AWS's own time per call and per invocation is charged to the clock as a modelled latency
 * (`MODELLED_LATENCY`), so that an invocation that only looks still takes the time it takes on AWS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { POLL_WINDOW_ENV } from '../lambda/shared/limits';
import { CONCURRENT_REQUESTS_CONTEXT } from '../lib/session-provider';
import { ResourceResult } from '../tools/local-cloud/cloudformation-driver';
import { EmrServerlessEmulator } from '../tools/local-cloud/emulator';
import { localApp, onCompressedCloud, synthesize } from '../tools/local-cloud/local-stack';
import { Invocation } from '../tools/local-cloud/provider-framework';
import { buildStack } from '../tools/session-stacks';
import { median } from './measure';

export type Shape = 'v0.1' | 'window' | 'current';
export const SHAPES: readonly Shape[] = ['v0.1', 'window', 'current'];
export const SHAPE_NAMES: Record<Shape, string> = {
  'v0.1': "0.1's (one look an invocation, the waiter every 15 s)",
  window: "November's (polls every 2 s for 30 s an invocation, the waiter every 2 s)",
  current: 'this version (one look an invocation, the waiter every 2 s, 5 sessions at a time)',
};

/** What the clock charges for AWS's own time: each session API call, and each invocation's round trip. */
export const MODELLED_LATENCY = { apiCallMs: 30, invokeMs: 25 };

/**
 * List prices, us-east-1, first tier, free tiers left out: Lambda requests and duration (arm64 for
 * the handler, x86_64 for the framework's functions, which set no architecture), and Step Functions
 * Standard state transitions, of which every retry is one (the AWS pricing pages, read 2026-12-02).
 */
export const PRICES = {
  readOn: '2026-12-02',
  region: 'us-east-1',
  lambdaPerRequest: 0.2 / 1_000_000,
  lambdaPerGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  stepFunctionsPerTransition: 0.025 / 1_000,
};

/** The account a many-session deploy is measured in: a new account's Lambda concurrency, GetSession's budgeted rate. */
export const ACCOUNT_LIMITS = { lambdaConcurrency: 10, getSessionPerSecond: 10, sessions: 25 };

export interface CreateFigures {
  /** Seconds from the session becoming usable to CloudFormation receiving SUCCESS. */
  readonly overheadSeconds: number;
  /** EMR Serverless calls the create made, by the emulator's count. */
  readonly apiCalls: number;
  /** Step Functions state transitions: one per attempt of the waiter's task, retries included. */
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  /** Lambda GB-seconds of every function the create ran: memory times duration. */
  readonly gbSeconds: number;
  /** Executions held on average over the create (Lambda time of all functions / the create's time), and at most at once. */
  readonly executionsHeld: { readonly mean: number; readonly peak: number };
  readonly costUsd: number;
}

export interface ShapeFigures {
  readonly creates: number;
  readonly overheadSeconds: { readonly median: number; readonly p90: number; readonly max: number };
  readonly apiCallsPerCreate: number;
  readonly stateTransitionsPerCreate: number;
  readonly lambdaInvocationsPerCreate: number;
  readonly gbSecondsPerCreate: number;
  readonly executionsHeld: { readonly mean: number; readonly peak: number };
  readonly costUsdPerCreate: number;
}

export interface DeployFigures {
  readonly sessions: number;
  readonly succeeded: number;
  /** Seconds from the deploy's start to the last answer. */
  readonly lastAnswerSeconds: number;
  readonly peakConcurrency: number;
  readonly lambdaThrottles: number;
  readonly serviceThrottles: number;
  readonly getSessionPeakPerSecond: number;
}

/** How long each measured session stays STARTING: spread over several poll cycles of every shape, in steps no poll interval divides. */
const STARTING_MS = Array.from({ length: 40 }, (_, k) => 30_000 + k * 1_913);

export async function measureCreates(): Promise<Record<Shape, ShapeFigures>> {
  return onCompressedCloud(
    async ({ emulator, driver: driverOf }) => {
      const figures = {} as Record<Shape, ShapeFigures>;
      for (const shape of SHAPES) {
        const { assemblyDir, stackName } = synthesizeAs(shape, 1);
        const driver = driverOf(assemblyDir, stackName, { invokeOverheadMs: MODELLED_LATENCY.invokeMs });
        const creates: CreateFigures[] = [];
        for (const startingMs of STARTING_MS) {
          emulator.requests.length = 0;
          const invocationsBefore = driver.framework.invocationLog.length;
          emulator.startNextSessionIn(startingMs);
          const startedAt = Date.now();
          const [created] = await driver.createStack();
          if (created.status !== 'SUCCESS') {
            throw new Error(`the ${shape} create failed: ${created.reason}`);
          }
          const invocations = driver.framework.invocationLog.slice(invocationsBefore);
          const usableAt = emulator.usableAt(created.physicalId.split('/').pop()!)!;
          creates.push(createFigures(created, invocations, emulator, { startedAt, usableAt }));
          await driver.deleteStack();
        }
        figures[shape] = summarize(creates);
      }
      return figures;
    },
    { latencyMs: MODELLED_LATENCY.apiCallMs },
  );
}

/** One deploy of 25 sessions in one stack, in an account with ACCOUNT_LIMITS, sessions usable 60 to 120 s after their start. */
export async function measureManySessions(shape: 'window' | 'current'): Promise<DeployFigures> {
  return onCompressedCloud(
    async ({ emulator, driver: driverOf }) => {
      const { assemblyDir, stackName } = synthesizeAs(shape, ACCOUNT_LIMITS.sessions);
      const driver = driverOf(assemblyDir, stackName, {
        invokeOverheadMs: MODELLED_LATENCY.invokeMs,
        concurrencyLimit: ACCOUNT_LIMITS.lambdaConcurrency,
      });
      emulator.limitRate('GetSession', ACCOUNT_LIMITS.getSessionPerSecond);
      emulator.startNextSessionIn(...Array.from({ length: ACCOUNT_LIMITS.sessions }, (_, k) => 50_000 + k * 2_500));
      const startedAt = Date.now();
      const results = await driver.createStack();
      const throttles = driver.framework.throttles;
      const figures: DeployFigures = {
        sessions: ACCOUNT_LIMITS.sessions,
        succeeded: results.filter((r) => r.status === 'SUCCESS').length,
        lastAnswerSeconds: (Math.max(...results.map((r) => r.answeredAt)) - startedAt) / 1000,
        peakConcurrency: driver.framework.peakConcurrency,
        lambdaThrottles: throttles.invoke + throttles.waiterTask + throttles.asyncEvent,
        serviceThrottles: emulator.requests.filter((r) => r.status === 429).length,
        getSessionPeakPerSecond: emulator.peakRate('GetSession'),
      };
      await driver.deleteStack();
      return figures;
    },
    { latencyMs: MODELLED_LATENCY.apiCallMs },
  );
}

/** The benchmark stack with `sessions` sessions, its template reshaped to `shape`. */
function synthesizeAs(shape: Shape, sessions: number): { assemblyDir: string; stackName: string } {
  // November's shape had no lanes: every session of the stack at once.
  const app = localApp(shape === 'current' ? {} : { [CONCURRENT_REQUESTS_CONTEXT]: sessions });
  const stack = buildStack('library', sessions, app);
  const assemblyDir = synthesize(app, stack);
  const templateFile = path.join(assemblyDir, `${stack.stackName}.template.json`);
  if (shape === 'v0.1') {
    reshape(templateFile, { intervalSeconds: 15, maxAttempts: 240 });
  } else if (shape === 'window') {
    reshape(templateFile, { intervalSeconds: 2, maxAttempts: 113, pollWindowSeconds: 30 });
  }
  return { assemblyDir, stackName: stack.stackName };
}

/** Sets the waiter's Retry, and a poll window in the isComplete function's environment. */
function reshape(templateFile: string, shape: { intervalSeconds: number; maxAttempts: number; pollWindowSeconds?: number }): void {
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  const resources = Object.values<any>(template.Resources);
  const [stateMachine] = resources.filter((resource) => resource.Type === 'AWS::StepFunctions::StateMachine');
  const parts: unknown[] = stateMachine.Properties.DefinitionString['Fn::Join'][1];
  const retry = /"IntervalSeconds":\d+,"MaxAttempts":\d+/;
  if (!parts.some((part) => typeof part === 'string' && retry.test(part))) {
    throw new Error("the waiter's definition has no Retry to reshape: the comparison would measure this version twice");
  }
  stateMachine.Properties.DefinitionString['Fn::Join'][1] = parts.map((part) =>
    typeof part === 'string' ? part.replace(retry, `"IntervalSeconds":${shape.intervalSeconds},"MaxAttempts":${shape.maxAttempts}`) : part,
  );
  if (shape.pollWindowSeconds !== undefined) {
    const [isComplete] = resources.filter((resource) => resource.Properties?.Handler === 'index.isComplete');
    isComplete.Properties.Environment.Variables[POLL_WINDOW_ENV] = String(shape.pollWindowSeconds);
  }
  fs.writeFileSync(templateFile, JSON.stringify(template));
}

function createFigures(
  created: ResourceResult,
  invocations: Invocation[],
  emulator: EmrServerlessEmulator,
  times: { startedAt: number; usableAt: number },
): CreateFigures {
  const gbSecondsOf = (i: Invocation) => (i.durationMs / 1000) * (i.memoryMb / 1024);
  const gbSeconds = invocations.reduce((sum, i) => sum + gbSecondsOf(i), 0);
  const heldMs = invocations.reduce((sum, i) => sum + (i.endedAt - i.startedAt), 0);
  // The waiter's task attempts; onEvent's two invocations (the framework's and the handler's) and
  // the handler's isComplete run inside the framework's, so the framework's isComplete counts them.
  const stateTransitions = created.polls;
  const costUsd =
    invocations.length * PRICES.lambdaPerRequest +
    invocations.reduce((sum, i) => sum + gbSecondsOf(i) * PRICES.lambdaPerGbSecond[i.architecture], 0) +
    stateTransitions * PRICES.stepFunctionsPerTransition;
  return {
    overheadSeconds: (created.answeredAt - times.usableAt) / 1000,
    apiCalls: emulator.requests.length,
    stateTransitions,
    lambdaInvocations: invocations.length,
    gbSeconds,
    executionsHeld: { mean: heldMs / (created.answeredAt - times.startedAt), peak: peakOverlap(invocations) },
    costUsd,
  };
}

/** The most invocations that ran at the same moment. */
function peakOverlap(invocations: Invocation[]): number {
  const edges = invocations.flatMap((i) => [
    { at: i.startedAt, change: 1 },
    { at: i.endedAt, change: -1 },
  ]);
  // An execution that ends as another starts does not overlap it: ends first.
  edges.sort((a, b) => a.at - b.at || a.change - b.change);
  let running = 0;
  let peak = 0;
  for (const edge of edges) {
    running += edge.change;
    peak = Math.max(peak, running);
  }
  return peak;
}

function summarize(creates: CreateFigures[]): ShapeFigures {
  const overheads = creates.map((c) => c.overheadSeconds).sort((a, b) => a - b);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    creates: creates.length,
    overheadSeconds: {
      median: median(overheads),
      p90: overheads[Math.ceil(0.9 * overheads.length) - 1],
      max: overheads[overheads.length - 1],
    },
    apiCallsPerCreate: median(creates.map((c) => c.apiCalls)),
    stateTransitionsPerCreate: median(creates.map((c) => c.stateTransitions)),
    lambdaInvocationsPerCreate: median(creates.map((c) => c.lambdaInvocations)),
    gbSecondsPerCreate: median(creates.map((c) => c.gbSeconds)),
    executionsHeld: { mean: mean(creates.map((c) => c.executionsHeld.mean)), peak: Math.max(...creates.map((c) => c.executionsHeld.peak)) },
    costUsdPerCreate: median(creates.map((c) => c.costUsd)),
  };
}

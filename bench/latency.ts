/**
 * Ready-to-SUCCESS latency: how long after the emulator makes a session usable CloudFormation
 * receives SUCCESS, through aws-cdk-lib's Provider framework as the synthesized template deploys it
 * (its code from the asset, its waiter interpreted from the definition) and the bundled handler.
 * Time is compressed (`LocalClock`); every figure is in the seconds it stands for.
 *
 * Two shapes of the same bundle, measured in the same run: the one this version deploys (isComplete
 * polls every 2 s for up to 30 s an invocation, the waiter asks again after 2 s), and 0.1's (one
 * poll an invocation, the waiter asks again every 15 s), made from the same template by setting the
 * poll window and the waiter's Retry back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { POLL_WINDOW_ENV } from '../lambda/contract';
import { localApp, onCompressedCloud, synthesize } from '../tools/local-cloud/local-stack';
import { buildStack } from '../tools/session-stacks';
import { median } from './measure';

export type Shape = 'v0.1' | 'current';

export interface CreateFigures {
  /** Seconds from the session becoming usable to CloudFormation receiving SUCCESS. */
  readonly overheadSeconds: number;
  /** EMR Serverless calls the create made, by the emulator's count. */
  readonly apiCalls: number;
  /** Attempts of the waiter (each runs the framework's isComplete, which invokes the handler's). */
  readonly waiterAttempts: number;
  /** Lambda GB-seconds of every function the create ran: memory times duration, rounded up to the millisecond. */
  readonly gbSeconds: number;
}

export interface ShapeFigures {
  readonly creates: number;
  readonly overheadSeconds: { readonly median: number; readonly p90: number; readonly max: number };
  readonly apiCallsPerCreate: number;
  readonly waiterAttemptsPerCreate: number;
  readonly gbSecondsPerCreate: number;
}

/** How long each measured session stays STARTING: spread over several poll cycles of both shapes, in steps no poll interval divides. */
const STARTING_MS = Array.from({ length: 40 }, (_, k) => 30_000 + k * 1_913);

export async function measureLatency(): Promise<Record<Shape, ShapeFigures>> {
  return onCompressedCloud(async ({ emulator, driver: driverOf }) => {
    const figures = {} as Record<Shape, ShapeFigures>;
    for (const shape of ['v0.1', 'current'] as const) {
      const creates: CreateFigures[] = [];
      const app = localApp();
      const stack = buildStack('library', 1, app);
      const assemblyDir = synthesize(app, stack);
      if (shape === 'v0.1') {
        reshapeAsVersion01(path.join(assemblyDir, `${stack.stackName}.template.json`));
      }
      const driver = driverOf(assemblyDir, stack.stackName);
      for (const startingMs of STARTING_MS) {
        emulator.requests.length = 0;
        const invocationsBefore = driver.framework.invocationLog.length;
        emulator.startNextSessionIn(startingMs);
        const [created] = await driver.createStack();
        if (created.status !== 'SUCCESS') {
          throw new Error(`the ${shape} create failed: ${created.reason}`);
        }
        const usableAt = emulator.usableAt(created.physicalId.split('/').pop()!)!;
        creates.push({
          overheadSeconds: (created.answeredAt - usableAt) / 1000,
          apiCalls: emulator.requests.length,
          waiterAttempts: created.polls,
          gbSeconds: driver.framework.invocationLog
            .slice(invocationsBefore)
            .reduce((sum, invocation) => sum + (invocation.durationMs / 1000) * (invocation.memoryMb / 1024), 0),
        });
        await driver.deleteStack();
      }
      figures[shape] = summarize(creates);
    }
    return figures;
  });
}

/** 0.1's shape, from this version's template: no poll window, and the waiter's 15-second interval for an hour. */
function reshapeAsVersion01(templateFile: string): void {
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  let windowsRemoved = 0;
  for (const resource of Object.values<any>(template.Resources)) {
    if (resource.Type === 'AWS::Lambda::Function' && resource.Properties.Environment?.Variables?.[POLL_WINDOW_ENV]) {
      delete resource.Properties.Environment.Variables[POLL_WINDOW_ENV];
      windowsRemoved++;
    }
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const parts: unknown[] = resource.Properties.DefinitionString['Fn::Join'][1];
      const retry = /"IntervalSeconds":\d+,"MaxAttempts":\d+/;
      if (!parts.some((part) => typeof part === 'string' && retry.test(part))) {
        throw new Error("the waiter's definition has no Retry to set back to 0.1's: the comparison would measure this version twice");
      }
      resource.Properties.DefinitionString['Fn::Join'][1] = parts.map((part) =>
        typeof part === 'string' ? part.replace(retry, '"IntervalSeconds":15,"MaxAttempts":240') : part,
      );
    }
  }
  if (windowsRemoved !== 1) {
    throw new Error(`expected one function with ${POLL_WINDOW_ENV} in its environment, found ${windowsRemoved}`);
  }
  fs.writeFileSync(templateFile, JSON.stringify(template));
}

function summarize(creates: CreateFigures[]): ShapeFigures {
  const overheads = creates.map((c) => c.overheadSeconds).sort((a, b) => a - b);
  return {
    creates: creates.length,
    overheadSeconds: {
      median: median(overheads),
      p90: overheads[Math.ceil(0.9 * overheads.length) - 1],
      max: overheads[overheads.length - 1],
    },
    apiCallsPerCreate: median(creates.map((c) => c.apiCalls)),
    waiterAttemptsPerCreate: median(creates.map((c) => c.waiterAttempts)),
    gbSecondsPerCreate: median(creates.map((c) => c.gbSeconds)),
  };
}

/**
 * `npm run fuzz -- --runs N --seed S`: random histories of a stack of sessions, with faults, through
 * the local cloud (`tools/histories/`). A failure prints the seed, the shrunk history as readable
 * steps and the command that replays exactly that history (`--seed S --path P`). `--json` ends with
 * the run's figures as one JSON line, for the CI gate that runs several of these at once.
 */
import * as fc from 'fast-check';
import { historyArbitrary, readable } from '../tools/histories/history';
import { HistoryWorld } from '../tools/histories/run-history';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const runs = Number(option('runs') ?? 100);
  const seed = Number(option('seed') ?? Date.now() % 2 ** 31);
  const replayPath = option('path');
  const world = await HistoryWorld.start();
  const started = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(historyArbitrary.map(readable), (history) => world.run(history)),
      { numRuns: runs, seed, ...(replayPath && { path: replayPath, endOnFailure: true }) },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(world.stats.summary(seconds));
    console.log(`seed ${seed}: run again with npm run fuzz -- --runs ${runs} --seed ${seed}`);
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify({ ...world.stats, faults: Object.fromEntries(world.stats.faults), seconds }));
    }
  } catch (error) {
    const message = (error as Error).message;
    const path = /path: ?"?([\d:]+)"?/.exec(message)?.[1];
    console.error(message);
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      console.error(`\n${cause.message}`);
    }
    console.error(`\nreplay exactly this history: npm run fuzz -- --seed ${seed}${path ? ` --path ${path}` : ''}`);
    process.exitCode = 1;
  } finally {
    await world.stop();
  }
}

void main();

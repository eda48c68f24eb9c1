import * as fc from 'fast-check';
import { describeHistory, historyArbitrary } from './history';
import { HistoryWorld } from './run-history';
async function main() {
  const world = await HistoryWorld.start();
  const samples = fc.sample(historyArbitrary, { numRuns: 60, seed: 7 });
  const times: [number, string][] = [];
  for (const h of samples) {
    const t = performance.now();
    try {
      await world.run(h);
    } catch (e) {
      console.log('FAIL', (e as Error).message.slice(0, 200));
    }
    times.push([performance.now() - t, describeHistory(h)]);
  }
  times.sort((a, b) => b[0] - a[0]);
  console.log('total', times.reduce((s, [t]) => s + t, 0) / 1000);
  for (const [t, d] of times.slice(0, 8)) console.log(Math.round(t), d);
  await world.stop();
}
main();

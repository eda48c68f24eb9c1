/**
 * Prints the example app's template size and resource count for the given session counts.
 *
 *   npx tsx scripts/template-size.ts 1 100
 */
import { App } from 'aws-cdk-lib';
import { ExampleStack } from '../examples/app';

for (const count of process.argv.slice(2).map(Number)) {
  const app = new App();
  const stack = new ExampleStack(app, 'Example', { sessionCount: count });
  const template = app.synth().getStackByName(stack.stackName).template;
  const bytes = Buffer.byteLength(JSON.stringify(template));
  console.log(`${count} session(s): ${Object.keys(template.Resources).length} resources, ${bytes} bytes (minified JSON)`);
}

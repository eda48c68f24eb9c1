/**
 * Prints the fixture stack's resource count and template size for the given session counts: the
 * template file as synthesis writes it, and minified.
 *
 *   npx tsx scripts/template-size.ts 1 100
 */
import * as fs from 'node:fs';
import { App } from 'aws-cdk-lib';
import { SessionsStack } from '../tools/session-stacks';

for (const count of process.argv.slice(2).map(Number)) {
  const app = new App();
  const stack = new SessionsStack(app, 'Sessions', { count });
  const artifact = app.synth().getStackByName(stack.stackName);
  const fileBytes = fs.statSync(artifact.templateFullPath).size;
  const minifiedBytes = Buffer.byteLength(JSON.stringify(artifact.template));
  console.log(
    `${count} session(s): ${Object.keys(artifact.template.Resources).length} resources, ` +
      `template ${fileBytes} bytes (${minifiedBytes} minified)`,
  );
}

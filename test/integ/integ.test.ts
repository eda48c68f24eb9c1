/**
 * The integration test app, synthesized offline and compared with the committed snapshot
 * (`__snapshots__/integ.test.ts.snap`): every change to what `npm run integ:deploy` would create is a
 * diff to review. Asset hashes change with every byte of the handler bundle, and each assertion has
 * a salt (the synth time, so that it runs on every deploy): both are normalised; the bundle itself is
 * tested elsewhere. `npm test -- test/integ -u` rewrites the snapshot.
 */
import { App } from 'aws-cdk-lib';
import { buildIntegApp, INTEG_STACK_NAME } from './integ.session';

/** A template with asset hashes and salts replaced, and without the CDK's version-dependent metadata resource. */
function normalised(template: { Resources?: Record<string, { Type: string }> }): unknown {
  const resources = Object.fromEntries(
    Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type !== 'AWS::CDK::Metadata'),
  );
  const text = JSON.stringify({ ...template, Resources: resources })
    .replace(/[0-9a-f]{64}/g, '<asset hash>')
    .replace(/"salt":"\d+"/g, '"salt":"<synth time>"');
  return JSON.parse(text);
}

test('the integ app synthesizes to its snapshot', () => {
  const assembly = buildIntegApp(new App()).synth();
  const stackNames = assembly.stacks.map((stack) => stack.stackName).sort();
  expect(stackNames).toContain(INTEG_STACK_NAME);
  for (const stack of assembly.stacks) {
    expect(normalised(stack.template)).toMatchSnapshot(stack.stackName);
  }
  expect(stackNames).toMatchSnapshot('stacks');
});

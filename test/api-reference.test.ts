/**
 * The published API as jsii sees it, built in a scratch copy of the package (jsii compiles in place):
 * the assembly holds the public types with their docs, every optional prop says its default, and the
 * committed API.md is exactly what jsii-docgen makes of the code.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const PACKAGE = 'cdk-emr-serverless-session';
let assembly: any;
let generatedApiMd: string;

/** The scratch copy jsii compiles in: removed when the suite is done. */
let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-'));
  for (const file of ['package.json', 'README.md', 'LICENSE']) {
    fs.copyFileSync(path.join(ROOT, file), path.join(scratch, file));
  }
  fs.cpSync(path.join(ROOT, 'lib'), path.join(scratch, 'lib'), { recursive: true, filter: (src) => !/\.(js|d\.ts)$/.test(src) });
  // lib/ imports lambda/shared/ and nothing else of lambda/: the boundary the package ships.
  fs.cpSync(path.join(ROOT, 'lambda', 'shared'), path.join(scratch, 'lambda', 'shared'), {
    recursive: true,
    filter: (src) => !/\.(js|d\.ts)$/.test(src),
  });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');

  const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'jsii', 'bin', 'jsii'), '--generate-tsconfig', 'tsconfig.jsii.json'], {
    cwd: scratch,
    env,
    stdio: 'pipe',
  });
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'jsii-docgen', 'bin', 'jsii-docgen'), '--output', 'API.md'], {
    cwd: scratch,
    env,
    stdio: 'pipe',
  });
  assembly = JSON.parse(fs.readFileSync(path.join(scratch, '.jsii'), 'utf8'));
  generatedApiMd = fs.readFileSync(path.join(scratch, 'API.md'), 'utf8');
}, 180_000);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('the assembly exports the session, its props, attributes and imports, with docs', () => {
  expect(Object.keys(assembly.types).sort()).toEqual(
    [
      'ConnectGrantOptions',
      'ISession',
      'RuntimeConfiguration',
      'Session',
      'SessionAttributes',
      'SessionImportOptions',
      'SessionProps',
      'SessionRenewal',
    ].map((name) => `${PACKAGE}.${name}`),
  );
  const session = assembly.types[`${PACKAGE}.Session`];
  expect(session.docs.summary).toMatch(/EMR Serverless interactive session/);
  expect(session.docs.example).toContain('new Session(this');
  const methods = session.methods.map((m: any) => m.name);
  expect(methods).toEqual(
    expect.arrayContaining([
      'fromSessionArn',
      'fromSessionAttributes',
      'fromParameterName',
      'grant',
      'grantConnect',
      'applyRemovalPolicy',
      'applyCrossStackReferenceStrength',
    ]),
  );
  const attributes = assembly.types[`${PACKAGE}.ISession`].properties.map((p: any) => p.name);
  expect(attributes).toEqual(expect.arrayContaining(['sessionId', 'sessionArn', 'applicationId', 'parameter']));
  const sessionAttributes = session.properties.map((p: any) => p.name);
  expect(sessionAttributes).toEqual(expect.arrayContaining(['sessionEndpoint', 'handle', 'handlerLogGroup', 'tags']));
  expect(Object.keys(assembly.types[`${PACKAGE}.SessionRenewal`].methods ?? []).length).toBe(3);
});

test('every prop has a description, and every optional prop its default', () => {
  const structs = Object.values<any>(assembly.types).filter((type) => type.datatype);
  const undocumented: string[] = [];
  for (const struct of structs) {
    for (const prop of struct.properties) {
      if (!prop.docs?.summary || (prop.optional && !prop.docs?.default)) {
        undocumented.push(`${struct.name}.${prop.name}`);
      }
    }
  }
  expect(structs.length).toBeGreaterThanOrEqual(3);
  expect(undocumented).toEqual([]);
});

test('API.md matches the code (regenerate with npm run docs)', () => {
  expect(fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8')).toBe(generatedApiMd);
});

/**
 * The import boundaries the package relies on: the construct (lib/) reaches into the handler's
 * folder only through lambda/shared/, which ships in the npm package, and lambda/shared/ pulls in no
 * runtime dependency at synth time (Node built-ins only), so lib/ never loads the AWS SDK.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Every module specifier imported by the TypeScript files of a folder, with the file that imports it. */
function importsOf(folder: string): Array<{ file: string; specifier: string }> {
  return fs
    .readdirSync(path.join(ROOT, folder))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .flatMap((name) => {
      const text = fs.readFileSync(path.join(ROOT, folder, name), 'utf8');
      return [...text.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => ({ file: `${folder}/${name}`, specifier: m[1] }));
    });
}

test('lib/ imports of lambda/ are of lambda/shared/ only', () => {
  const intoLambda = importsOf('lib').filter((i) => i.specifier.includes('lambda/'));
  expect(intoLambda.length).toBeGreaterThan(0);
  expect(intoLambda.filter((i) => !i.specifier.startsWith('../lambda/shared/'))).toEqual([]);
});

test('lambda/shared/ imports nothing but Node built-ins and its own files', () => {
  const imports = importsOf('lambda/shared');
  expect(imports.filter((i) => !i.specifier.startsWith('node:') && !i.specifier.startsWith('./'))).toEqual([]);
});

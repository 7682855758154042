/**
 * The house rules of the code base, checked on every run: no import circle, small files, the
 * environment read in one place, build-time composition off the runtime path, subgraphs that never
 * import each other, and only repositories touching the database.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import madge from 'madge';

const ROOT = join(__dirname, '..', '..');
/** Folders of runtime code. */
const RUNTIME = ['apps', 'gateway', 'subgraphs', 'lib'];
/** Most lines of one source file (generated code and bench/ excepted). */
const MAX_LINES = 350;

/** Every `.ts` file under `dir` (relative to the repository root). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const importsOf = (file: string) => [...read(file).matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('architecture', () => {
  it('has no import circle in the runtime code (madge, type imports included)', async () => {
    const graph = await madge(
      RUNTIME.map((d) => join(ROOT, d)),
      { baseDir: ROOT, fileExtensions: ['ts'], excludeRegExp: [/^generated\//], detectiveOptions: { ts: { skipTypeImports: false } } },
    );
    expect(graph.circular()).toEqual([]);
  });

  it(`keeps every source file outside bench/ and generated code at ${MAX_LINES} lines or fewer`, () => {
    const files = [...RUNTIME, 'scripts', 'test'].flatMap(tsFiles);
    expect(files.length).toBeGreaterThan(100);
    const long = files.map((f) => ({ f, lines: read(f).split('\n').length })).filter((x) => x.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('reads the environment only in lib/config.ts', () => {
    const readers = RUNTIME.flatMap(tsFiles).filter((f) => f !== join('lib', 'config.ts') && /process\.env/.test(read(f)));
    expect(readers).toEqual([]);
  });

  it('keeps build-time composition (@apollo/composition, a devDependency) off the runtime import path', () => {
    const importers = RUNTIME.flatMap(tsFiles).filter((f) =>
      importsOf(f).some((i) => i === '@apollo/composition' || i.endsWith('schema/compose')),
    );
    expect(importers).toEqual([join('lib', 'schema', 'compose.ts')]);
  });

  it('never lets a subgraph import another subgraph', () => {
    const names = ['tenant', 'catalog', 'orders', 'notifications'];
    const crossings = names.flatMap((name) =>
      tsFiles(join('subgraphs', name)).flatMap((file) =>
        importsOf(file)
          .filter((i) => i.startsWith('.'))
          .map((i) => relative(ROOT, join(ROOT, file, '..', i)))
          .filter((target) => names.some((other) => other !== name && target.startsWith(join('subgraphs', other))))
          .map((target) => `${file} -> ${target}`),
      ),
    );
    expect(crossings).toEqual([]);
  });

  it('lets only repositories touch the database in the subgraphs', () => {
    const touching = tsFiles('subgraphs').filter(
      (f) => !f.endsWith('.repository.ts') && /\$queryRaw|\$executeRaw|\.run\(\(|prisma-client|generated\/prisma\/client/.test(read(f)),
    );
    expect(touching).toEqual([]);
  });

  it('cites nothing outside the repository in code comments', () => {
    const files = [...RUNTIME, 'scripts', 'test', 'bench']
      .flatMap(tsFiles)
      .filter((f) => f !== join('test', 'unit', 'architecture.test.ts'));
    expect(files.filter((f) => /CONTRACT\.md|DESIGN\.md|ENVIRONMENT\.md/.test(read(f)))).toEqual([]);
  });
});

/**
 * Honest dependencies: every runtime dependency in package.json is imported by the shipped code
 * (lib/, nodes/, credentials/: what dist/ is built from), the shipped code imports nothing that is not a
 * dependency, a peer dependency or a Node.js built-in, and the README's dependency table lists exactly
 * the runtime dependencies, each row naming a source file that really imports it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
	dependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const dependencies = Object.keys(pkg.dependencies ?? {}).sort();
const SHIPPED_DIRS = ['lib', 'nodes', 'credentials'];

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = join(dir, name);
		if (statSync(full).isDirectory()) return sourceFiles(full);
		return full.endsWith('.ts') ? [full] : [];
	});
}

/** Module specifiers of `import … from`, `export … from`, side-effect imports, `require()` and `import()`. */
function moduleSpecifiers(source: string): string[] {
	const patterns = [
		/^\s*(?:import|export)\s[^'"]*?\sfrom\s+['"]([^'"]+)['"]/gm,
		/^\s*import\s+['"]([^'"]+)['"]/gm,
		/\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
	];
	return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]));
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; undefined for relative paths and built-ins. */
function packageOf(specifier: string): string | undefined {
	if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
		return undefined;
	const parts = specifier.split('/');
	const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
	return builtinModules.includes(name) ? undefined : name;
}

/** Package name → shipped source files (relative to the root) that import it. */
function importsOfShippedCode(): Map<string, string[]> {
	const importers = new Map<string, string[]>();
	for (const file of SHIPPED_DIRS.flatMap((dir) => sourceFiles(join(root, dir)))) {
		for (const name of moduleSpecifiers(readFileSync(file, 'utf8')).map(packageOf)) {
			if (name === undefined) continue;
			const files = importers.get(name) ?? [];
			const path = relative(root, file);
			if (!files.includes(path)) files.push(path);
			importers.set(name, files);
		}
	}
	return importers;
}

/** Rows of the README's "| dependency | what for |" table: backticked name → the row's text. */
function readmeDependencyRows(): Map<string, string> {
	const table = /^\| dependency +\| what for +\|\n\| -+ \| -+ \|\n((?:\|.*\n)+)/m.exec(readme);
	expect(table).not.toBeNull();
	const rows = new Map<string, string>();
	for (const match of table![1].matchAll(/^\| `([^`]+)` +\| (.*?) *\|$/gm))
		rows.set(match[1], match[2]);
	return rows;
}

describe('runtime dependencies', () => {
	const importers = importsOfShippedCode();

	it('finds the imports it looks for (the scanner itself works)', () => {
		expect(
			moduleSpecifiers(
				`import { a } from 'x';\nimport type { B } from "@s/y/z";\nimport 'side';\nexport * from './rel';\nconst c = require('c-pkg');`,
			),
		).toEqual(['x', '@s/y/z', './rel', 'side', 'c-pkg']);
		expect(['x', '@s/y/z', './rel', 'node:fs', 'fs', 'lodash/get'].map(packageOf)).toEqual([
			'x',
			'@s/y',
			undefined,
			undefined,
			undefined,
			'lodash',
		]);
		expect(importers.get('n8n-workflow')?.length).toBeGreaterThan(0);
	});

	it.each(dependencies)('%s is imported by the shipped code', (name) => {
		expect(importers.get(name) ?? []).not.toEqual([]);
	});

	it('the shipped code imports only dependencies, peer dependencies and Node.js built-ins', () => {
		const allowed = new Set([...dependencies, ...Object.keys(pkg.peerDependencies ?? {})]);
		const undeclared = [...importers.entries()]
			.filter(([name]) => !allowed.has(name))
			.map(([name, files]) => `${name} (${files.join(', ')})`);
		expect(undeclared).toEqual([]);
	});

	it('the README table lists exactly the runtime dependencies', () => {
		expect([...readmeDependencyRows().keys()].sort()).toEqual(dependencies);
	});

	it.each(dependencies)('the README row of %s names a shipped file that imports it', (name) => {
		const row = readmeDependencyRows().get(name) ?? '';
		const files = [...row.matchAll(/`((?:lib|nodes|credentials)\/[^`]+\.ts)`/g)].map(
			(match) => match[1],
		);
		expect(files).not.toEqual([]);
		for (const file of files)
			expect({ file, imports: importers.get(name)?.includes(file) ?? false }).toEqual({
				file,
				imports: true,
			});
	});
});

/**
 * The repository stands alone: a fresh clone builds, tests and runs the demo with nothing beside it.
 * No file refers to a path outside the repository or to documents users don't have, and the vendor
 * material the tests need (the MessageMedia OpenAPI description) is vendored with its licence.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import { SPEC_DIR } from './support/openapi';

const root = join(__dirname, '..');
/** Not ours (vendored, generated or installed), or scratch space. */
const SKIPPED = new Set([
	'node_modules',
	'dist',
	'.git',
	'tmp',
	'.cache',
	'coverage',
	join('bench', 'out'),
	join('test', 'e2e', '.work'),
	join('test', 'contract'),
]);
const TEXT = /\.(ts|js|mjs|cjs|json|md|sh|ya?ml|txt)$/;

function repositoryFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = join(dir, name);
		if (SKIPPED.has(relative(root, full))) return [];
		if (statSync(full).isDirectory()) return repositoryFiles(full);
		return TEXT.test(name) || name === 'run' ? [full] : [];
	});
}

/** What a user's clone doesn't have: the folder beside the repository, internal notes, issue numbers. */
const FORBIDDEN: Array<[string, RegExp]> = [
	['a path outside the repository', /\.\.\/shared\b|\bshared\/(?:specs|reference|seed)\b/],
	['internal design notes', /\bDESIGN\.md\b|\bDESIGN contract\b/],
	['an issue number', /\bissue #?\d+\b/i],
	['the internal name of the product page', /\bthe seed\b|\bseed (?:product )?page\b/i],
];

describe('the repository stands alone', () => {
	const files = repositoryFiles(root).filter((file) => file !== __filename);

	it('scans the repository (sanity check of the walk)', () => {
		const relativePaths = files.map((file) => relative(root, file).split(sep).join('/'));
		expect(relativePaths).toEqual(
			expect.arrayContaining([
				'README.md',
				'package.json',
				'scripts/env.sh',
				'test/fakes/README.md',
				'lib/mapping/paths.ts',
			]),
		);
	});

	it.each(FORBIDDEN)('no file refers to %s', (_what, pattern) => {
		const hits = files.flatMap((file) =>
			readFileSync(file, 'utf8')
				.split('\n')
				.map((line, index) => ({ line, index }))
				.filter(({ line }) => pattern.test(line))
				.map(
					({ line, index }) => `${relative(root, file)}:${index + 1}: ${line.trim().slice(0, 120)}`,
				),
		);
		expect(hits).toEqual([]);
	});

	it('the contract tests read the vendored OpenAPI description, with its licence and source note', () => {
		expect(relative(root, SPEC_DIR).split(sep).join('/')).toBe(
			'test/contract/sinch-engage-openapi',
		);
		for (const name of ['openapi.yaml', 'LICENSE', 'SOURCE.md'])
			expect(existsSync(join(SPEC_DIR, name))).toBe(true);
		expect(readFileSync(join(SPEC_DIR, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
		expect(readFileSync(join(SPEC_DIR, 'SOURCE.md'), 'utf8')).toMatch(
			/github\.com\/messagemedia\/sinchengage-developer[\s\S]*commit[\s\S]*\b[0-9a-f]{40}\b/,
		);
	});
});

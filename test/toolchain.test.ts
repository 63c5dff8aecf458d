/**
 * A reproducible toolchain: the Node.js and n8n versions are pinned once, in package.json `config`
 * (read by scripts/env.sh, CI and the e2e suite), and the README states exactly those versions.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
	config: { node: string; n8n: string };
	engines: { node: string };
	devDependencies: Record<string, string>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const { node, n8n } = pkg.config;

function files(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = join(dir, name);
		return statSync(full).isDirectory() ? files(full) : [full];
	});
}

describe('pinned toolchain', () => {
	it('pins exact versions, and the Node.js one satisfies engines.node', () => {
		expect(node).toMatch(/^\d+\.\d+\.\d+$/);
		expect(n8n).toMatch(/^\d+\.\d+\.\d+$/);
		const minimum = /^>=(\d+)\./.exec(pkg.engines.node);
		expect(minimum).not.toBeNull();
		expect(Number(node.split('.')[0])).toBeGreaterThanOrEqual(Number(minimum![1]));
	});

	it('the README says it was tested with exactly the pinned versions', () => {
		expect(readme).toContain(`**Tested with** n8n ${n8n} on Node.js ${node} `);
		expect(
			[...readme.matchAll(/\bn8n (\d+\.\d+\.\d+)/g)].map((m) => m[1]).filter((v) => v !== n8n),
		).toEqual([]);
		expect(
			[...readme.matchAll(/\bNode\.js (\d+\.\d+(?:\.\d+)?)/g)]
				.map((m) => m[1])
				.filter((v) => v !== node),
		).toEqual([]);
	});

	it('builds and loads against the n8n-core of the pinned n8n release', () => {
		expect(pkg.devDependencies['n8n-core']).toBe(n8n);
	});

	it('scripts, tests, benchmarks and CI read the versions from package.json instead of repeating them', () => {
		const sources = ['scripts', 'test', 'bench', '.github']
			.flatMap((dir) => files(join(root, dir)))
			.filter(
				(file) =>
					/\.(ts|js|sh|ya?ml)$/.test(file) && !relative(root, file).startsWith('test/contract/'),
			);
		expect(sources.length).toBeGreaterThan(10);
		const repeating = sources.filter((file) => {
			const text = readFileSync(file, 'utf8');
			return text.includes(n8n) || text.includes(node);
		});
		expect(repeating.map((file) => relative(root, file))).toEqual([]);
		const ci = readFileSync(join(root, '.github', 'workflows', 'ci.yml'), 'utf8');
		expect(ci).toContain(`require('./package.json').config.node`);
		const env = readFileSync(join(root, 'scripts', 'env.sh'), 'utf8');
		expect(env).toContain('project_config node');
		expect(env).toContain('project_config n8n');
	});
});

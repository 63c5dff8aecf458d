/**
 * What `npm pack` ships, which is what n8n's community-package installer and `npm install` put into
 * ~/.n8n/nodes/node_modules/n8n-nodes-entra-sync/: the built code (dist/), the workflow templates
 * (templates/*.json, which the README points users to there) and no tests, fakes, benchmarks, scripts
 * or vendored test material. Needs `npm run build` first (the test command builds before running jest).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('npm package contents', () => {
	let files: string[];

	beforeAll(() => {
		if (!existsSync(join(root, 'dist')))
			throw new Error('dist/ is missing: run `npm run build` first');
		const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
			cwd: root,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		files = (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0].files.map(
			(file) => file.path,
		);
	});

	it('ships every workflow template of the repository, and only those', () => {
		const templates = readdirSync(join(root, 'templates'))
			.filter((name) => name.endsWith('.json'))
			.map((name) => `templates/${name}`)
			.sort();
		expect(templates).toEqual([
			'templates/entra-sync-bidirectional.json',
			'templates/entra-sync-partitioned.json',
			'templates/entra-sync-push.json',
			'templates/entra-sync-realtime.json',
			'templates/entra-sync.json',
		]);
		expect(files.filter((path) => path.startsWith('templates/')).sort()).toEqual(templates);
	});

	it('ships the built nodes and credentials n8n loads, and the entry point', () => {
		expect(files).toEqual(
			expect.arrayContaining([
				...pkg.n8n.nodes,
				...pkg.n8n.credentials,
				'index.js',
				'package.json',
				'README.md',
				'LICENSE',
			]),
		);
	});

	it('ships no sources, tests, fakes, vendored specs, benchmarks or scripts', () => {
		const allowed =
			/^(dist\/|templates\/[^/]+\.json$|index\.js$|package\.json$|README\.md$|LICENSE$)/;
		expect(files.filter((path) => !allowed.test(path))).toEqual([]);
		expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
	});

	it('the README tells users where an installed package keeps its templates', () => {
		expect(readme).toContain(`~/.n8n/nodes/node_modules/${pkg.name}/templates/`);
	});
});

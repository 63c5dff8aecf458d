/**
 * scripts/run-ts.ts runs the demo, the fakes and the benchmarks without a build: every one of those
 * programs must load with it (each of its imports resolved, a folder's index.ts included), or the
 * demo and `npm run bench` break while the compiled tests pass.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '../..');
/** Programs and whether they export `main` (bench/queue.ts is a scenario of bench/run.ts). */
const PROGRAMS: Record<string, 'function' | 'undefined'> = {
	'scripts/n8n-demo.ts': 'function',
	'test/fakes/cli.ts': 'function',
	'bench/run.ts': 'function',
	'bench/queue.ts': 'undefined',
	'bench/ratelimited.ts': 'function',
};

test('every program run by scripts/run-ts.ts loads, with its main', () => {
	const dir = mkdtempSync(join(tmpdir(), 'run-ts-'));
	try {
		const loader = join(dir, 'load.ts');
		writeFileSync(
			loader,
			[
				'export async function main(files: string[]): Promise<void> {',
				'\tfor (const file of files) {',
				'\t\tconst loaded = require(file) as { main?: unknown };',
				'\t\tconsole.log(`${file}: ${typeof loaded.main}`);',
				'\t}',
				'}',
			].join('\n'),
		);
		const output = execFileSync(
			process.execPath,
			['scripts/run-ts.ts', loader, ...Object.keys(PROGRAMS).map((p) => join(repo, p))],
			{ cwd: repo, encoding: 'utf8', timeout: 60_000 },
		);
		for (const [program, main] of Object.entries(PROGRAMS))
			expect(output).toContain(`${join(repo, program)}: ${main}\n`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

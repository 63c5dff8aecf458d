/**
 * Runs a TypeScript program of this repository without a build step:
 *
 *   node scripts/n8n-run-ts.ts <file.ts> [args…]     (the file exports `main(argv: string[])`)
 *
 * Node 24 strips the types of this file itself (it has no import statements, so it stays CommonJS);
 * it registers a module hook that compiles the other .ts files with the project's TypeScript to
 * CommonJS (as ts-jest does) and resolves extensionless relative imports to .ts files.
 */
const runModule: typeof import('node:module') = require('node:module');
const runFs: typeof import('node:fs') = require('node:fs');
const runPath: typeof import('node:path') = require('node:path');
const runUrl: typeof import('node:url') = require('node:url');
const runTypescript: typeof import('typescript') = require('typescript');

runModule.registerHooks({
	resolve(specifier, context, nextResolve) {
		try {
			return nextResolve(specifier, context);
		} catch (error) {
			if (specifier.startsWith('.')) return nextResolve(`${specifier}.ts`, context);
			throw error;
		}
	},
	load(url, context, nextLoad) {
		if (url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/')) {
			const fileName = runUrl.fileURLToPath(url);
			const output = runTypescript.transpileModule(runFs.readFileSync(fileName, 'utf8'), {
				fileName,
				compilerOptions: {
					module: runTypescript.ModuleKind.CommonJS,
					target: runTypescript.ScriptTarget.ES2022,
					esModuleInterop: true,
					sourceMap: false,
				},
			});
			return { format: 'commonjs', source: output.outputText, shortCircuit: true };
		}
		return nextLoad(url, context);
	},
});

const [programFile, ...programArgs] = process.argv.slice(2);
if (!programFile) {
	console.error('usage: node scripts/n8n-run-ts.ts <file.ts> [args…]');
	process.exit(2);
}
const program = require(runPath.resolve(programFile)) as { main: (argv: string[]) => Promise<void> };
program.main(programArgs).catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});

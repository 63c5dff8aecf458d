/**
 * Runs a TypeScript program of this repository without a build step:
 *
 *   node scripts/run-ts.ts <file.ts> [args…]     (the file exports `main(argv: string[])`)
 *
 * Used for the fakes (`node scripts/run-ts.ts test/fakes/cli.ts …`), the demo and the benchmarks.
 *
 * Node 24 strips the types of this file itself (it has no import statements, so it stays CommonJS);
 * it registers a module hook that compiles the other .ts files with the project's TypeScript to
 * CommonJS (as ts-jest does) and resolves extensionless relative imports to .ts files (or a folder's index.ts).
 */
const runModule: typeof import('node:module') = require('node:module');
const runFs: typeof import('node:fs') = require('node:fs');
const runPath: typeof import('node:path') = require('node:path');
const runUrl: typeof import('node:url') = require('node:url');
const runTypescript: typeof import('typescript') = require('typescript');

runModule.registerHooks({
	resolve(specifier, context, nextResolve) {
		// Relative imports are written without an extension (as tsc and ts-jest expect): add ".ts", or
		// "/index.ts" for a folder.
		if (specifier.startsWith('.') && context.parentURL && !/\.[cm]?[jt]s$/.test(specifier)) {
			for (const file of [`${specifier}.ts`, `${specifier}/index.ts`]) {
				if (runFs.existsSync(runUrl.fileURLToPath(new URL(file, context.parentURL))))
					return nextResolve(file, context);
			}
		}
		return nextResolve(specifier, context);
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
	console.error('usage: node scripts/run-ts.ts <file.ts> [args…]');
	process.exit(2);
}
const program = require(runPath.resolve(programFile)) as {
	main: (argv: string[]) => Promise<void>;
};
program.main(programArgs).catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});

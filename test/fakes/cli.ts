/**
 * Starts the fake services as a separate process, no build step:
 *
 *   node test/fakes/cli.ts [--port 0] [--seed-file seed.json | --sample-org] [--faults faults.json]
 *                          [--state-dir dir] [--ready-file file] [--token-lifetime s] [--delta-page-size n] [--verbose]
 *
 * This file is loaded by Node's own type stripping, so it has no import statements (that keeps it
 * CommonJS); it registers a module hook that compiles the other .ts files with the project's
 * TypeScript (CommonJS output, like ts-jest), then runs cli-main.ts.
 */
const nodeModule: typeof import('node:module') = require('node:module');
const nodeFs: typeof import('node:fs') = require('node:fs');
const nodeUrl: typeof import('node:url') = require('node:url');
const typescript: typeof import('typescript') = require('typescript');

nodeModule.registerHooks({
	resolve(specifier, context, nextResolve) {
		// Relative imports are written without an extension (as tsc and ts-jest expect): add ".ts".
		if (specifier.startsWith('.') && context.parentURL && !/\.[cm]?[jt]s$/.test(specifier)) {
			const candidate = new URL(`${specifier}.ts`, context.parentURL);
			if (nodeFs.existsSync(nodeUrl.fileURLToPath(candidate))) return nextResolve(`${specifier}.ts`, context);
		}
		return nextResolve(specifier, context);
	},
	load(url, context, nextLoad) {
		if (url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/')) {
			const fileName = nodeUrl.fileURLToPath(url);
			const output = typescript.transpileModule(nodeFs.readFileSync(fileName, 'utf8'), {
				fileName,
				compilerOptions: {
					module: typescript.ModuleKind.CommonJS,
					target: typescript.ScriptTarget.ES2022,
					esModuleInterop: true,
					sourceMap: false,
				},
			});
			return { format: 'commonjs', source: output.outputText, shortCircuit: true };
		}
		return nextLoad(url, context);
	},
});

const cliMain = require('./cli-main') as typeof import('./cli-main');
cliMain.main(process.argv.slice(2)).catch((error: unknown) => {
	console.error('[fakes] failed to start:', error);
	process.exit(1);
});

/**
 * The package in n8n's editor, as a user meets it: a real n8n (`n8n start`) with the packed package
 * and the fakes, Debian's Chromium driven by playwright-core. Signs in as the owner it sets up, imports
 * every shipped template through Import from File, opens every node of the package in every resource
 * and operation, picks a group through the Group Scope search, tests both credentials with a good and a
 * bad secret, runs the daily template with Execute workflow and reads its report. Writes the README's
 * screenshots (docs/images/, or $ENTRA_SYNC_SCREENSHOTS_DIR) and prints what it checked.
 *
 * Run through `bash scripts/browser.sh` (part of `npm test`).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeParameters } from 'n8n-workflow';

import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
	generateSampleOrg,
} from '../fakes/sample-org';
import { e2eConfig } from '../e2e/support/config';
import { startE2eFakes, type E2eFakes } from '../e2e/support/fakes';
import { N8n, type Json, type N8nServer } from '../e2e/support/n8n';
import { PARTITION_KEY, partitionsOnMain } from '../e2e/support/queue';
import {
	DAILY,
	ENTRA_CREDENTIAL,
	fakeCredentials,
	loadTemplate,
	PACKAGE_NAME,
} from '../e2e/support/workflows';
import { Editor } from './support/editor';
import {
	configuredParameters,
	credentialOf,
	type Description,
	panelProblems,
	requiredNeverShown,
	shownNames,
	variantsOf,
} from './support/node-types';

const OWNER = { email: 'e2e@entra-sync.example', password: 'E2e-owner-password-1' };
const CREDENTIAL_IDS = { entra: 'browserEntraCred1', messagemedia: 'browserMmCred0001' };
const config = e2eConfig();
const screenshots =
	process.env.ENTRA_SYNC_SCREENSHOTS_DIR ?? join(config.projectRoot, 'docs', 'images');
const chromiumPath = process.env.ENTRA_SYNC_CHROMIUM ?? '/usr/bin/chromium';

let fakes: E2eFakes;
let server: N8nServer;
let editor: Editor;
let types: Map<string, Description>;
const seed = generateSampleOrg();
/** Values that exist in the fake account, for required pickers of generated nodes. */
const KNOWN = {
	listId: seed.messagemedia?.accounts?.[0]?.lists?.[0]?.id,
	contactFields: {
		mappingMode: 'defineBelow',
		value: { phone: '+61491570156' },
		matchingColumns: [],
		schema: [],
	},
};
const CREDENTIAL_NAMES = {
	entra: 'Entra ID (fake tenant)',
	messagemedia: 'MessageMedia (fake account)',
};
const report: string[] = [];
const templateIds = new Map<string, string>();

const isOurs = (node: Json) => String(node.type).startsWith(`${PACKAGE_NAME}.`);
const print = (line: string) => report.push(line);

/** Fails with every problem found (not just the first), each naming where it is. */
function expectNoProblems(problems: string[]): void {
	if (problems.length > 0)
		throw new Error(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
}

beforeAll(async () => {
	fakes = await startE2eFakes({ seed });
	const n8n = N8n.forTest('browser', fakes.fakes.caFile);
	await n8n.importCredentials([
		// The Header Auth credential the partitioned template's Setup note asks for.
		PARTITION_KEY,
		...fakeCredentials(
			fakes.fakes.url,
			{
				tenantId: SAMPLE_TENANT_ID,
				clientId: SAMPLE_CLIENT_ID,
				clientSecret: SAMPLE_CLIENT_SECRET,
			},
			{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
			CREDENTIAL_IDS,
		),
	]);
	server = await n8n.start();
	await server.rest('GET', '/rest/login'); // sets up the owner account on first use
	editor = await Editor.launch(chromiumPath, server.url);
	mkdirSync(screenshots, { recursive: true });
}, 240_000);

afterAll(async () => {
	await editor?.close();
	await server?.stop();
	await fakes?.fakes.close();
	if (report.length > 0)
		process.stdout.write(
			`\n[browser] what the editor suite checked:\n${report.map((line) => `  ${line}`).join('\n')}\n\n`,
		);
});

/** A test of the suite: on failure, a screenshot of the editor goes to the scratch directory. */
function browserTest(name: string, run: () => Promise<void>, timeout?: number): void {
	test(
		name,
		async () => {
			try {
				await run();
			} catch (error) {
				const file = join(config.workDir, `failure-${name.replace(/\W+/g, '-').slice(0, 60)}.png`);
				await editor?.page.screenshot({ path: file }).catch(() => undefined);
				throw error;
			}
		},
		timeout,
	);
}

browserTest(
	'signs in as the owner and reads the package node types n8n serves the editor',
	async () => {
		await editor.signIn(OWNER.email, OWNER.password);
		const response = await editor.page.request.get(`${server.url}/types/nodes.json`);
		expect(response.ok()).toBe(true);
		const all = (await response.json()) as Description[];
		// n8n adds a "…Tool" variant of every node usable as an AI tool; the suite opens the nodes themselves.
		types = new Map(
			all
				.filter((d) => d.name.startsWith(`${PACKAGE_NAME}.`) && !d.name.endsWith('Tool'))
				.map((d) => [d.name, d]),
		);
		expect([...types.keys()].sort()).toEqual(
			[
				'contactMapper',
				'entraDirectory',
				'entraDirectoryPushTrigger',
				'entraDirectoryTrigger',
				'messageMediaContacts',
			].map((n) => `${PACKAGE_NAME}.${n}`),
		);
		print(`signed in as ${OWNER.email}; n8n serves ${types.size} node types of the package`);
	},
);

browserTest(
	'imports every shipped template; no issue markers; each package panel shows what the template sets',
	async () => {
		const files = readdirSync(join(config.projectRoot, 'templates'))
			.filter((f) => f.endsWith('.json'))
			.sort();
		expect(files.length).toBeGreaterThanOrEqual(5);
		const problems: string[] = [];
		for (const file of files) {
			const found = problems.length;
			const mark = editor.errors.length;
			let template = loadTemplate(config.projectRoot, file);
			// The partitioned template as its Setup note says: the Header Auth key on both ends, the webhook URL.
			if (file === 'entra-sync-partitioned.json')
				template = partitionsOnMain(template, Number(new URL(server.url).port));
			const id = await editor.importWorkflow(file, template);
			templateIds.set(file, id);
			const withIssues = await editor.nodesWithIssues();
			if (withIssues.length > 0)
				problems.push(`${file}: issue markers on ${withIssues.join(', ')}`);
			const ours = (template.nodes as Json[]).filter(isOurs);
			for (const node of ours) {
				const description = types.get(node.type)!;
				await editor.openNode(node.name);
				const shown = await editor.shownParameters();
				for (const problem of panelProblems(description, node.parameters as INodeParameters, shown))
					problems.push(`${file} › ${node.name}: ${problem}`);
				const slots = await editor.shownCredentialSlots();
				let chosen = '';
				if (node.type.endsWith('.messageMediaContacts')) {
					// One-way syncs show the MessageMedia credential only; write-back ones also Entra ID's, which
					// import leaves to the user (it is optional): choose it as they would.
					const writesBack = ['bidirectional', 'toDirectory'].includes(
						String(node.parameters.direction),
					);
					if (slots.length !== (writesBack ? 2 : 1))
						problems.push(`${file} › ${node.name}: credential fields shown: ${slots.join(', ')}`);
					if (writesBack && slots.length === 2) {
						await editor.chooseCredential(1, CREDENTIAL_IDS.entra);
						chosen = ' (Entra ID credential chosen)';
					}
					if (file === DAILY.file)
						await editor.screenshot(
							join(screenshots, 'sync-panel.png'),
							editor.page.locator('[data-test-id=ndv]'),
						);
				}
				const selected = await editor.selectedCredentials();
				if (selected.some((name) => name === ''))
					problems.push(
						`${file} › ${node.name}: a credential shown is not set (${slots.join(', ')})`,
					);
				await editor.closeNode();
				if (chosen) await editor.saveWorkflow();
			}
			for (const error of editor.ourErrors(mark))
				problems.push(`${file}: ${error.kind} error: ${error.text}`);
			if (problems.length === found)
				print(
					`template ${file}: imported (${(template.nodes as Json[]).length} nodes), no issue markers, ${ours.length} package panels show what it sets, credentials set`,
				);
		}
		expectNoProblems(problems);
	},
);

browserTest(
	'opens every node of the package in every resource and operation without issues or errors',
	async () => {
		const nodes: Json[] = [];
		const variants = [...types.values()].flatMap((description) =>
			variantsOf(description).map((variant) => ({ description, variant })),
		);
		variants.forEach(({ description, variant }, index) => {
			const credential = credentialOf(variant.type);
			nodes.push({
				id: `variant-${index}`,
				name: variant.label,
				type: variant.type,
				typeVersion: 1,
				position: [(index % 6) * 260, Math.floor(index / 6) * 220],
				parameters: configuredParameters(description, variant, KNOWN),
				credentials: {
					[credential]:
						credential === ENTRA_CREDENTIAL
							? { id: CREDENTIAL_IDS.entra, name: CREDENTIAL_NAMES.entra }
							: { id: CREDENTIAL_IDS.messagemedia, name: CREDENTIAL_NAMES.messagemedia },
				},
			});
		});
		const mark = editor.errors.length;
		const id = await editor.importWorkflow('every-operation.json', {
			name: 'Every operation of the package',
			nodes,
			connections: {},
		});
		templateIds.set('every-operation', id);
		const problems: string[] = [];
		const withIssues = await editor.nodesWithIssues();
		if (withIssues.length > 0) problems.push(`issue markers on ${withIssues.join(', ')}`);
		const shownSomewhere = new Map<string, Set<string>>();
		for (const node of nodes) {
			const description = types.get(node.type)!;
			await editor.openNode(node.name);
			const shown = await editor.shownParameters();
			for (const problem of panelProblems(description, node.parameters, shown))
				problems.push(`${node.name}: ${problem}`);
			const seen = shownSomewhere.get(node.type) ?? new Set<string>();
			for (const name of shownNames(description, shown)) seen.add(name);
			shownSomewhere.set(node.type, seen);
			await editor.closeNode();
		}
		for (const [type, description] of types) {
			for (const name of requiredNeverShown(description, shownSomewhere.get(type) ?? new Set())) {
				problems.push(
					`${type}: the required parameter "${name}" is shown by no resource/operation`,
				);
			}
		}
		for (const error of editor.ourErrors(mark)) problems.push(`${error.kind} error: ${error.text}`);
		expectNoProblems(problems);
		print(
			`opened ${nodes.length} panels (every resource/operation of the ${types.size} nodes): no issue markers, no errors, every required parameter shown`,
		);
	},
);

browserTest('picks a group through the Group Scope resource locator (search)', async () => {
	await editor.openWorkflow(templateIds.get('every-operation')!);
	await editor.openNode('entraDirectory user/getAll');
	const mark = editor.errors.length;
	const { results, shown } = await editor.pickFromResourceLocator('groupScope', 'Sales');
	expect(results.length).toBeGreaterThan(0);
	expect(results.every((name) => /^Sales/i.test(name))).toBe(true);
	expect(shown).toMatch(/^Sales/);
	expect(editor.ourErrors(mark)).toEqual([]);
	await editor.closeNode();
	print(
		`Group Scope search "Sales" listed ${results.length} group(s) (${results.slice(0, 3).join('; ')}); picked "${shown}"`,
	);
});

browserTest('each credential Test says OK for a good secret and why for a bad one', async () => {
	const cases = [
		{
			name: CREDENTIAL_NAMES.entra,
			field: 'clientSecret',
			good: SAMPLE_CLIENT_SECRET,
			why: /AADSTS\d+|secret/i,
		},
		{
			name: CREDENTIAL_NAMES.messagemedia,
			field: 'apiSecret',
			good: SAMPLE_MM_API_SECRET,
			why: /rejected the API key\/secret/,
		},
	];
	for (const credential of cases) {
		let bad: { ok: boolean; message: string };
		let good: { ok: boolean; message: string };
		try {
			bad = await editor.testCredential(
				credential.name,
				credential.field,
				'wrong-secret-0000000000000000',
			);
		} finally {
			// The good secret goes back whatever happened: the run below uses this credential.
			good = await editor.testCredential(credential.name, credential.field, credential.good);
		}
		expect(bad.ok).toBe(false);
		expect(bad.message).toMatch(credential.why);
		expect(good).toEqual({ ok: true, message: 'Connection tested successfully' });
		print(
			`credential "${credential.name}": bad secret → "${bad.message}"; good secret → "${good.message}"`,
		);
	}
});

browserTest('runs the daily template with Execute workflow and shows the report', async () => {
	const mark = editor.errors.length;
	await editor.openWorkflow(templateIds.get(DAILY.file)!);
	await editor.executeWorkflow();
	expect(await editor.nodesWithIssues()).toEqual([]);
	await editor.screenshot(join(screenshots, 'entra-sync-template.png'));
	await editor.openNode(DAILY.mapper);
	await editor.screenshot(
		join(screenshots, 'contact-mapper-panel.png'),
		editor.page.locator('[data-test-id=ndv]'),
	);
	await editor.closeNode();
	await editor.openNode(DAILY.report);
	const output = await editor.outputText();
	const report = /Entra Sync \(full run\): (\d+) created[^"]*?\./.exec(output);
	expect(report).not.toBeNull();
	expect(Number(report![1])).toBeGreaterThan(0);
	await editor.screenshot(
		join(screenshots, 'run-report.png'),
		editor.page.locator('[data-test-id=ndv]'),
	);
	await editor.closeNode();
	expect(editor.ourErrors(mark)).toEqual([]);
	print(`Execute workflow on the daily template: "${report![0]}"`);
	print(
		`screenshots written to ${screenshots}: entra-sync-template.png, contact-mapper-panel.png, sync-panel.png, run-report.png`,
	);
});

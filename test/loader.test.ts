/**
 * Loads the built package the way n8n does (n8n-core's PackageDirectoryLoader over package.json's
 * "n8n" section and dist/) and checks every node and credential is found with a usable description.
 * Needs `npm run build` first (the test command builds before running jest).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PackageDirectoryLoader } from 'n8n-core';
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

const root = join(__dirname, '..');
const pkg = require(join(root, 'package.json'));

const expectedNodes = [
	'entraDirectory',
	'entraDirectoryTrigger',
	'entraDirectoryPushTrigger',
	'contactMapper',
	'messageMediaContacts',
];
const expectedCredentials = ['entraSyncEntraIdApi', 'entraSyncMessageMediaApi'];
/** The node categories n8n's node-building documentation offers for codex files (spelled exactly). */
const CODEX_CATEGORIES = [
	'Analytics',
	'Communication',
	'Data & Storage',
	'Development',
	'Finance & Accounting',
	'Marketing & Content',
	'Miscellaneous',
	'Productivity',
	'Sales',
	'Utility',
];

function walk(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = join(dir, name);
		return statSync(full).isDirectory() ? walk(full) : [full];
	});
}

function iconFiles(icon: INodeTypeDescription['icon'], baseFile: string): string[] {
	if (!icon) return [];
	const icons = typeof icon === 'string' ? [icon] : [icon.light, icon.dark];
	return icons.map((i) =>
		join(
			root,
			'dist',
			relative(join(root, 'dist'), join(baseFile, '..', String(i).replace('file:', ''))),
		),
	);
}

/** Every displayOptions.show/hide key must name a parameter of the node (or a special one). */
function checkDisplayOptions(description: INodeTypeDescription): string[] {
	const names = new Set<string>(['@version', '@tool']);
	const collect = (props: INodeProperties[]) => {
		for (const p of props) names.add(p.name);
	};
	collect(description.properties);
	const problems: string[] = [];
	for (const p of description.properties) {
		for (const block of [p.displayOptions?.show, p.displayOptions?.hide]) {
			for (const key of Object.keys(block ?? {})) {
				if (!names.has(key.replace(/^\//, '')))
					problems.push(`${description.name}.${p.name} refers to unknown "${key}"`);
			}
		}
	}
	return problems;
}

describe('package loads in n8n', () => {
	let loader: PackageDirectoryLoader;

	beforeAll(async () => {
		if (!existsSync(join(root, 'dist')))
			throw new Error('dist/ is missing: run `npm run build` first');
		loader = new PackageDirectoryLoader(root);
		await loader.loadAll();
	});

	it('registers every node file under nodes/ and nothing missing from dist', () => {
		const sources = walk(join(root, 'nodes'))
			.filter((f) => f.endsWith('.node.ts'))
			.map((f) => 'dist/' + relative(root, f).replace(/\.ts$/, '.js'))
			.sort();
		expect([...pkg.n8n.nodes].sort()).toEqual(sources);
		for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
			expect(existsSync(join(root, file))).toBe(true);
		}
	});

	it('finds the four nodes and two credentials under their contract names', () => {
		expect(Object.keys(loader.nodeTypes).sort()).toEqual([...expectedNodes].sort());
		expect(Object.keys(loader.credentialTypes).sort()).toEqual([...expectedCredentials].sort());
		expect(loader.packageName).toBe('n8n-nodes-entra-sync');
	});

	it.each(expectedNodes)('node %s has a complete description', (name) => {
		const { type, sourcePath } = loader.nodeTypes[name];
		const description = type.description as INodeTypeDescription & {
			codex?: unknown;
			iconUrl?: unknown;
		};
		expect(description.name).toBe(name);
		expect(description.displayName).toBeTruthy();
		expect(description.description).toBeTruthy();
		expect(description.subtitle ?? (description.polling ? 'trigger' : undefined)).toBeTruthy();
		expect(description.defaults?.name).toBeTruthy();
		expect(description.properties.length).toBeGreaterThan(0);
		for (const p of description.properties) {
			expect(p.name).toMatch(/^[a-z][A-Za-z0-9]*$/);
			expect(p.displayName).toBeTruthy();
			expect(p.type).toBeTruthy();
			expect(p).toHaveProperty('default');
		}
		expect(checkDisplayOptions(description)).toEqual([]);
		for (const cred of description.credentials ?? []) {
			expect(expectedCredentials).toContain(cred.name);
		}
		// Icons resolved by the loader and present in dist (copied by gulp).
		expect(description.iconUrl).toBeTruthy();
		const icons = iconFiles(
			(type.description as INodeTypeDescription).icon,
			join(root, sourcePath),
		);
		for (const icon of icons) expect(existsSync(icon)).toBe(true);
		// Codex (categories, documentation links) picked up from the .node.json next to the node.
		expect(description.codex).toBeTruthy();
		const categories = (description.codex as { categories?: string[] }).categories ?? [];
		expect(categories.length).toBeGreaterThan(0);
		expect(categories.filter((category) => !CODEX_CATEGORIES.includes(category))).toEqual([]);
	});

	it('marks the trigger as a polling trigger and the action nodes as usable by AI tools', () => {
		const trigger = loader.nodeTypes.entraDirectoryTrigger.type.description as INodeTypeDescription;
		expect(trigger.polling).toBe(true);
		expect(trigger.inputs).toEqual([]);
		expect(trigger.usableAsTool).toBeUndefined();
		for (const name of ['entraDirectory', 'contactMapper', 'messageMediaContacts']) {
			expect((loader.nodeTypes[name].type.description as INodeTypeDescription).usableAsTool).toBe(
				true,
			);
		}
	});

	it('makes the push trigger a webhook trigger with a notification and a lifecycle URL', () => {
		const push = loader.nodeTypes.entraDirectoryPushTrigger.type
			.description as INodeTypeDescription;
		expect(push.webhooks?.map((w) => [w.name, w.httpMethod, w.path])).toEqual([
			['lifecycle', 'POST', 'lifecycle'],
			['default', 'POST', 'notify'],
		]);
		expect(push.polling).toBeUndefined();
		expect(push.inputs).toEqual([]);
		expect(push.usableAsTool).toBeUndefined();
	});

	it.each(expectedCredentials)('credential %s has fields, a test and an icon', (name) => {
		const { type } = loader.credentialTypes[name];
		expect(type.displayName).toBeTruthy();
		expect(type.documentationUrl).toBeTruthy();
		expect(type.properties.length).toBeGreaterThan(0);
		for (const p of type.properties) {
			if (/secret|privateKey/i.test(p.name)) expect(p.typeOptions?.password).toBe(true);
		}
		// Tested by a node method (token acquisition / HMAC signing cannot be declarative).
		const testers = Object.values(loader.nodeTypes).flatMap(({ type: node }) =>
			((node.description as INodeTypeDescription).credentials ?? []).filter(
				(c) => c.name === name && c.testedBy,
			),
		);
		expect(testers.length).toBeGreaterThan(0);
		expect((type as { iconUrl?: unknown }).iconUrl ?? type.icon).toBeTruthy();
	});
});

/**
 * The README is the user's guide: every parameter name its reference tables document must exist in the
 * node descriptions, every operation it names must exist, and every npm command it tells users to run
 * must be a script of package.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeProperties, INodePropertyCollection, INodeType } from 'n8n-workflow';

import { ContactMapper } from '../nodes/ContactMapper/ContactMapper.node';
import { EntraDirectory } from '../nodes/EntraDirectory/EntraDirectory.node';
import { EntraDirectoryPushTrigger } from '../nodes/EntraDirectoryPushTrigger/EntraDirectoryPushTrigger.node';
import { EntraDirectoryTrigger } from '../nodes/EntraDirectoryTrigger/EntraDirectoryTrigger.node';
import { MessageMediaContacts } from '../nodes/MessageMediaContacts/MessageMediaContacts.node';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Names of parameters at any depth (collections, fixed collections) and the values of options. */
function collect(
	properties: Array<INodeProperties | INodePropertyCollection>,
	names: Set<string>,
	values: Set<string>,
): void {
	for (const property of properties) {
		names.add(property.name);
		if ('values' in property) collect(property.values, names, values);
		if ('options' in property && Array.isArray(property.options)) {
			for (const option of property.options) {
				if ('value' in option) values.add(String(option.value));
				else collect([option as INodeProperties | INodePropertyCollection], names, values);
			}
		}
	}
}

function section(title: string): string {
	const start = readme.indexOf(`### ${title}`);
	expect(start).toBeGreaterThan(-1);
	const next = readme.indexOf('\n### ', start + 4);
	return readme.slice(start, next === -1 ? undefined : next);
}

/** Backticked names in the first cell of the rows of "| parameter | meaning |" tables (cells padded as Prettier aligns them): "| `a` / `b` |" → [a, b]. */
function documentedParameters(text: string): string[] {
	const tables = [
		...text.matchAll(/^\| parameter +\| meaning +\|\n\| -+ \| -+ \|\n((?:\|.*\n)+)/gm),
	].map((m) => m[1]);
	return tables.flatMap((rows) =>
		[...rows.matchAll(/^\| ((?:`[A-Za-z]+`(?: \/ )?)+) +\|/gm)].flatMap((m) =>
			[...m[1].matchAll(/`([A-Za-z]+)`/g)].map((n) => n[1]),
		),
	);
}

/** Operation values in "Resource → Operation (`value`)" cells. */
function documentedOperations(text: string): string[] {
	return [...text.matchAll(/^\| [^|]*?\(`([A-Za-z]+)`\) +\|/gm)].map((m) => m[1]);
}

const nodes: Array<[string, INodeType]> = [
	['Entra Directory', new EntraDirectory()],
	['Entra Directory Trigger', new EntraDirectoryTrigger()],
	['Entra Directory Push Trigger', new EntraDirectoryPushTrigger()],
	['Contact Mapper', new ContactMapper()],
	['MessageMedia Contacts', new MessageMediaContacts()],
];

describe('README reference matches the nodes', () => {
	it.each(nodes)('every parameter and operation documented for %s exists', (title, node) => {
		const names = new Set<string>();
		const values = new Set<string>();
		collect(node.description.properties, names, values);
		const text = section(title);
		const parameters = documentedParameters(text);
		expect(parameters.length).toBeGreaterThan(0);
		expect(parameters.filter((name) => !names.has(name))).toEqual([]);
		expect(documentedOperations(text).filter((value) => !values.has(value))).toEqual([]);
	});

	it('documents every top-level parameter of the Contact Mapper and the Sync operation', () => {
		const mapper = new ContactMapper().description.properties.map((p) => p.name);
		expect(
			mapper.filter((name) => !documentedParameters(section('Contact Mapper')).includes(name)),
		).toEqual([]);
		const sync = new MessageMediaContacts().description.properties.filter((p) =>
			(p.displayOptions?.show?.operation ?? []).includes('sync'),
		);
		const documented = documentedParameters(section('MessageMedia Contacts'));
		const syncNames = sync.flatMap((p) =>
			p.type === 'collection' ? (p.options as INodeProperties[]).map((o) => o.name) : [p.name],
		);
		expect(syncNames.filter((name) => !documented.includes(name))).toEqual([]);
	});

	it('documents every parameter of the Entra Directory Push Trigger', () => {
		const names = new EntraDirectoryPushTrigger().description.properties
			.filter((p) => p.type !== 'notice')
			.map((p) => p.name);
		const documented = documentedParameters(section('Entra Directory Push Trigger'));
		expect(names.filter((name) => !documented.includes(name))).toEqual([]);
	});

	it('every npm command in the README is a script of package.json', () => {
		const commands = [...readme.matchAll(/npm run ([a-z:0-9-]+)/g)].map((m) => m[1]);
		expect(commands.length).toBeGreaterThan(0);
		for (const command of commands) expect(Object.keys(pkg.scripts)).toContain(command);
		expect(readme).toContain('npm test');
		expect(pkg.scripts.test).toBeTruthy();
	});

	it('the credential field names the README relies on exist', () => {
		const entra = require('../credentials/EntraSyncEntraIdApi.credentials');
		const mm = require('../credentials/EntraSyncMessageMediaApi.credentials');
		const fields = (cls: new () => { properties: INodeProperties[] }) =>
			new cls().properties.map((p) => p.name);
		expect(fields(entra.EntraSyncEntraIdApi)).toEqual(
			expect.arrayContaining([
				'tenantId',
				'clientId',
				'authMethod',
				'clientSecret',
				'certificatePrivateKey',
				'certificateThumbprint',
				'cloud',
				'authorityHost',
				'graphBaseUrl',
			]),
		);
		expect(fields(mm.EntraSyncMessageMediaApi)).toEqual(
			expect.arrayContaining(['apiKey', 'apiSecret', 'authMethod', 'region', 'baseUrl']),
		);
	});
});

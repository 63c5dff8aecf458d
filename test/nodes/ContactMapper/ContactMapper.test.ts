import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type {
	IDataObject,
	INodeExecutionData,
	INodeParameters,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ContactMapper } from '../../../nodes/ContactMapper/ContactMapper.node';
import { executeContext } from '../../support/n8n-context';

const node = new ContactMapper();

/** Runs the node in n8n's own context: parameters as stored (defaults filled in by n8n), expressions evaluated per item. */
async function run(parameters: INodeParameters, inputs: IDataObject[], continueOnFail = false) {
	const context = executeContext(node, { parameters, items: inputs, continueOnFail });
	const [contacts, rejected] = (await node.execute.call(context)) as INodeExecutionData[][];
	return {
		contacts,
		rejected,
		hints: (context as unknown as { hints: NodeExecutionHint[] }).hints,
	};
}

const alice = {
	id: 'u1',
	displayName: 'Alice Nguyen',
	mobilePhone: '0412 345 678',
	mail: 'alice@contoso.example',
	department: 'Sales',
	accountEnabled: true,
};
const heidi = {
	id: 'u2',
	displayName: 'Heidi Ext',
	mobilePhone: '0412 345 678 x123',
	department: 'Support',
	accountEnabled: true,
};
const dan = {
	id: 'u3',
	displayName: 'Dan Marketing',
	mobilePhone: '0412 000 222',
	department: 'Marketing',
	accountEnabled: true,
};
const inputs = [alice, heidi, {}, dan];

const expectedContacts = [
	{
		json: {
			sourceId: 'u1',
			action: 'upsert',
			contact: {
				phone: '+61412345678',
				firstName: 'Alice',
				lastName: 'Nguyen',
				email: 'alice@contoso.example',
				lists: ['Sales'],
			},
		},
		pairedItem: { item: 0 },
	},
	{
		json: {
			sourceId: 'u3',
			action: 'remove',
			reason: 'outOfScope',
			contact: { phone: '+61412000222' },
		},
		pairedItem: { item: 3 },
	},
];
const expectedRejected = [
	{
		json: {
			sourceId: 'u2',
			code: 'phoneHasExtension',
			reason:
				'mobilePhone: "0412 345 678 x123" has an extension (123); an SMS number cannot have one',
			field: 'phone',
			source: heidi,
		},
		pairedItem: { item: 1 },
	},
];

describe('Contact Mapper node', () => {
	it('describes a programmatic node with two outputs, tool use, themed icons and a codex', () => {
		const { description } = node;
		expect(description.name).toBe('contactMapper');
		expect(description.version).toBe(1);
		expect(description.outputs).toEqual(['main', 'main']);
		expect(description.outputNames).toEqual(['Contacts', 'Rejected']);
		expect(description.usableAsTool).toBe(true);
		expect(description.subtitle).toBeTruthy();
		expect(description.properties.map((property) => property.name)).toEqual([
			'configurationMode',
			'configurationJson',
			'mapping',
			'fixedLists',
			'scopeFilters',
			'combineFilters',
			'defaultCountry',
			'countryAttribute',
			'phoneSources',
			'allowFixedLine',
			'mobileOnly',
			'outOfScopeHandling',
			'truncation',
			'includeFingerprint',
			'includeSource',
		]);
		const folder = join(__dirname, '../../../nodes/ContactMapper');
		const icon = description.icon as { light: string; dark: string };
		const light = readFileSync(join(folder, icon.light.replace('file:', '')), 'utf8');
		const dark = readFileSync(join(folder, icon.dark.replace('file:', '')), 'utf8');
		expect(light).toMatch(/^<svg /);
		expect(dark).toMatch(/^<svg /);
		expect(dark).not.toBe(light);
		const codex = JSON.parse(readFileSync(join(folder, 'ContactMapper.node.json'), 'utf8'));
		expect(codex.node).toBe('n8n-nodes-entra-sync.contactMapper');
	});

	it('JSON mode with the example configuration default: Contacts and Rejected outputs with pairedItem, {} skipped', async () => {
		const result = await run({ configurationMode: 'json', defaultCountry: 'AU' }, inputs);
		expect(result.contacts).toEqual(expectedContacts);
		expect(result.rejected).toEqual(expectedRejected);
	});

	it('form mode defaults are the example configuration', async () => {
		const result = await run({ defaultCountry: 'AU' }, inputs);
		expect(result.contacts).toEqual(expectedContacts);
		expect(result.rejected).toEqual(expectedRejected);
	});

	it('adds the fingerprint only with Include Fingerprint', async () => {
		const result = await run({ defaultCountry: 'AU', includeFingerprint: true }, [alice]);
		expect(result.contacts[0].json).toEqual({
			...expectedContacts[0].json,
			fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
		});
	});

	it('outputs nothing for only the Always Output Data placeholder', async () => {
		expect(await run({}, [{}])).toEqual({ contacts: [], rejected: [], hints: [] });
	});

	it('form mode: expression sources are evaluated per item, filters and options apply', async () => {
		const params = {
			mapping: {
				rows: [
					{ source: 'mobilePhone', field: 'phone' },
					{ source: '={{ $json.extension_nick }}', field: 'firstName' },
					{ source: 'employeeId', field: 'customField', customFieldKey: 'employee_id' },
				],
			},
			scopeFilters: {
				rows: [
					{ attribute: 'jobTitle', operator: 'regex', value: 'engineer' },
					{ attribute: 'department', operator: 'in', value: 'Ops' },
				],
			},
			combineFilters: 'or',
			fixedLists: 'All Staff, Alerts',
			defaultCountry: 'GB',
			outOfScopeHandling: 'drop',
		};
		const users = [
			{
				id: 'a',
				jobTitle: 'Senior Engineer',
				mobilePhone: '07911 123456',
				extension_nick: 'Al',
				employeeId: 7,
			},
			{ id: 'b', department: 'ops', mobilePhone: '07911 123457', extension_nick: 'Bea' },
			{ id: 'c', department: 'Sales', mobilePhone: '07911 123458', extension_nick: 'Cy' },
		];
		const result = await run(params, users);
		expect(result.contacts.map((item) => [item.json.contact, item.pairedItem])).toEqual([
			[
				{
					phone: '+447911123456',
					firstName: 'Al',
					lists: ['All Staff', 'Alerts'],
					customFields: { employee_id: '7' },
				},
				{ item: 0 },
			],
			[
				{
					phone: '+447911123457',
					firstName: 'Bea',
					lists: ['All Staff', 'Alerts'],
					customFields: { employee_id: '' },
				},
				{ item: 1 },
			],
		]);
		expect(result.rejected).toEqual([]);
	});

	it('case 10: a desk line goes to Rejected (phoneNotMobile) by default, in both modes; Allow Fixed-Line Numbers keeps it', async () => {
		const grace = {
			id: 'u7',
			displayName: 'Grace Desk',
			businessPhones: ['+61 2 9374 4000'],
			department: 'Sales',
			accountEnabled: true,
		};
		for (const configurationMode of ['json', 'form']) {
			const rejected = await run({ configurationMode, defaultCountry: 'AU' }, [grace]);
			expect(rejected.contacts).toEqual([]);
			expect(rejected.rejected.map((item) => [item.json.code, item.json.reason])).toEqual([
				[
					'phoneNotMobile',
					'businessPhones[0]: "+61 2 9374 4000" is a fixed-line number, which cannot receive SMS (allowFixedLine keeps fixed lines)',
				],
			]);
			const kept = await run({ configurationMode, defaultCountry: 'AU', allowFixedLine: true }, [
				grace,
			]);
			expect(kept.contacts.map((item) => (item.json.contact as { phone: string }).phone)).toEqual([
				'+61293744000',
			]);
		}
	});

	it('reports truncated values as an execution hint with counts', async () => {
		const params = { defaultCountry: 'AU', scopeFilters: { rows: [] } };
		const longName = {
			id: 'l',
			displayName: `Victor ${'Q'.repeat(70)}`,
			mobilePhone: '0412345678',
			department: 'Sales',
		};
		const result = await run(params, [longName, { ...longName, id: 'm' }]);
		expect(result.contacts.map((item) => item.json.truncated)).toEqual([
			['lastName'],
			['lastName'],
		]);
		expect(result.hints).toEqual([
			{
				message:
					'Some values were cut to fit MessageMedia\'s length limits (lastName ×2); see "truncated" on the items',
				type: 'warning',
				location: 'outputPane',
			},
		]);
	});

	it.each<[string, INodeParameters, RegExp]>([
		[
			'malformed JSON',
			{ configurationMode: 'json', configurationJson: '{"sync": {' },
			/^configurationJson: not valid JSON/,
		],
		[
			'an unknown key',
			{
				configurationMode: 'json',
				configurationJson: '{"sync": {"mapping": {"mail": "email"}, "filter": {}}}',
			},
			/^sync\.filter: unknown key/,
		],
		[
			'an unknown contact field',
			{ configurationMode: 'json', configurationJson: { sync: { mapping: { mail: 'e-mail' } } } },
			/^sync\.mapping\.mail: unknown contact field "e-mail"/,
		],
		[
			'a bad default country',
			{ defaultCountry: 'Australia' },
			/^defaultCountry: "Australia" is not an ISO 3166-1 alpha-2 country code/,
		],
		[
			'an invalid regex in a form row',
			{ scopeFilters: { rows: [{ attribute: 'jobTitle', operator: 'regex', value: '([' }] } },
			/^Scope filter 1: invalid regular expression/,
		],
	])(
		'a configuration error (%s) becomes a NodeOperationError naming the key',
		async (_case, overrides, message) => {
			const failure = run(overrides, [alice]);
			await expect(failure).rejects.toBeInstanceOf(NodeOperationError);
			await expect(failure).rejects.toThrow(message);
		},
	);

	it('a failing per-item expression stops the run, or with continueOnFail becomes a Rejected error item for that item', async () => {
		// n8n fails the expression for an item without a manager: it refers to a node the workflow does not have.
		const note =
			"={{ $json.manager ? $json.manager.displayName : $('Manager Lookup').item.json.displayName }}";
		const MESSAGE = "Referenced node doesn't exist";
		const params = {
			defaultCountry: 'AU',
			scopeFilters: { rows: [] },
			mapping: {
				rows: [
					{ source: 'mobilePhone', field: 'phone' },
					{ source: note, field: 'note' },
				],
			},
		};
		const managed = { ...alice, manager: { displayName: 'Mia Boss' } };
		const broken = { ...heidi, mobilePhone: '0412 345 679' };
		const failure = run(params, [managed, broken]);
		await expect(failure).rejects.toBeInstanceOf(NodeOperationError);
		await expect(failure).rejects.toThrow(MESSAGE);
		const result = await run(params, [managed, broken], true);
		expect(result.contacts.map((item) => [item.json.contact, item.pairedItem])).toEqual([
			[{ phone: '+61412345678', note: 'Mia Boss' }, { item: 0 }],
		]);
		expect(result.rejected).toEqual([{ json: { error: MESSAGE }, pairedItem: { item: 1 } }]);
	});

	it('with continueOnFail a configuration error becomes Rejected error items with pairedItem', async () => {
		const result = await run(
			{ configurationMode: 'json', configurationJson: '{"sync": {"mapping": 3}}' },
			[alice, heidi],
			true,
		);
		expect(result.contacts).toEqual([]);
		const error = {
			error:
				'sync.mapping: must be an object of directory attribute → contact field (got number 3)',
			key: 'sync.mapping',
		};
		expect(result.rejected).toEqual([
			{ json: error, pairedItem: { item: 0 } },
			{ json: error, pairedItem: { item: 1 } },
		]);
	});
});

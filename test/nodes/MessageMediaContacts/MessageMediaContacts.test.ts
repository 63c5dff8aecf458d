import nock from 'nock';
import { NodeHelpers } from 'n8n-workflow';
import type { IDataObject, INodeParameters, INodeProperties } from 'n8n-workflow';

import { EntraSyncMessageMediaApi } from '../../../credentials/EntraSyncMessageMediaApi.credentials';
import { MessageMediaContacts } from '../../../nodes/MessageMediaContacts/MessageMediaContacts.node';
import {
	credentialTestContext,
	execute,
	loadOptionsContext,
	workflowWith,
} from '../../support/n8n-context';
import {
	BASE,
	checkRecordedRequests,
	contact,
	list,
	recordedScope,
	uuid,
	type RecordedRequest,
} from '../../unit/messagemedia/helpers';

const MARKER = 'marker-value-that-must-not-leak';
const CREDENTIALS = { apiKey: 'key-1', apiSecret: MARKER, authMethod: 'basic', region: 'apac' };
const nodeType = new MessageMediaContacts();

/** Runs the node in n8n's own context; per-item values come from expressions over the items, as in n8n. */
async function run(
	parameters: INodeParameters,
	items: IDataObject[] = [{}],
	continueOnFail = false,
) {
	return await execute(nodeType, {
		parameters,
		items,
		credentials: { entraSyncMessageMediaApi: CREDENTIALS },
		continueOnFail,
	});
}

/** The node's outputs as n8n computes them (the `outputs` expression, parameters with defaults filled in). */
function outputsFor(parameters: INodeParameters) {
	const { workflow, node } = workflowWith(nodeType, { parameters });
	return NodeHelpers.getNodeOutputs(workflow, node, nodeType.description);
}

describe('MessageMedia Contacts node description', () => {
	const node = new MessageMediaContacts();

	it('has two outputs (Outcomes, Summary) for Contact → Sync and one for everything else', () => {
		expect(outputsFor({ resource: 'contact', operation: 'sync' })).toEqual([
			{ type: 'main', displayName: 'Outcomes' },
			{ type: 'main', displayName: 'Summary' },
		]);
		expect(outputsFor({ resource: 'contact', operation: 'create' })).toEqual([{ type: 'main' }]);
		expect(outputsFor({ resource: 'list', operation: 'getAll' })).toEqual([{ type: 'main' }]);
		// Parameters left at their defaults (resource contact, operation sync) give the Sync layout.
		expect(outputsFor({})).toHaveLength(2);
	});

	it('tests its credential through a node method and sorts every option list', () => {
		expect(node.description.credentials).toEqual([
			{
				name: 'entraSyncMessageMediaApi',
				required: true,
				testedBy: 'entraSyncMessageMediaApiTest',
			},
			// Optional, for Contact → Sync write-back to the directory only (sync-bidirectional.test.ts).
			{
				name: 'entraSyncEntraIdApi',
				required: false,
				testedBy: 'entraSyncEntraIdApiTest',
				displayOptions: {
					show: {
						resource: ['contact'],
						operation: ['sync'],
						direction: ['bidirectional', 'toDirectory'],
					},
				},
			},
		]);
		expect(Object.keys(node.methods.credentialTest)).toEqual([
			'entraSyncMessageMediaApiTest',
			'entraSyncEntraIdApiTest',
		]);
		const all: INodeProperties[] = [
			...node.description.properties,
			...new EntraSyncMessageMediaApi().properties,
		];
		for (const property of all) {
			const names = (property.options ?? []).map((o) =>
				'displayName' in o ? String(o.displayName) : 'name' in o ? String(o.name) : '',
			);
			expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
		}
		expect(node.description.usableAsTool).toBe(true);
	});

	it('has the credential fields the README documents', () => {
		const credential = new EntraSyncMessageMediaApi();
		expect(credential.name).toBe('entraSyncMessageMediaApi');
		expect(credential.properties.map((p) => p.name)).toEqual([
			'apiKey',
			'apiSecret',
			'authMethod',
			'region',
			'baseUrl',
		]);
		expect(credential.properties.find((p) => p.name === 'authMethod')?.default).toBe('basic');
		expect(credential.properties.find((p) => p.name === 'region')?.default).toBe('apac');
	});
});

describe('MessageMedia credential test', () => {
	const test = new MessageMediaContacts().methods.credentialTest.entraSyncMessageMediaApiTest;
	const call = async (data: IDataObject) =>
		await test.call(credentialTestContext(), {
			id: 'c',
			name: 'MessageMedia',
			type: 'entraSyncMessageMediaApi',
			data: data as never,
		});
	afterEach(() => nock.cleanAll());

	it('401 → a clear message without the secret', async () => {
		nock(BASE)
			.get('/api/v1/contacts/lists')
			.query({ pageSize: '1' })
			.reply(401, `{"message":"Unauthorized ${MARKER}"}`);
		const result = await call(CREDENTIALS);
		expect(result).toEqual({
			status: 'Error',
			message:
				'MessageMedia rejected the API key/secret (check key, secret, auth method and region)',
		});
		expect(JSON.stringify(result)).not.toContain(MARKER);
	});

	it('accepts a signed request on a custom loopback base URL', async () => {
		const scope = nock('http://127.0.0.1:8443')
			.matchHeader(
				'authorization',
				/^hmac username="key-1", algorithm="hmac-sha1", headers="date request-line"/,
			)
			.get('/api/v1/contacts/lists')
			.query({ pageSize: '1' })
			.reply(200, { content: [], totalElements: 0 });
		await expect(
			call({
				...CREDENTIALS,
				authMethod: 'hmac',
				region: 'custom',
				baseUrl: 'http://127.0.0.1:8443/',
			}),
		).resolves.toEqual({
			status: 'OK',
			message: 'Connection successful',
		});
		expect(scope.isDone()).toBe(true);
	});

	it('refuses http:// for a non-loopback host and EU goes to the EU host', async () => {
		const result = await call({
			...CREDENTIALS,
			region: 'custom',
			baseUrl: 'http://api.messagemedia.com',
		});
		expect(result.status).toBe('Error');
		expect(result.message).toContain('must use https://');
		nock('https://eu.app.api.sinch.com')
			.get('/api/v1/contacts/lists')
			.query({ pageSize: '1' })
			.reply(200, { content: [], totalElements: 0 });
		await expect(call({ ...CREDENTIALS, region: 'eu' })).resolves.toMatchObject({ status: 'OK' });
	});
});

describe('MessageMedia Contacts node operations', () => {
	const requests: RecordedRequest[] = [];
	afterEach(async () => await checkRecordedRequests(requests));

	it('List → Add Contacts: 2500 items with one id each cost 3 bulk requests; every item is paired', async () => {
		const listId = uuid();
		const ids = Array.from({ length: 2500 }, () => uuid());
		recordedScope(requests)
			.patch(`/api/v1/contacts/lists/${listId}/contacts`)
			.times(3)
			.reply(200, list({ id: listId }));

		const [output] = await run(
			{ resource: 'list', operation: 'addContacts', listId, contactIds: '={{ $json.id }}' },
			ids.map((id) => ({ id })),
		);
		expect(
			requests.map((r) => (r.body as { contactsToAddIds: string[] }).contactsToAddIds.length),
		).toEqual([1000, 1000, 500]);
		expect(output).toHaveLength(2500);
		expect(output[2499]).toEqual({
			json: { listId, contactIds: [ids[2499]], added: 1 },
			pairedItem: { item: 2499 },
		});
	});

	it('List → Remove Contacts: ids as an array, chunked by 1000', async () => {
		const listId = uuid();
		const ids = Array.from({ length: 2500 }, () => uuid());
		recordedScope(requests)
			.patch(`/api/v1/contacts/lists/${listId}/contacts`)
			.times(3)
			.reply(200, list({ id: listId }));
		const [output] = await run({
			resource: 'list',
			operation: 'removeContacts',
			listId,
			contactIds: ids,
		});
		expect(
			requests.map((r) => (r.body as { contactsToRemoveIds: string[] }).contactsToRemoveIds.length),
		).toEqual([1000, 1000, 500]);
		expect(output).toEqual([
			{ json: { listId, contactIds: ids, removed: 2500 }, pairedItem: { item: 0 } },
		]);
	});

	it('Contact → Create maps fields and custom fields (by merge tag) into a valid request', async () => {
		const fieldId = uuid();
		const listId = uuid();
		const created = contact();
		recordedScope(requests)
			.get('/api/v1/contacts/custom-fields')
			.query(true)
			.reply(200, {
				content: [
					{
						id: fieldId,
						accountId: 'a',
						vendorId: 'v',
						label: 'Department',
						mergeTag: 'department',
						maxLength: 50,
						type: 'TEXT',
						createdDate: '2026-01-01T00:00:00.000Z',
						lastModifiedDate: '2026-01-01T00:00:00.000Z',
					},
				],
				totalElements: 1,
			})
			.post('/api/v1/contacts/contacts')
			.reply(201, created);

		const [output] = await run({
			resource: 'contact',
			operation: 'create',
			contactFields: {
				mappingMode: 'defineBelow',
				value: {
					phone: '+61491570156',
					firstName: 'Ada',
					lastName: '',
					dateOfBirth: '1815-12-10',
					'customField:department': 'Sales',
				},
				schema: [],
			},
			options: { listIds: [listId] },
		});
		expect(requests[1].body).toEqual({
			firstName: 'Ada',
			dateOfBirth: '1815-12-10',
			channels: [{ channelId: '+61491570156', type: 'SMS' }],
			lists: [{ id: listId }],
			customFields: [{ id: fieldId, value: 'Sales' }],
		});
		expect(output).toEqual([{ json: created, pairedItem: { item: 0 } }]);
	});

	it("Contact → Update keeps an existing channel's subscription state and sends channels only when they change", async () => {
		const stored = contact({
			channels: [
				{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
				{ channelId: 'a@b.c', type: 'EMAIL' },
			],
		});
		recordedScope(requests)
			.get(`/api/v1/contacts/contacts/${stored.id}`)
			.times(2)
			.reply(200, stored)
			.patch(`/api/v1/contacts/contacts/${stored.id}`)
			.times(2)
			.reply(200, stored);

		const numbers = ['+61491570156', '+61491570999'];
		await run(
			{
				resource: 'contact',
				operation: 'update',
				contactId: stored.id,
				contactFields: {
					mappingMode: 'defineBelow',
					value: { phone: '={{ $json.phone }}', firstName: 'Grace' },
					schema: [],
				},
			},
			numbers.map((phone) => ({ phone })),
		);
		const patches = requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
		expect(patches).toEqual([
			{ firstName: 'Grace' },
			{
				firstName: 'Grace',
				channels: [{ channelId: '+61491570999', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
			},
		]);
	});

	it('Contact → Update changes the subscription state only when it is mapped explicitly', async () => {
		const stored = contact({
			channels: [{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
		});
		recordedScope(requests)
			.get(`/api/v1/contacts/contacts/${stored.id}`)
			.reply(200, stored)
			.patch(`/api/v1/contacts/contacts/${stored.id}`)
			.reply(200, stored);
		await run({
			resource: 'contact',
			operation: 'update',
			contactId: stored.id,
			contactFields: {
				mappingMode: 'defineBelow',
				value: { subscriptionState: 'SUBSCRIBED' },
				schema: [],
			},
		});
		expect(requests[1].body).toEqual({
			channels: [{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
		});
	});

	it('Contact → Get Many filters by phone (SMS channel) and list, with a limit', async () => {
		const listId = uuid();
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query(true)
			.reply(200, { content: [contact(), contact()], nextPageToken: 'more', totalElements: 9 });
		const [output] = await run({
			resource: 'contact',
			operation: 'getAll',
			returnAll: false,
			limit: 2,
			filters: {
				listIds: [listId],
				phoneNumbers: '+61491570156, +61491570157',
				channelSubscriptionState: 'SUBSCRIBED',
			},
		});
		expect(output).toHaveLength(2);
		const query = new URL(requests[0].path, BASE).searchParams;
		expect(query.getAll('channelIds')).toEqual(['+61491570156', '+61491570157']);
		expect(query.getAll('channelTypes')).toEqual(['SMS']);
		expect(query.get('pageSize')).toBe('2');
		expect(query.get('listIds')).toBe(listId);
	});

	it('continueOnFail: an API error becomes an error item paired with its input; without it the node throws', async () => {
		const id = uuid();
		recordedScope(requests)
			.delete(`/api/v1/contacts/contacts/${id}`)
			.reply(404, {
				uuid: '9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a',
				type: 'not_found',
				title: 'Not found',
				detail: 'No such contact',
			})
			.delete(`/api/v1/contacts/contacts/${id}`)
			.reply(404, {
				uuid: '9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a',
				type: 'not_found',
				title: 'Not found',
				detail: 'No such contact',
			});

		const [output] = await run(
			{ resource: 'contact', operation: 'delete', contactId: id },
			[{}],
			true,
		);
		expect(output).toEqual([
			{
				json: expect.objectContaining({
					error: 'Not found: No such contact',
					status: 404,
					code: 'not_found',
					requestId: '9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a',
				}),
				pairedItem: { item: 0 },
			},
		]);
		await expect(
			run({ resource: 'contact', operation: 'delete', contactId: id }),
		).rejects.toMatchObject({
			message: 'Not found: No such contact',
			context: { itemIndex: 0 },
		});
	});

	it('rejects a malformed id or phone before any request', async () => {
		const [output] = await run(
			{ resource: 'contact', operation: 'get', contactId: '={{ $json.id }}' },
			[{ id: 'not-a-uuid' }, { id: '' }],
			true,
		);
		expect(output.map((o) => o.json.error)).toEqual([
			'"not-a-uuid" is not a MessageMedia id (a UUID)',
			'The ID is empty',
		]);
		await expect(
			run({
				resource: 'contact',
				operation: 'create',
				contactFields: { mappingMode: 'defineBelow', value: { phone: '0491 570 156' } },
			}),
		).rejects.toThrow('Phone "0491 570 156" is not an E.164 number such as +61491570156');
	});

	it("Contact → Create with automatic mapping skips n8n's empty placeholder item and maps only known fields", async () => {
		const created = contact();
		recordedScope(requests).post('/api/v1/contacts/contacts').reply(201, created);
		const schema = [{ id: 'phone' }, { id: 'firstName' }];
		const [output] = await run(
			{
				resource: 'contact',
				operation: 'create',
				contactFields: { mappingMode: 'autoMapInputData', value: null, schema },
				options: {},
			},
			[{}, { phone: '+61491570156', firstName: 'Ada', department: 'Sales' }],
		);
		expect(requests.map((r) => r.body)).toEqual([
			{ firstName: 'Ada', channels: [{ channelId: '+61491570156', type: 'SMS' }] },
		]);
		expect(output).toEqual([{ json: created, pairedItem: { item: 1 } }]);
	});
});

describe('MessageMedia Contacts node methods', () => {
	afterEach(() => nock.cleanAll());
	const loadContext = (operation: string) =>
		loadOptionsContext(nodeType, {
			parameters: { resource: 'contact', operation },
			credentials: { entraSyncMessageMediaApi: CREDENTIALS },
		});

	it('resource mapper: contact fields (phone required on create) plus custom fields by merge tag', async () => {
		nock(BASE)
			.get('/api/v1/contacts/custom-fields')
			.query(true)
			.times(2)
			.reply(200, {
				content: [
					{
						id: uuid(),
						accountId: 'a',
						vendorId: 'v',
						label: 'Department',
						mergeTag: 'department',
						maxLength: 50,
						type: 'TEXT',
						createdDate: '2026-01-01T00:00:00.000Z',
						lastModifiedDate: '2026-01-01T00:00:00.000Z',
					},
				],
				totalElements: 1,
			});
		const node = new MessageMediaContacts();
		const { fields } = await node.methods.resourceMapping.getContactFields.call(
			loadContext('create'),
		);
		expect(fields.map((f) => f.id)).toEqual([
			'phone',
			'firstName',
			'lastName',
			'alias',
			'country',
			'state',
			'location',
			'note',
			'dateOfBirth',
			'subscriptionState',
			'customField:department',
		]);
		expect(fields[0]).toMatchObject({ displayName: 'Phone (E.164)', required: true });
		expect(fields.find((f) => f.id === 'subscriptionState')).toMatchObject({
			removed: true,
			type: 'options',
		});
		expect(fields.at(-1)).toMatchObject({ displayName: 'Department (custom field)' });
		const update = await node.methods.resourceMapping.getContactFields.call(loadContext('update'));
		expect(update.fields[0].required).toBe(false);
	});

	it('loadOptions getLists: lists by name, value = id; an auth failure becomes a node error', async () => {
		const [b, a] = [list({ name: 'Sales' }), list({ name: 'Engineering', alias: 'eng' })];
		nock(BASE)
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(200, { content: [b, a], totalElements: 2 })
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(403);
		const node = new MessageMediaContacts();
		await expect(node.methods.loadOptions.getLists.call(loadContext('create'))).resolves.toEqual([
			{ name: 'Engineering', value: a.id, description: 'eng' },
			{ name: 'Sales', value: b.id, description: undefined },
		]);
		await expect(
			node.methods.loadOptions.getLists.call(loadContext('create')),
		).rejects.toMatchObject({
			message: expect.stringContaining('MessageMedia rejected the API key/secret'),
		});
	});
});

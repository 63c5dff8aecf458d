import { authenticateMessageMedia } from '../../fakes/messagemedia-auth';
import type { FakeRequest } from '../../fakes/http-util';
import type { RunningFakes } from '../../fakes/server';
import {
	basicAuth,
	call,
	guideHmacHeaders,
	sdkHmacHeaders,
	startMessageMediaFakes,
} from './helpers';

const KEY = 'DUMMYKEY000000000001';
const SECRET = 'DUMMYSECRET0000000000000000001';
const OTHER_KEY = 'DUMMYKEY000000000002';
const LIST_SALES = '0a000000-0000-4000-8000-000000000001';
const LIST_VIP = '0a000000-0000-4000-8000-000000000002';
const FIELD_ENTRA = '0f000000-0000-4000-8000-000000000001';
const FIELD_START = '0f000000-0000-4000-8000-000000000002';
const CONTACT_1 = '0c000000-0000-4000-8000-000000000001';

let fakes: RunningFakes;

beforeEach(async () => {
	fakes = await startMessageMediaFakes([
		{
			apiKey: KEY,
			apiSecret: SECRET,
			lists: [
				{ id: LIST_SALES, name: 'Sales' },
				{ id: LIST_VIP, name: 'VIP', alias: 'hand-made' },
			],
			customFields: [
				{
					id: FIELD_ENTRA,
					label: 'Entra object id',
					mergeTag: 'entra_id',
					maxLength: 36,
					type: 'TEXT',
				},
				{
					id: FIELD_START,
					label: 'Start date',
					mergeTag: 'start_date',
					maxLength: 10,
					type: 'DATE',
				},
			],
			contacts: [
				{
					id: CONTACT_1,
					firstName: 'Ada',
					lastName: 'Lovelace',
					channels: [{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
					lists: ['Sales', LIST_VIP],
					customFields: { entra_id: 'u-1' },
				},
			],
		},
		{ apiKey: OTHER_KEY, apiSecret: 'other-secret' },
	]);
});

afterEach(async () => {
	await fakes.close();
});

const mm = (
	path: string,
	init: { method?: string; body?: object | string; headers?: Record<string, string> } = {},
) =>
	call(`${fakes.url}/api/v1/contacts${path}`, {
		...init,
		headers: { ...basicAuth(KEY, SECRET), ...(init.headers ?? {}) },
	});

describe('fake MessageMedia: authentication', () => {
	it('accepts Basic; 401 without a body for a wrong secret, unknown key or no header', async () => {
		expect((await mm('/contacts')).status).toBe(200);
		for (const headers of [basicAuth(KEY, 'wrong'), basicAuth('nobody', SECRET), {}]) {
			const response = await call(`${fakes.url}/api/v1/contacts/contacts`, { headers });
			expect(response.status).toBe(401);
			expect(response.text).toBe('');
		}
	});

	it('accepts HMAC as the official SDKs sign (sha1, date, x-Content-MD5, path without query)', async () => {
		const body = JSON.stringify({
			firstName: 'Hm',
			channels: [{ channelId: '+61491570160', type: 'SMS' }],
		});
		const created = await call(`${fakes.url}/api/v1/contacts/contacts`, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				...sdkHmacHeaders(KEY, SECRET, 'POST', '/api/v1/contacts/contacts', body),
			},
			body,
		});
		expect(created.status).toBe(201);
		const page = await call(`${fakes.url}/api/v1/contacts/contacts?pageSize=1`, {
			headers: sdkHmacHeaders(KEY, SECRET, 'GET', '/api/v1/contacts/contacts'),
		});
		expect(page.status).toBe(200);
		const entry = fakes.state.log.entries[fakes.state.log.entries.length - 1];
		expect(entry.auth).toBe('hmac hmac-sha1 (date request-line; request line without query)');
	});

	it('accepts HMAC as the developer guide signs (sha256, Date, Content-MD5, query included)', async () => {
		const target = '/api/v1/contacts/lists?pageSize=1';
		const page = await call(`${fakes.url}${target}`, {
			headers: guideHmacHeaders(KEY, SECRET, 'GET', target),
		});
		expect(page.status).toBe(200);
		expect(fakes.state.log.entries[fakes.state.log.entries.length - 1].auth).toContain(
			'request line with query',
		);
		const body = JSON.stringify({ name: 'Signed list' });
		const created = await call(`${fakes.url}/api/v1/contacts/lists`, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				...guideHmacHeaders(KEY, SECRET, 'POST', '/api/v1/contacts/lists', body),
			},
			body,
		});
		expect(created.status).toBe(201);
	});

	it('rejects HMAC with a wrong signature, a stale date, or an MD5 that does not match the body', async () => {
		const headers = guideHmacHeaders(KEY, 'not-the-secret', 'GET', '/api/v1/contacts/lists');
		expect((await call(`${fakes.url}/api/v1/contacts/lists`, { headers })).status).toBe(401);
		const stale = guideHmacHeaders(
			KEY,
			SECRET,
			'GET',
			'/api/v1/contacts/lists',
			undefined,
			new Date(Date.now() - 301_000).toUTCString(),
		);
		expect((await call(`${fakes.url}/api/v1/contacts/lists`, { headers: stale })).status).toBe(401);
		const signedFor = JSON.stringify({ name: 'A' });
		const tampered = await call(`${fakes.url}/api/v1/contacts/lists`, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				...guideHmacHeaders(KEY, SECRET, 'POST', '/api/v1/contacts/lists', signedFor),
			},
			body: JSON.stringify({ name: 'B' }),
		});
		expect(tampered.status).toBe(401);
		expect(fakes.state.log.entries.slice(-3).map((e) => e.errors?.[0])).toEqual([
			'401: signature mismatch',
			'401: Date header is outside the allowed clock skew',
			'401: Content-MD5 does not match the body',
		]);
	});

	it('verifies fixed HMAC test vectors (developer guide and official SDK variants)', () => {
		const date = 'Sat, 30 Jul 2016 05:18:52 GMT';
		const now = Date.parse(date);
		const lookup = (key: string) =>
			key === 'testkey' ? { apiKey: 'testkey', apiSecret: 'testsecret' } : undefined;
		const request = (
			method: string,
			target: string,
			headers: Record<string, string>,
			body = '',
		): FakeRequest => {
			const url = new URL(`https://fake${target}`);
			return {
				method,
				url,
				path: url.pathname,
				query: url.searchParams,
				headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
				body: Buffer.from(body),
				baseUrl: 'https://fake',
				requestId: 'r',
				log: { warnings: [], errors: [] },
			};
		};
		const body = '{"firstName":"Ada","channels":[{"channelId":"+61491570156","type":"SMS"}]}';
		const guide = request(
			'POST',
			'/api/v1/contacts/contacts',
			{
				Date: date,
				'Content-MD5': '4dcfaff211f11a46e7f8c7c16076eb58',
				Authorization:
					'hmac username="testkey", algorithm="hmac-sha256", headers="Date Content-MD5 request-line", signature="ONDfwcEqb5Wu+SV2/K/KLhw0QE1/v8A5rkEb/RFrffM="',
			},
			body,
		);
		expect(authenticateMessageMedia(guide, lookup, 300, now)).toMatchObject({ ok: true });
		const sdk = request(
			'POST',
			'/api/v1/contacts/contacts',
			{
				date,
				'x-Content-MD5': '4dcfaff211f11a46e7f8c7c16076eb58',
				Authorization:
					'hmac username="testkey", algorithm="hmac-sha1", headers="date x-Content-MD5 request-line", signature="cajcl6yyfYMOidFX6AybR7gSD88="',
			},
			body,
		);
		expect(authenticateMessageMedia(sdk, lookup, 300, now)).toMatchObject({ ok: true });
		const get = request('GET', '/api/v1/contacts/lists?pageSize=1', {
			Date: date,
			Authorization:
				'hmac username="testkey", algorithm="hmac-sha256", headers="Date request-line", signature="a3UXCG0vBpi+ZXzIHXhXwjQ6psItOEmZ6bMinTbgk9s="',
		});
		expect(authenticateMessageMedia(get, lookup, 300, now)).toMatchObject({
			ok: true,
			scheme: expect.stringContaining('with query'),
		});
		expect(
			authenticateMessageMedia(
				request('GET', '/x', { Authorization: 'Basic dGVzdGtleTp0ZXN0c2VjcmV0' }),
				lookup,
				300,
				now,
			),
		).toMatchObject({ ok: true });
		expect(authenticateMessageMedia(get, lookup, 300, now + 301_000)).toMatchObject({ ok: false });
	});

	it('keeps accounts apart', async () => {
		const other = await call(`${fakes.url}/api/v1/contacts/contacts`, {
			headers: basicAuth(OTHER_KEY, 'other-secret'),
		});
		expect(other.json).toEqual({ content: [], totalElements: 0 });
	});
});

describe('fake MessageMedia: contacts', () => {
	it('creates (201), gets, patches (200) and deletes (204) a contact; ContactData is complete', async () => {
		const created = await mm('/contacts', {
			method: 'POST',
			body: {
				firstName: 'Grace',
				lastName: 'Hopper',
				channels: [{ channelId: '+61491570161', type: 'SMS' }],
				lists: [{ id: LIST_SALES }],
				customFields: [{ id: FIELD_ENTRA, value: 'u-2' }],
			},
		});
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({
			fullName: 'Grace Hopper',
			alias: '',
			note: '',
			channels: [{ channelId: '+61491570161', type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
			lists: [{ id: LIST_SALES, name: 'Sales' }],
			customFields: [{ id: FIELD_ENTRA, mergeTag: 'entra_id', value: 'u-2', type: 'TEXT' }],
		});
		const id = created.json.id;
		expect((await mm(`/contacts/${id}`)).json.firstName).toBe('Grace');
		const patched = await mm(`/contacts/${id}`, { method: 'PATCH', body: { note: 'updated' } });
		expect(patched.status).toBe(200);
		expect(patched.json).toMatchObject({
			note: 'updated',
			firstName: 'Grace',
			lists: [{ id: LIST_SALES, name: 'Sales' }],
		});
		expect((await mm(`/contacts/${id}`, { method: 'DELETE' })).status).toBe(204);
		const gone = await mm(`/contacts/${id}`);
		expect(gone.status).toBe(404);
		expect(gone.json).toMatchObject({ type: 'not_found', title: 'Not Found' });
	});

	it('409 conflict for a second contact with the same SMS channel (create and update)', async () => {
		const duplicate = await mm('/contacts', {
			method: 'POST',
			body: { channels: [{ channelId: '+61491570156', type: 'SMS' }] },
		});
		expect(duplicate.status).toBe(409);
		expect(duplicate.json).toMatchObject({
			type: 'conflict',
			uuid: expect.any(String),
			title: 'Conflict',
		});
		const other = await mm('/contacts', {
			method: 'POST',
			body: { channels: [{ channelId: '+61491570162', type: 'SMS' }] },
		});
		const update = await mm(`/contacts/${other.json.id}`, {
			method: 'PATCH',
			body: { channels: [{ channelId: '+61491570156', type: 'SMS' }] },
		});
		expect(update.status).toBe(409);
		// Patching a contact to its own number again is no conflict.
		expect(
			(
				await mm(`/contacts/${other.json.id}`, {
					method: 'PATCH',
					body: { channels: [{ channelId: '+61491570162', type: 'SMS' }] },
				})
			).status,
		).toBe(200);
	});

	it('a number is free again once its contact moves to another number or is deleted', async () => {
		const moved = await mm(`/contacts/${CONTACT_1}`, {
			method: 'PATCH',
			body: { channels: [{ channelId: '+61491570170', type: 'SMS' }] },
		});
		expect(moved.status).toBe(200);
		const reuse = await mm('/contacts', {
			method: 'POST',
			body: { channels: [{ channelId: '+61491570156', type: 'SMS' }] },
		});
		expect(reuse.status).toBe(201);
		expect(
			(
				await mm('/contacts', {
					method: 'POST',
					body: { channels: [{ channelId: '+61491570170', type: 'SMS' }] },
				})
			).status,
		).toBe(409);
		expect((await mm(`/contacts/${reuse.json.id}`, { method: 'DELETE' })).status).toBe(204);
		expect(
			(
				await mm('/contacts', {
					method: 'POST',
					body: { channels: [{ channelId: '+61491570156', type: 'SMS' }] },
				})
			).status,
		).toBe(201);
	});

	it('400 InvalidInputApiError with invalidFields: non-E.164, unknown list, missing channels, bad custom field values', async () => {
		const badPhone = await mm('/contacts', {
			method: 'POST',
			body: { channels: [{ channelId: '0412 345 678', type: 'SMS' }] },
		});
		expect(badPhone.status).toBe(400);
		expect(badPhone.json).toMatchObject({
			type: 'validation',
			invalidFields: [
				{ name: 'channels[0].channelId', code: 'invalid_format', channelType: 'PHONE' },
			],
		});
		const unknownList = await mm('/contacts', {
			method: 'POST',
			body: {
				channels: [{ channelId: '+61491570163', type: 'SMS' }],
				lists: [{ id: '0a000000-0000-4000-8000-0000000000ff' }],
			},
		});
		expect(unknownList.json.invalidFields).toEqual([
			{
				name: 'lists',
				code: 'invalid_reference',
				reason: expect.any(String),
				invalidIds: ['0a000000-0000-4000-8000-0000000000ff'],
			},
		]);
		const noChannels = await mm('/contacts', { method: 'POST', body: { firstName: 'Nobody' } });
		expect(noChannels.json.invalidFields).toEqual([
			{ name: 'channels', code: 'must_not_be_null', reason: expect.any(String) },
		]);
		const tooLong = await mm(`/contacts/${CONTACT_1}`, {
			method: 'PATCH',
			body: { customFields: [{ id: FIELD_ENTRA, value: 'x'.repeat(37) }] },
		});
		expect(tooLong.json.invalidFields).toEqual([
			{ name: 'customFields[0].value', code: 'invalid_length', reason: expect.any(String) },
		]);
		const badDate = await mm(`/contacts/${CONTACT_1}`, {
			method: 'PATCH',
			body: { customFields: [{ id: FIELD_START, value: '31/12/2026' }] },
		});
		expect(badDate.json.invalidFields[0]).toMatchObject({ code: 'invalid_format' });
	});

	it('validates requests against the vendor OpenAPI (enum, type, format, maxItems)', async () => {
		const emailChannel = await mm('/contacts', {
			method: 'POST',
			body: { channels: [{ channelId: 'a@b.example', type: 'EMAIL' }] },
		});
		expect(emailChannel.status).toBe(400);
		expect(emailChannel.json.invalidFields[0]).toMatchObject({
			name: 'channels[0].type',
			code: 'invalid_format',
		});
		const wrongType = await mm(`/contacts/${CONTACT_1}`, {
			method: 'PATCH',
			body: { firstName: 42 },
		});
		expect(wrongType.json.invalidFields[0]).toMatchObject({
			name: 'firstName',
			code: 'type_mismatch',
		});
		const badId = await mm('/contacts/not-a-uuid');
		expect(badId.status).toBe(400);
		const bulk = await mm(`/lists/${LIST_SALES}/contacts`, {
			method: 'PATCH',
			body: { contactsToAddIds: Array.from({ length: 1001 }, () => CONTACT_1) },
		});
		expect(bulk.status).toBe(400);
		expect(bulk.json.invalidFields[0]).toMatchObject({
			name: 'contactsToAddIds',
			code: 'invalid_length',
		});
		const notJson = await mm('/lists', { method: 'POST', body: '{"name":' });
		expect(notJson.json).toMatchObject({ type: 'message_not_readable', invalidFields: [] });
		expect(
			fakes.state.log.entries.find(
				(e) =>
					e.status === 400 &&
					e.errors?.some((x) => x.includes('must be equal to one of the allowed values')),
			),
		).toBeDefined();
	});

	it('logs unknown body fields and query parameters as warnings (a real service ignores them)', async () => {
		await mm('/contacts?phone=%2B61491570156', {});
		await mm(`/contacts/${CONTACT_1}`, { method: 'PATCH', body: { email: 'ada@example.com' } });
		const warnings = fakes.state.log.entries.flatMap((e) => e.warnings ?? []);
		expect(warnings).toEqual([
			'query parameter phone is not defined by the spec',
			"unknown body field 'email' is ignored",
		]);
	});

	it('PATCH semantics: channels and lists replace, customFields merge by id, omitted subscriptionState → SUBSCRIBED', async () => {
		const replaced = await mm(`/contacts/${CONTACT_1}`, {
			method: 'PATCH',
			body: {
				lists: [{ id: LIST_SALES }],
				customFields: [{ id: FIELD_START, value: '2026-01-31' }],
				channels: [{ channelId: '+61491570156', type: 'SMS' }],
			},
		});
		expect(replaced.json.lists).toEqual([{ id: LIST_SALES, name: 'Sales' }]);
		expect(replaced.json.customFields.map((f: any) => [f.mergeTag, f.value])).toEqual([
			['entra_id', 'u-1'],
			['start_date', '2026-01-31'],
		]);
		expect(replaced.json.channels).toEqual([
			{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'SUBSCRIBED' },
		]);
		const cleared = await mm(`/contacts/${CONTACT_1}`, {
			method: 'PATCH',
			body: { customFields: [{ id: FIELD_START, value: '' }] },
		});
		expect(cleared.json.customFields.map((f: any) => f.mergeTag)).toEqual(['entra_id']);
	});

	it('pages with pageSize (≤ 1000) and nextPageToken; filters accept repeated keys and comma lists', async () => {
		for (let i = 0; i < 25; i++) {
			const created = await mm('/contacts', {
				method: 'POST',
				body: {
					firstName: `P${i}`,
					channels: [{ channelId: `+6149157${String(1000 + i)}`, type: 'SMS' }],
					lists: i % 2 === 0 ? [{ id: LIST_VIP }] : [],
				},
			});
			expect(created.status).toBe(201);
		}
		const seen: string[] = [];
		let token: string | undefined;
		let pages = 0;
		do {
			const page = await mm(
				`/contacts?pageSize=10${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`,
			);
			expect(page.json.totalElements).toBe(26);
			seen.push(...page.json.content.map((c: any) => c.id));
			token = page.json.nextPageToken;
			pages++;
		} while (token);
		expect(pages).toBe(3);
		expect(new Set(seen).size).toBe(26);
		expect((await mm('/contacts')).json.content).toHaveLength(20);
		const tooBig = await mm('/contacts?pageSize=1001');
		expect(tooBig.status).toBe(400);
		expect(tooBig.json.invalidFields[0]).toMatchObject({
			name: 'pageSize',
			code: 'constraint_violation',
		});

		const byPhone = await mm(
			`/contacts?channelIds=${encodeURIComponent('+61491570156')}&channelTypes=SMS&pageSize=1`,
		);
		expect(byPhone.json.content.map((c: any) => c.id)).toEqual([CONTACT_1]);
		const repeated = await mm(`/contacts?listIds=${LIST_SALES}&listIds=${LIST_VIP}&pageSize=1000`);
		const comma = await mm(`/contacts?listIds=${LIST_SALES},${LIST_VIP}&pageSize=1000`);
		expect(repeated.json.totalElements).toBe(14);
		expect(comma.json.content.map((c: any) => c.id)).toEqual(
			repeated.json.content.map((c: any) => c.id),
		);
		const unsubscribed = await mm('/contacts?channelSubscriptionState=UNSUBSCRIBED');
		expect(unsubscribed.json.content.map((c: any) => c.id)).toEqual([CONTACT_1]);
		const badToken = await mm('/contacts?nextPageToken=garbage');
		expect(badToken.status).toBe(400);
	});
});

describe('fake MessageMedia: lists and custom fields', () => {
	it('list CRUD, duplicate name 409, bulk membership (≤ 1000), single add (201 then 200) and remove (204)', async () => {
		const created = await mm('/lists', { method: 'POST', body: { name: 'Support' } });
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({ name: 'Support', alias: '' });
		expect((await mm('/lists', { method: 'POST', body: { name: 'support' } })).status).toBe(409);
		const listId = created.json.id;
		const contact = await mm('/contacts', {
			method: 'POST',
			body: { channels: [{ channelId: '+61491570170', type: 'SMS' }] },
		});
		const bulk = await mm(`/lists/${listId}/contacts`, {
			method: 'PATCH',
			body: { contactsToAddIds: [contact.json.id, CONTACT_1] },
		});
		expect(bulk.status).toBe(200);
		expect((await mm(`/contacts?listIds=${listId}`)).json.totalElements).toBe(2);
		const unknown = await mm(`/lists/${listId}/contacts`, {
			method: 'PATCH',
			body: { contactsToRemoveIds: ['0c000000-0000-4000-8000-0000000000ff'] },
		});
		expect(unknown.json.invalidFields[0]).toMatchObject({
			code: 'invalid_reference',
			invalidIds: ['0c000000-0000-4000-8000-0000000000ff'],
		});
		expect(
			(await mm(`/lists/${LIST_SALES}/contacts/${contact.json.id}`, { method: 'POST' })).status,
		).toBe(201);
		expect(
			(await mm(`/lists/${LIST_SALES}/contacts/${contact.json.id}`, { method: 'POST' })).status,
		).toBe(200);
		expect(
			(await mm(`/lists/${LIST_SALES}/contacts/${contact.json.id}`, { method: 'DELETE' })).status,
		).toBe(204);
		expect(
			(await mm(`/lists/${listId}`, { method: 'PATCH', body: { alias: 'no name' } })).status,
		).toBe(400);
		expect(
			(await mm(`/lists/${listId}`, { method: 'PATCH', body: { name: 'Support AU' } })).json.name,
		).toBe('Support AU');
		expect((await mm(`/lists?name=sup`)).json.content.map((l: any) => l.name)).toEqual([
			'Support AU',
		]);
		expect((await mm(`/lists/${listId}`, { method: 'DELETE' })).status).toBe(204);
		expect((await mm(`/contacts/${CONTACT_1}`)).json.lists.map((l: any) => l.name)).toEqual([
			'Sales',
			'VIP',
		]);
		const view = (await call(`${fakes.url}/_admin/messagemedia?apiKey=${KEY}`)).json.accounts[0];
		expect(view.lists.find((l: any) => l.id === LIST_SALES).contactIds).toEqual([CONTACT_1]);
	});

	it('custom fields: create requires all of label, mergeTag, maxLength, type; duplicate mergeTag 409; filters', async () => {
		const missing = await mm('/custom-fields', {
			method: 'POST',
			body: { label: 'Department', mergeTag: 'department', type: 'TEXT' },
		});
		expect(missing.json.invalidFields).toEqual([
			{ name: 'maxLength', code: 'must_not_be_null', reason: expect.any(String) },
		]);
		const created = await mm('/custom-fields', {
			method: 'POST',
			body: { label: 'Department', mergeTag: 'department', type: 'TEXT', maxLength: 50 },
		});
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({
			label: 'Department',
			mergeTag: 'department',
			maxLength: 50,
			type: 'TEXT',
			accountId: expect.any(String),
		});
		expect(
			(
				await mm('/custom-fields', {
					method: 'POST',
					body: { label: 'Dept 2', mergeTag: 'department', type: 'TEXT', maxLength: 5 },
				})
			).status,
		).toBe(409);
		expect(
			(await mm('/custom-fields?mergeTag=entra_id')).json.content.map((f: any) => f.id),
		).toEqual([FIELD_ENTRA]);
		const patched = await mm(`/custom-fields/${created.json.id}`, {
			method: 'PATCH',
			body: { maxLength: 80 },
		});
		expect(patched.json.maxLength).toBe(80);
		expect((await mm(`/custom-fields/${FIELD_ENTRA}`, { method: 'DELETE' })).status).toBe(204);
		expect((await mm(`/contacts/${CONTACT_1}`)).json.customFields).toEqual([]);
	});

	it('a response that breaks the vendor schema is a fake bug: 500 and a loud log entry', async () => {
		const account = fakes.state.messagemedia.accounts.get(KEY);
		(account?.contacts.get(CONTACT_1)?.channels as any[]).push({
			channelId: 'x',
			type: 'CARRIER_PIGEON',
		});
		const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
		const response = await mm(`/contacts/${CONTACT_1}`);
		expect(response.status).toBe(500);
		expect(response.json.type).toBe('internal_server_error');
		expect(spy).toHaveBeenCalledWith(expect.stringContaining('FAKE BUG'));
		spy.mockRestore();
		expect(fakes.state.log.entries[fakes.state.log.entries.length - 1].errors?.[0]).toContain(
			'does not match the vendor OpenAPI',
		);
	});
});

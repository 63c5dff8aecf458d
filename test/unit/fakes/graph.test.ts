import type { RunningFakes } from '../../fakes/server';
import type { SeedUser } from '../../fakes/types';
import { call, clientSecretToken, startTrustedFakes } from './helpers';

const TENANT = '22222222-2222-4333-8444-555555555555';
const APP = 'aaaaaaaa-0000-4000-8000-00000000000a';
const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const gid = (n: number) => `99999999-0000-4000-8000-${String(n).padStart(12, '0')}`;

const users: SeedUser[] = Array.from({ length: 250 }, (_, i) => ({
	id: uid(i + 1),
	displayName: `User ${String(i + 1).padStart(3, '0')}`,
	givenName: `Given${i + 1}`,
	surname: `Surname${i + 1}`,
	userPrincipalName: `user${i + 1}@tailspin.example`,
	mail: i % 2 === 0 ? `user${i + 1}@tailspin.example` : `user${i + 1}@other.example`,
	department: i % 3 === 0 ? 'Sales' : i % 3 === 1 ? 'Support' : 'Finance',
	accountEnabled: i % 10 !== 0,
	mobilePhone:
		i % 4 === 0
			? undefined
			: `+61 412 ${String(100000 + i).slice(0, 3)} ${String(i).padStart(3, '0')}`,
	businessPhones: [],
}));
users.push({
	id: uid(900),
	displayName: "Seán O'Brien",
	givenName: 'Seán',
	surname: "O'Brien",
	userPrincipalName: 'sean@tailspin.example',
	businessPhones: [],
});
users.push({
	id: uid(901),
	displayName: 'Synced Person',
	userPrincipalName: 'synced@tailspin.example',
	onPremisesSyncEnabled: true,
	mobilePhone: '0412 000 000',
	usageLocation: 'AU',
	businessPhones: [],
});

let fakes: RunningFakes;
let auth: Record<string, string>;

beforeAll(async () => {
	fakes = await startTrustedFakes({
		seed: {
			tenants: [
				{
					id: TENANT,
					domains: ['tailspin.example'],
					apps: [{ clientId: APP, secret: 'pw' }],
					users,
					groups: [
						{ id: gid(1), displayName: 'Outer', members: [uid(1), gid(2)] },
						{ id: gid(2), displayName: 'Inner', members: [uid(2), uid(3), gid(3)] },
						{ id: gid(3), displayName: 'Innermost', members: [uid(4), uid(1), gid(1)] },
						{ id: gid(4), displayName: 'Sales Team', members: [] },
					],
				},
			],
		},
	});
	auth = { Authorization: `Bearer ${await clientSecretToken(fakes, TENANT, APP, 'pw')}` };
});

afterAll(async () => {
	await fakes.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
	call(`${fakes.url}${path}`, { headers: { ...auth, ...headers } });
const eventual = { ConsistencyLevel: 'eventual' };

async function readAll(
	first: string,
	headers: Record<string, string> = {},
): Promise<{ items: any[]; pages: number; count?: number }> {
	const items: any[] = [];
	let url: string | undefined = `${fakes.url}${first}`;
	let pages = 0;
	let count: number | undefined;
	while (url) {
		const page = await call(url, { headers: { ...auth, ...headers } });
		expect(page.status).toBe(200);
		if (pages === 0) count = page.json['@odata.count'];
		else expect(page.json['@odata.count']).toBeUndefined();
		items.push(...page.json.value);
		url = page.json['@odata.nextLink'];
		pages++;
	}
	return { items, pages, count };
}

describe('fake Graph: GET /users', () => {
	it('pages with $top and absolute nextLinks, default page size 100', async () => {
		const byDefault = await readAll('/v1.0/users');
		expect(byDefault.pages).toBe(3);
		expect(byDefault.items).toHaveLength(252);
		const first = await get('/v1.0/users');
		expect(first.json.value).toHaveLength(100);
		expect(first.json['@odata.nextLink']).toMatch(
			new RegExp(`^${fakes.url}/v1\\.0/users\\?\\$skiptoken=`),
		);
		const paged = await readAll('/v1.0/users?$top=999&$select=id,displayName');
		expect(paged.pages).toBe(1);
		const small = await readAll('/v1.0/users?$top=60&$select=id');
		expect(small.pages).toBe(5);
		expect(new Set(small.items.map((u) => u.id)).size).toBe(252);
	});

	it('rejects $top outside 1..999 like Graph', async () => {
		for (const top of ['0', '1000', 'abc']) {
			const response = await get(`/v1.0/users?$top=${top}`);
			expect(response.status).toBe(400);
			expect(response.json.error.message).toContain('Invalid page size specified');
		}
	});

	it('$select returns only the selected properties (+ id), unset ones as null; default set without $select', async () => {
		const selected = await get(
			`/v1.0/users?$select=displayName,mobilePhone&$filter=id eq '${uid(1)}'`,
		);
		expect(selected.json.value).toEqual([
			{ id: uid(1), displayName: 'User 001', mobilePhone: null },
		]);
		const full = await get(`/v1.0/users/${uid(2)}`);
		expect(Object.keys(full.json).sort()).toEqual(
			[
				'@odata.context',
				'businessPhones',
				'displayName',
				'givenName',
				'id',
				'jobTitle',
				'mail',
				'mobilePhone',
				'officeLocation',
				'preferredLanguage',
				'surname',
				'userPrincipalName',
			].sort(),
		);
		expect(full.json.department).toBeUndefined();
		const unknown = await get('/v1.0/users?$select=id,favouriteColour');
		expect(unknown.status).toBe(400);
	});

	it('evaluates $filter: eq, in, startsWith, eq null, and/or with parentheses, booleans, escaped quotes', async () => {
		const ids = async (filter: string, headers: Record<string, string> = {}) => {
			const { items } = await readAll(
				`/v1.0/users?$select=id&$top=999&$filter=${encodeURIComponent(filter)}`,
				headers,
			);
			return items.map((u) => u.id);
		};
		expect(await ids(`displayName eq 'user 005'`)).toEqual([uid(5)]);
		expect(await ids(`surname eq 'O''Brien'`)).toEqual([uid(900)]);
		expect(
			await ids(`department in ('Sales', 'Finance') and accountEnabled eq false`),
		).toHaveLength(users.filter((u, i) => i < 250 && i % 10 === 0 && i % 3 !== 1).length);
		expect(
			await ids(
				`startsWith(displayName,'User 00') and (department eq 'Sales' or department eq 'Support')`,
			),
		).toEqual([uid(1), uid(2), uid(4), uid(5), uid(7), uid(8)]);
		expect(await ids(`mobilePhone eq null and startswith(userPrincipalName,'user1')`)).toEqual(
			expect.arrayContaining([uid(1), uid(13)]),
		);
		expect(await ids(`mail eq null and startsWith(displayName,'S')`)).toEqual([uid(900), uid(901)]);
	});

	it('rejects bad syntax (BadRequest) and unsupported clauses (Request_UnsupportedQuery)', async () => {
		const syntax = await get(
			`/v1.0/users?$filter=${encodeURIComponent("displayName eq 'unterminated")}`,
		);
		expect(syntax.status).toBe(400);
		expect(syntax.json.error.code).toBe('BadRequest');
		const dangling = await get(
			`/v1.0/users?$filter=${encodeURIComponent("displayName eq 'a' and")}`,
		);
		expect(dangling.json.error.code).toBe('BadRequest');
		const noStartsWith = await get(
			`/v1.0/users?$filter=${encodeURIComponent("startsWith(department,'Sa')")}`,
		);
		expect(noStartsWith.json.error.code).toBe('Request_UnsupportedQuery');
		const contains = await get(
			`/v1.0/users?$filter=${encodeURIComponent("contains(displayName,'a')")}`,
		);
		expect(contains.json.error.code).toBe('Request_UnsupportedQuery');
		const wrongType = await get(
			`/v1.0/users?$filter=${encodeURIComponent("accountEnabled eq 'true'")}`,
		);
		expect(wrongType.status).toBe(400);
	});

	it('advanced queries (ne, not, endsWith) need ConsistencyLevel: eventual and $count=true, on every page', async () => {
		for (const filter of [
			`accountEnabled ne false`,
			`not(department eq 'Sales')`,
			`endsWith(mail,'@tailspin.example')`,
		]) {
			const plain = await get(`/v1.0/users?$filter=${encodeURIComponent(filter)}`);
			expect(plain.status).toBe(400);
			expect(plain.json.error.code).toBe('Request_UnsupportedQuery');
			const headerOnly = await get(`/v1.0/users?$filter=${encodeURIComponent(filter)}`, eventual);
			expect(headerOnly.status).toBe(400);
		}
		const all = await readAll(
			`/v1.0/users?$count=true&$top=50&$select=id&$filter=${encodeURIComponent("endsWith(mail,'@tailspin.example')")}`,
			eventual,
		);
		expect(all.items).toHaveLength(125);
		expect(all.count).toBe(125);
		const first = await get(
			`/v1.0/users?$count=true&$top=50&$filter=${encodeURIComponent("endsWith(mail,'@tailspin.example')")}`,
			eventual,
		);
		const second = await call(first.json['@odata.nextLink'], { headers: auth });
		expect(second.status).toBe(400);
		expect(second.json.error.code).toBe('Request_UnsupportedQuery');
	});

	it('$count=true without ConsistencyLevel is ignored; /users/$count needs the header', async () => {
		const ignored = await get('/v1.0/users?$count=true&$top=1');
		expect(ignored.status).toBe(200);
		expect(ignored.json['@odata.count']).toBeUndefined();
		expect((await get('/v1.0/users/$count')).json.error.message).toBe(
			'$count is not currently supported.',
		);
		const counted = await get('/v1.0/users/$count', eventual);
		expect(counted.text).toBe('252');
	});

	it('$search needs ConsistencyLevel: eventual', async () => {
		expect((await get('/v1.0/users?$search="displayName:Seán"')).json.error.code).toBe(
			'Request_UnsupportedQuery',
		);
		const found = await get(
			`/v1.0/users?$search=${encodeURIComponent('"displayName:seán"')}`,
			eventual,
		);
		expect(found.json.value.map((u: any) => u.id)).toEqual([uid(900)]);
	});

	it('gets a user by id or UPN, 404 Request_ResourceNotFound otherwise, with request-id header', async () => {
		expect((await get(`/v1.0/users/${uid(3)}?$select=department`)).json).toMatchObject({
			id: uid(3),
			department: 'Finance',
		});
		expect((await get('/v1.0/users/user3@tailspin.example')).json.id).toBe(uid(3));
		const missing = await get(`/v1.0/users/${uid(12345)}`);
		expect(missing.status).toBe(404);
		expect(missing.json.error.code).toBe('Request_ResourceNotFound');
		expect(missing.headers.get('request-id')).toEqual(missing.json.error.innerError['request-id']);
		expect(missing.json.error.innerError.date).toEqual(expect.any(String));
	});
});

describe('fake Graph: PATCH /users/{id}', () => {
	const patch = (id: string, body: string | object) =>
		call(`${fakes.url}/v1.0/users/${id}`, { method: 'PATCH', headers: auth, body });

	it('updates a cloud user (204) and the change is visible', async () => {
		const response = await patch(uid(5), { mobilePhone: '+61 400 000 005', jobTitle: 'Lead' });
		expect(response.status).toBe(204);
		expect(response.text).toBe('');
		expect((await get(`/v1.0/users/${uid(5)}?$select=mobilePhone,jobTitle`)).json).toMatchObject({
			mobilePhone: '+61 400 000 005',
			jobTitle: 'Lead',
		});
	});

	it('rejects AD-mastered attributes of on-premises synced users, allows cloud ones', async () => {
		const response = await patch(uid(901), { mobilePhone: '+61 400 000 901' });
		expect(response.status).toBe(400);
		expect(response.json.error).toMatchObject({
			code: 'Request_BadRequest',
			message:
				'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
		});
		expect((await get(`/v1.0/users/${uid(901)}?$select=mobilePhone`)).json.mobilePhone).toBe(
			'0412 000 000',
		);
		expect((await patch(uid(901), { usageLocation: 'NZ' })).status).toBe(204);
	});

	it('empty payload, unknown and read-only properties, bad values → 400', async () => {
		const empty = await patch(uid(6), '');
		expect(empty.json.error).toMatchObject({
			code: 'BadRequest',
			message: 'Empty Payload. JSON content expected.',
		});
		expect((await patch(uid(6), { shoeSize: '44' })).status).toBe(400);
		expect((await patch(uid(6), { onPremisesSyncEnabled: true })).status).toBe(400);
		expect((await patch(uid(6), { businessPhones: ['+61 2 1', '+61 2 2'] })).status).toBe(400);
		expect((await patch(uid(6), { displayName: null })).status).toBe(400);
	});
});

describe('fake Graph: groups', () => {
	it('lists groups with startsWith filter and $select', async () => {
		const response = await get(
			`/v1.0/groups?$select=id,displayName&$filter=${encodeURIComponent("startsWith(displayName,'Inn')")}`,
		);
		expect(response.json.value).toEqual([
			{ id: gid(2), displayName: 'Inner' },
			{ id: gid(3), displayName: 'Innermost' },
		]);
	});

	it('members are direct; transitiveMembers flatten nested groups (cycles included) with @odata.type', async () => {
		const direct = await get(`/v1.0/groups/${gid(1)}/members?$select=id`);
		expect(direct.json.value).toEqual([
			{ '@odata.type': '#microsoft.graph.user', id: uid(1) },
			{ '@odata.type': '#microsoft.graph.group', id: gid(2) },
		]);
		const transitive = await get(`/v1.0/groups/${gid(1)}/transitiveMembers?$select=id`);
		const ids = transitive.json.value.map((m: any) => m.id);
		expect(ids.filter((id: string) => id.startsWith('0000'))).toEqual([
			uid(1),
			uid(2),
			uid(3),
			uid(4),
		]);
		expect(ids).toEqual(expect.arrayContaining([gid(2), gid(3)]));
	});

	it('the microsoft.graph.user cast needs ConsistencyLevel + $count=true, then returns users only, paged', async () => {
		const path = `/v1.0/groups/${gid(1)}/transitiveMembers/microsoft.graph.user?$select=id,displayName&$top=3`;
		const rejected = await get(path);
		expect(rejected.status).toBe(400);
		expect(rejected.json.error.code).toBe('Request_UnsupportedQuery');
		const all = await readAll(`${path}&$count=true`, eventual);
		expect(all.items.map((u) => u.id)).toEqual([uid(1), uid(2), uid(3), uid(4)]);
		expect(all.count).toBe(4);
		expect(all.pages).toBe(2);
		expect(all.items[0]['@odata.type']).toBeUndefined();
	});

	it('answers GET /v1.0/organization for credential tests', async () => {
		const org = await get('/v1.0/organization');
		expect(org.json.value[0].id).toBe(TENANT);
	});
});

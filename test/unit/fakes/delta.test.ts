import type { RunningFakes } from '../../fakes/server';
import { call, clientSecretToken, startTrustedFakes } from './helpers';

const TENANT = '33333333-2222-4333-8444-555555555555';
const APP = 'aaaaaaaa-0000-4000-8000-00000000000d';
const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

let fakes: RunningFakes;
let auth: Record<string, string>;

beforeEach(async () => {
	fakes = await startTrustedFakes({
		deltaPageSize: 4,
		seed: {
			tenants: [
				{
					id: TENANT,
					domains: ['delta.example'],
					apps: [{ clientId: APP, secret: 'pw' }],
					users: Array.from({ length: 10 }, (_, i) => ({
						id: uid(i + 1),
						displayName: `Person ${i + 1}`,
						mobilePhone: `+6140000000${i}`,
						department: 'Sales',
						businessPhones: [],
					})),
				},
			],
		},
	});
	auth = { Authorization: `Bearer ${await clientSecretToken(fakes, TENANT, APP, 'pw')}` };
});

afterEach(async () => {
	await fakes.close();
});

async function round(
	first: string,
	headers: Record<string, string> = {},
): Promise<{ items: any[]; pages: number; deltaLink: string }> {
	const items: any[] = [];
	let url: string = first.startsWith('https:') ? first : `${fakes.url}${first}`;
	let pages = 0;
	for (;;) {
		const page = await call(url, { headers: { ...auth, ...headers } });
		expect(page.status).toBe(200);
		items.push(...page.json.value);
		pages++;
		if (page.json['@odata.nextLink']) {
			expect(page.json['@odata.deltaLink']).toBeUndefined();
			expect(page.json['@odata.nextLink']).toContain('$skiptoken=');
			url = page.json['@odata.nextLink'];
			continue;
		}
		expect(page.json['@odata.deltaLink']).toContain('/v1.0/users/delta?$deltatoken=');
		return { items, pages, deltaLink: page.json['@odata.deltaLink'] };
	}
}

describe('fake Graph: /users/delta', () => {
	it('initial round pages with skiptokens and ends with a deltaLink; $select narrows properties', async () => {
		const initial = await round('/v1.0/users/delta?$select=displayName,mobilePhone');
		expect(initial.pages).toBe(3);
		expect(initial.items).toHaveLength(10);
		expect(initial.items[0]).toEqual({
			id: uid(1),
			displayName: 'Person 1',
			mobilePhone: '+61400000000',
		});
		const empty = await round(initial.deltaLink);
		expect(empty.items).toEqual([]);
	});

	it('incremental round returns changed users (full selected props), removed ones with @removed reasons', async () => {
		const initial = await round('/v1.0/users/delta?$select=displayName,mobilePhone');
		fakes.state.updateUser(uid(2), { mobilePhone: '+61499999999' });
		fakes.state.updateUser(uid(3), { department: 'Support' }); // not selected: not surfaced
		await call(`${fakes.url}/v1.0/users/${uid(4)}`, {
			method: 'PATCH',
			headers: auth,
			body: { displayName: 'Renamed Four' },
		});
		fakes.state.deleteUser(uid(5), false);
		expect(
			(await call(`${fakes.url}/_admin/users/${uid(6)}?hard=true`, { method: 'DELETE' })).status,
		).toBe(204);
		expect(
			(
				await call(`${fakes.url}/_admin/users`, {
					method: 'POST',
					body: { id: uid(11), displayName: 'New Hire', mobilePhone: '+61411111111' },
				})
			).status,
		).toBe(201);
		const next = await round(initial.deltaLink);
		expect(next.items).toEqual([
			{ id: uid(2), displayName: 'Person 2', mobilePhone: '+61499999999' },
			{ id: uid(4), displayName: 'Renamed Four', mobilePhone: '+61400000003' },
			{ id: uid(5), '@removed': { reason: 'changed' } },
			{ id: uid(6), '@removed': { reason: 'deleted' } },
			{ id: uid(11), displayName: 'New Hire', mobilePhone: '+61411111111' },
		]);
		const users = await call(`${fakes.url}/v1.0/users?$select=id`, { headers: auth });
		expect(users.json.value.map((u: any) => u.id)).not.toContain(uid(5));
		const restored = await call(`${fakes.url}/_admin/users/${uid(5)}/restore`, { method: 'POST' });
		expect(restored.status).toBe(200);
		const after = await round(next.deltaLink);
		expect(after.items).toEqual([
			{ id: uid(5), displayName: 'Person 5', mobilePhone: '+61400000004' },
		]);
	});

	it('Prefer: return=minimal returns only the changed properties', async () => {
		const initial = await round('/v1.0/users/delta?$select=displayName,mobilePhone');
		fakes.state.updateUser(uid(2), { mobilePhone: '+61499999999' });
		const next = await round(initial.deltaLink, { Prefer: 'return=minimal' });
		expect(next.items).toEqual([{ id: uid(2), mobilePhone: '+61499999999' }]);
	});

	it('$deltatoken=latest gives an empty page with a deltaLink from now on', async () => {
		const latest = await call(
			`${fakes.url}/v1.0/users/delta?$select=displayName&$deltatoken=latest`,
			{ headers: auth },
		);
		expect(latest.json.value).toEqual([]);
		fakes.state.updateUser(uid(7), { displayName: 'Seven' });
		const next = await round(latest.json['@odata.deltaLink']);
		expect(next.items).toEqual([{ id: uid(7), displayName: 'Seven' }]);
	});

	it('expired tokens: syncStateNotFound (400) by default, 410 Gone with Location for a resync', async () => {
		const initial = await round('/v1.0/users/delta?$select=displayName');
		expect(
			(
				await call(`${fakes.url}/_admin/expire-delta-tokens`, {
					method: 'POST',
					body: { reason: 'expired' },
				})
			).status,
		).toBe(200);
		const expired = await call(initial.deltaLink, { headers: auth });
		expect(expired.status).toBe(400);
		expect(expired.json.error.code).toBe('syncStateNotFound');

		const second = await round('/v1.0/users/delta?$select=displayName');
		fakes.state.expireDeltaTokens('resync');
		const gone = await call(second.deltaLink, { headers: auth });
		expect(gone.status).toBe(410);
		const location = gone.headers.get('location') as string;
		expect(location).toBe(`${fakes.url}/v1.0/users/delta?$deltatoken=`);
		const restart = await round(location);
		expect(restart.items).toHaveLength(10);
	});

	it('tokens older than the configured max age are expired; 410 when configured so', async () => {
		const initial = await round('/v1.0/users/delta');
		fakes.state.updateConfig({ deltaTokenMaxAgeSeconds: 0 });
		await new Promise((resolve) => setTimeout(resolve, 5));
		expect((await call(initial.deltaLink, { headers: auth })).json.error.code).toBe(
			'syncStateNotFound',
		);
		fakes.state.updateConfig({ deltaExpiredResponse: 'gone' });
		expect((await call(initial.deltaLink, { headers: auth })).status).toBe(410);
	});

	it('tokens of a replaced state (PUT /_admin/state) are unknown', async () => {
		const initial = await round('/v1.0/users/delta');
		const snapshot = (await call(`${fakes.url}/_admin/state`)).json;
		expect(
			(await call(`${fakes.url}/_admin/state`, { method: 'PUT', body: snapshot })).status,
		).toBe(200);
		expect((await call(initial.deltaLink, { headers: auth })).json.error.code).toBe(
			'syncStateNotFound',
		);
	});
});

/** The fake MessageMedia's number authorisation API (account blacklist) and its admin API. */
import type { RunningFakes } from '../../fakes/server';
import { basicAuth, call, optOutAccount, sdkHmacHeaders, startMessageMediaFakes } from './helpers';

const KEY = 'BLACKLISTKEY0000001';
const SECRET = 'BLACKLISTSECRET000000001';
const OTHER_KEY = 'BLACKLISTKEY0000002';

let fakes: RunningFakes;

beforeEach(async () => {
	fakes = await startMessageMediaFakes([
		optOutAccount(KEY, SECRET),
		{ apiKey: OTHER_KEY, apiSecret: 'other-secret' },
	]);
});
afterEach(async () => await fakes.close());

const numbers = (path: string, init: { method?: string; body?: object | string } = {}) =>
	call(`${fakes.url}/v1/number_authorisation${path}`, { ...init, headers: basicAuth(KEY, SECRET) });
const admin = (path: string, init: { method?: string; body?: object } = {}) =>
	call(`${fakes.url}/_admin/messagemedia/blacklist${path}`, init);
const lastEntry = () => fakes.state.log.entries[fakes.state.log.entries.length - 1];

describe('fake MessageMedia: is_authorised', () => {
	it('answers each number in the order asked; only the blacklist makes a number unauthorised, not an UNSUBSCRIBED channel', async () => {
		const asked = await numbers('/is_authorised/+61491570158,+61491570157,+61491570156');
		expect(asked.status).toBe(200);
		expect(asked.json).toEqual({
			uri: '/v1/number_authorisation/is_authorised/+61491570158,+61491570157,+61491570156',
			numbers: [
				{ number: '+61491570158', authorised: true },
				{ number: '+61491570157', authorised: false },
				{ number: '+61491570156', authorised: true },
			],
		});
		expect(lastEntry()).toMatchObject({ service: 'messagemedia', status: 200, auth: 'basic' });
		expect(lastEntry().errors).toBeUndefined();
	});

	it('accepts the numbers percent-encoded and HMAC-signed; the blacklist is per account', async () => {
		const path = '/v1/number_authorisation/is_authorised/%2B61491570157';
		const signed = await call(`${fakes.url}${path}`, {
			headers: sdkHmacHeaders(KEY, SECRET, 'GET', path),
		});
		expect(signed.json.numbers).toEqual([{ number: '+61491570157', authorised: false }]);
		const other = await call(`${fakes.url}/v1/number_authorisation/is_authorised/+61491570157`, {
			headers: basicAuth(OTHER_KEY, 'other-secret'),
		});
		expect(other.json.numbers).toEqual([{ number: '+61491570157', authorised: true }]);
	});

	it("400 in this API's own shape ({ message, details }) for a number that is not E.164; 401 with a message", async () => {
		const bad = await numbers('/is_authorised/+61491570156,0412345678');
		expect(bad.status).toBe(400);
		expect(bad.json).toEqual({
			message: expect.any(String),
			details: ['"0412345678" is not a number in international format (+ and 7 to 15 digits)'],
		});
		const unauthorised = await call(
			`${fakes.url}/v1/number_authorisation/is_authorised/+61491570156`,
			{ headers: basicAuth(KEY, 'wrong') },
		);
		expect(unauthorised.status).toBe(401);
		expect(unauthorised.json).toEqual({ message: 'Invalid authentication credentials' });
		expect(
			(await numbers('/is_authorised/+61491570156', { method: 'POST', body: {} })).status,
		).toBe(405);
	});
});

describe('fake MessageMedia: mt/blacklist', () => {
	it('adds up to 10 numbers (201; 200 when all were there already), with or without +, and lists them in pages of 100', async () => {
		const added = await numbers('/mt/blacklist', {
			method: 'POST',
			body: { numbers: ['61491570160', '+61491570161'] },
		});
		expect(added.status).toBe(201);
		expect(added.json).toEqual({
			uri: '/v1/number_authorisation/mt/blacklist',
			numbers: ['61491570160', '+61491570161'],
		});
		expect(
			(await numbers('/mt/blacklist', { method: 'POST', body: { numbers: ['+61491570160'] } }))
				.status,
		).toBe(200);
		expect((await numbers('/mt/blacklist')).json).toEqual({
			uri: '/v1/number_authorisation/mt/blacklist',
			numbers: ['+61491570157', '+61491570160', '+61491570161'],
		});

		for (let batch = 0; batch < 11; batch++) {
			const many = Array.from({ length: 10 }, (_, i) => `+614915${String(80000 + batch * 10 + i)}`);
			expect(
				(await numbers('/mt/blacklist', { method: 'POST', body: { numbers: many } })).status,
			).toBe(201);
		}
		const first = await numbers('/mt/blacklist');
		expect(first.json.numbers).toHaveLength(100);
		expect(first.json.pagination).toEqual({
			page: '100',
			next_uri: '/v1/number_authorisation/mt/blacklist?token=100',
		});
		const second = await numbers('/mt/blacklist?token=100');
		expect(second.json.numbers).toHaveLength(13);
		expect(second.json.pagination).toBeUndefined();
		expect(fakes.state.log.entries.flatMap((e) => e.errors ?? [])).toEqual([]);
	});

	it('refuses more than 10 numbers, numbers that are not international, and a body without numbers (nothing added)', async () => {
		const eleven = Array.from({ length: 11 }, (_, i) => `+6149157${String(3000 + i)}`);
		for (const body of [
			{ numbers: eleven },
			{ numbers: ['+61491570170', '0412 345 678'] },
			{ numbers: [] },
			{ number: '+61491570171' },
		]) {
			const refused = await numbers('/mt/blacklist', { method: 'POST', body });
			expect(refused.status).toBe(400);
			expect(refused.json).toEqual({ message: expect.any(String), details: expect.any(Array) });
		}
		expect(fakes.state.blacklist()).toEqual(['+61491570157']);
	});

	it('removes one number (200 text/plain), 404 when it is not on the list', async () => {
		const removed = await numbers('/mt/blacklist/%2B61491570157', { method: 'DELETE' });
		expect(removed.status).toBe(200);
		expect(removed.headers.get('content-type')).toContain('text/plain');
		expect((await numbers('/mt/blacklist/+61491570157', { method: 'DELETE' })).status).toBe(404);
		expect((await numbers('/is_authorised/+61491570157')).json.numbers[0].authorised).toBe(true);
	});
});

describe('fake MessageMedia: the blacklist in the admin API and the seeded state', () => {
	it('GET/POST/DELETE /_admin/messagemedia/blacklist (?apiKey= picks the account), as an SMS opt-out would', async () => {
		expect((await admin('')).json).toEqual({ numbers: ['+61491570157'] });
		expect(
			(await admin('', { method: 'POST', body: { numbers: ['+61491570190', '+61491570191'] } }))
				.json.numbers,
		).toEqual(['+61491570157', '+61491570190', '+61491570191']);
		expect((await admin('/%2B61491570190', { method: 'DELETE' })).json.numbers).toEqual([
			'+61491570157',
			'+61491570191',
		]);
		expect(
			(await admin(`?apiKey=${OTHER_KEY}`, { method: 'POST', body: { numbers: ['+61491570192'] } }))
				.json.numbers,
		).toEqual(['+61491570192']);
		expect((await admin('', { method: 'POST', body: { numbers: ['0412345678'] } })).status).toBe(
			400,
		);
		expect((await admin('?apiKey=nobody')).status).toBe(404);
		expect((await numbers('/is_authorised/+61491570191')).json.numbers[0].authorised).toBe(false);
	});

	it('survives a snapshot and load, and shows in the MessageMedia view', async () => {
		fakes.state.setBlacklisted(['+61491570199'], true);
		const snapshot = fakes.state.snapshot();
		expect(snapshot.messagemedia?.accounts?.[0].blacklist).toEqual([
			'+61491570157',
			'+61491570199',
		]);
		fakes.state.load({ messagemedia: { accounts: [] } });
		fakes.state.load(snapshot);
		expect(fakes.state.blacklist()).toEqual(['+61491570157', '+61491570199']);
		expect(fakes.state.messagemediaView(KEY)[0].blacklist).toEqual([
			'+61491570157',
			'+61491570199',
		]);
	});
});

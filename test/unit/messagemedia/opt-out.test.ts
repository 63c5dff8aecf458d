/**
 * `findOptedOutNumbers`: the account blacklist through the number authorisation API
 * (`GET /v1/number_authorisation/is_authorised/{numbers}`), against nock (exact requests, checked
 * against the vendor OpenAPI) and against the HTTPS fake.
 */
import { ConfigurationError } from '../../../lib/common/errors';
import { createMessageMediaClient, OPT_OUT_LOOKUP_CHUNK } from '../../../lib/messagemedia/client';
import type { RunningFakes } from '../../fakes/server';
import { validateResponse } from '../../support/openapi';
import {
	BLACKLISTED,
	optOutAccount,
	startMessageMediaFakes,
	UNSUBSCRIBED_ONLY,
} from '../fakes/helpers';
import { BASE, checkRecordedRequests, recordedScope, type RecordedRequest } from './helpers';

function client(authMethod: 'basic' | 'hmac' = 'basic') {
	return createMessageMediaClient(
		{ apiKey: 'key-1', apiSecret: 'secret-1', region: 'apac', authMethod },
		{ retry: { sleep: async () => undefined } },
	);
}

const answer = (numbers: string[], blocked: string[]) => ({
	uri: `/v1/number_authorisation/is_authorised/${numbers.join(',')}`,
	numbers: numbers.map((number) => ({ number, authorised: !blocked.includes(number) })),
});

describe('findOptedOutNumbers against exact answers', () => {
	const requests: RecordedRequest[] = [];
	afterEach(async () => await checkRecordedRequests(requests));

	it('asks is_authorised with comma-separated E.164 numbers on the API host (not under /api/v1/contacts) and returns the unauthorised ones', async () => {
		const numbers = ['+61491570156', '+61491570157', '+447700900123'];
		const body = answer(numbers, ['+61491570157']);
		expect(
			await validateResponse(
				'GET',
				`/v1/number_authorisation/is_authorised/${numbers.join(',')}`,
				200,
				body,
			),
		).toMatchObject({ ok: true });
		recordedScope(requests)
			.get(`/v1/number_authorisation/is_authorised/${numbers.join(',')}`)
			.reply(200, body);

		expect(await client().findOptedOutNumbers([...numbers, '+61491570157'])).toEqual([
			'+61491570157',
		]);
		expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			'GET /v1/number_authorisation/is_authorised/+61491570156,+61491570157,+447700900123',
		]);
	});

	it(`asks in chunks of ${OPT_OUT_LOOKUP_CHUNK} numbers, each request line under 1 KB, signed like every other request`, async () => {
		const numbers = Array.from({ length: 120 }, (_, i) => `+614915${String(i).padStart(5, '0')}`);
		const blocked = [numbers[3], numbers[77], numbers[119]];
		const scope = recordedScope(requests);
		for (let i = 0; i < numbers.length; i += OPT_OUT_LOOKUP_CHUNK) {
			const chunk = numbers.slice(i, i + OPT_OUT_LOOKUP_CHUNK);
			scope
				.get(`/v1/number_authorisation/is_authorised/${chunk.join(',')}`)
				.reply(200, answer(chunk, blocked));
		}
		expect(await client('hmac').findOptedOutNumbers(numbers)).toEqual(blocked);
		expect(requests.map((r) => r.path.split('/').pop()?.split(',').length)).toEqual([50, 50, 20]);
		expect(Math.max(...requests.map((r) => `GET ${BASE}${r.path} HTTP/1.1`.length))).toBeLessThan(
			1024,
		);
		expect(requests.every((r) => String(r.headers.authorization).startsWith('hmac '))).toBe(true);
	});

	it('makes no request for no numbers; refuses numbers that are not E.164 before asking anything', async () => {
		expect(await client().findOptedOutNumbers([])).toEqual([]);
		const refused = client().findOptedOutNumbers(['+61491570156', '0412 345 678']);
		await expect(refused).rejects.toBeInstanceOf(ConfigurationError);
		await expect(refused).rejects.toThrow('"0412 345 678"');
	});

	it('matches answers written without the +, and fails when a number is left unanswered', async () => {
		recordedScope(requests)
			.get('/v1/number_authorisation/is_authorised/+61491570156,+61491570157')
			.reply(200, {
				uri: '/v1/number_authorisation/is_authorised/+61491570156,+61491570157',
				numbers: [
					{ number: '61491570156', authorised: false },
					{ number: '61491570157', authorised: true },
				],
			})
			.get('/v1/number_authorisation/is_authorised/+61491570156,+61491570157')
			.reply(200, {
				uri: '/v1/number_authorisation/is_authorised/+61491570156,+61491570157',
				numbers: [{ number: '+61491570156', authorised: true }],
			});
		const c = client();
		expect(await c.findOptedOutNumbers(['+61491570156', '+61491570157'])).toEqual(['+61491570156']);
		await expect(c.findOptedOutNumbers(['+61491570156', '+61491570157'])).rejects.toMatchObject({
			code: 'incompleteAnswer',
			message: expect.stringContaining('+61491570157'),
		});
	});

	it("maps the API's { message, details } error answer", async () => {
		recordedScope(requests)
			.get('/v1/number_authorisation/is_authorised/+61491570156')
			.reply(400, { message: 'Request failed to parse correctly.', details: ['bad number'] });
		await expect(client().findOptedOutNumbers(['+61491570156'])).rejects.toMatchObject({
			status: 400,
			message: 'Request failed to parse correctly.',
		});
	});
});

describe('findOptedOutNumbers against the HTTPS fake', () => {
	const KEY = 'OPTOUTKEY0000000001';
	const SECRET = 'OPTOUTSECRET00000000001';
	let fakes: RunningFakes;

	beforeAll(async () => {
		fakes = await startMessageMediaFakes([optOutAccount(KEY, SECRET)]);
	});
	afterAll(async () => await fakes.close());

	it('reports the blacklisted numbers, follows admin changes, and does not count an UNSUBSCRIBED channel as opted out', async () => {
		const c = createMessageMediaClient({
			apiKey: KEY,
			apiSecret: SECRET,
			region: 'custom',
			baseUrl: fakes.url,
			authMethod: 'hmac',
		});
		const numbers = Array.from({ length: 60 }, (_, i) => `+6149157${String(1000 + i)}`).concat([
			'+61491570156',
			BLACKLISTED,
			UNSUBSCRIBED_ONLY,
		]);
		expect(await c.findOptedOutNumbers(numbers)).toEqual([BLACKLISTED]);
		fakes.state.setBlacklisted(['+61491571005'], true);
		expect(await c.findOptedOutNumbers(numbers)).toEqual(['+61491571005', BLACKLISTED]);
		const calls = fakes.state.log.entries.filter((e) =>
			e.path.startsWith('/v1/number_authorisation/'),
		);
		expect(calls.map((e) => [e.status, e.errors ?? [], e.warnings ?? []])).toEqual(
			Array(4).fill([200, [], []]),
		);
	});
});

import nock from 'nock';

import {
	basicAuthorization,
	contentMd5,
	hmacSigningString,
	httpDate,
	parseHmacAuthorization,
	signRequest,
} from '../../../lib/messagemedia/auth';
import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import { BASE, recordedScope, type RecordedRequest } from './helpers';

// Vectors: the POST one computed with Python's hmac/hashlib, plus the GET and DELETE ones computed
// the same way outside this code base (python3 hmac.new(b'testsecret', s, sha1)).
const DATE = 'Sat, 30 Jul 2016 05:18:52 GMT';
const BODY = '{"firstName":"Ada","channels":[{"channelId":"+61491570156","type":"SMS"}]}';

describe('MessageMedia Basic auth', () => {
	it('is Basic base64(key:secret)', () => {
		expect(basicAuthorization('testkey', 'testsecret')).toBe('Basic dGVzdGtleTp0ZXN0c2VjcmV0');
	});
});

describe('MessageMedia HMAC signature (official SDK variant)', () => {
	it('matches the POST test vector with x-Content-MD5', () => {
		expect(contentMd5(BODY)).toBe('4dcfaff211f11a46e7f8c7c16076eb58');
		const signed = signRequest({
			method: 'POST',
			path: '/api/v1/contacts/contacts',
			body: BODY,
			date: DATE,
			key: 'testkey',
			secret: 'testsecret',
		});
		expect(signed.signature).toBe('cajcl6yyfYMOidFX6AybR7gSD88=');
		expect(signed.signingString).toBe(
			`date: ${DATE}\nx-Content-MD5: 4dcfaff211f11a46e7f8c7c16076eb58\nPOST /api/v1/contacts/contacts HTTP/1.1`,
		);
		expect(signed.headers).toEqual({
			date: DATE,
			'x-Content-MD5': '4dcfaff211f11a46e7f8c7c16076eb58',
			Authorization:
				'hmac username="testkey", algorithm="hmac-sha1", headers="date x-Content-MD5 request-line", signature="cajcl6yyfYMOidFX6AybR7gSD88="',
		});
	});

	it('signs a GET without body over date and request line, query included', () => {
		const signed = signRequest({
			method: 'GET',
			path: '/api/v1/contacts/lists?pageSize=1',
			date: DATE,
			key: 'testkey',
			secret: 'testsecret',
		});
		expect(signed.signingString).toBe(
			`date: ${DATE}\nGET /api/v1/contacts/lists?pageSize=1 HTTP/1.1`,
		);
		expect(signed.signature).toBe('n/Cdd4Ry6yLWVpGVdciwjgeeojk=');
		expect(signed.headers['x-Content-MD5']).toBeUndefined();
		expect(signed.headers.Authorization).toBe(
			'hmac username="testkey", algorithm="hmac-sha1", headers="date request-line", signature="n/Cdd4Ry6yLWVpGVdciwjgeeojk="',
		);
	});

	it("puts the real method in the request line (not the SDKs' POST)", () => {
		const signed = signRequest({
			method: 'DELETE',
			path: '/api/v1/contacts/contacts/3fa85f64-5717-4562-b3fc-2c963f66afa6',
			date: DATE,
			key: 'testkey',
			secret: 'testsecret',
		});
		expect(signed.signature).toBe('XtflIXuT9Dq4vpeXJLnq7KudmMk=');
		expect(hmacSigningString({ method: 'patch', path: '/x', body: '{}', date: DATE })).toContain(
			'\nPATCH /x HTTP/1.1',
		);
	});

	it('formats the date as IMF-fixdate and parses its own header back', () => {
		expect(httpDate(new Date(Date.UTC(2016, 6, 30, 5, 18, 52)))).toBe(DATE);
		const header = signRequest({
			method: 'POST',
			path: '/p',
			body: '{}',
			date: DATE,
			key: 'k',
			secret: 's',
		}).headers.Authorization;
		expect(parseHmacAuthorization(header)).toEqual({
			username: 'k',
			algorithm: 'hmac-sha1',
			headers: ['date', 'x-Content-MD5', 'request-line'],
			signature: expect.any(String),
		});
		expect(parseHmacAuthorization('Basic abc')).toBeUndefined();
	});
});

describe('auth headers on the wire', () => {
	const requests: RecordedRequest[] = [];
	afterEach(() => {
		nock.cleanAll();
		requests.length = 0;
	});

	it('HMAC: the transport signs the exact body bytes and the request target it sends', async () => {
		const client = createMessageMediaClient(
			{ apiKey: 'testkey', apiSecret: 'testsecret', authMethod: 'hmac', region: 'apac' },
			{ now: () => new Date(DATE) },
		);
		recordedScope(requests)
			.post('/api/v1/contacts/contacts')
			.reply(201, { id: 'c1' })
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(200, { content: [], totalElements: 0 });

		await client.createContact({
			firstName: 'Ada',
			channels: [{ channelId: '+61491570156', type: 'SMS' }],
		});
		await client.listLists({}, { pageSize: 1 });

		const [post, get] = requests;
		expect(post.raw).toBe(BODY);
		expect(post.headers['x-content-md5']).toBe('4dcfaff211f11a46e7f8c7c16076eb58');
		expect(post.headers.date).toBe(DATE);
		expect(post.headers.authorization).toBe(
			'hmac username="testkey", algorithm="hmac-sha1", headers="date x-Content-MD5 request-line", signature="cajcl6yyfYMOidFX6AybR7gSD88="',
		);
		expect(get.path).toBe('/api/v1/contacts/lists?pageSize=1');
		expect(get.headers.authorization).toContain('signature="n/Cdd4Ry6yLWVpGVdciwjgeeojk="');
		expect(get.headers['x-content-md5']).toBeUndefined();
	});

	it('Basic: sends the Basic header and Accept: application/json', async () => {
		const client = createMessageMediaClient({ apiKey: 'testkey', apiSecret: 'testsecret' });
		recordedScope(requests, BASE)
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(200, { content: [], totalElements: 0 });
		await client.listLists();
		expect(requests[0].headers.authorization).toBe('Basic dGVzdGtleTp0ZXN0c2VjcmV0');
		expect(requests[0].headers.accept).toBe('application/json');
	});
});

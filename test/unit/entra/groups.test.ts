import nock from 'nock';

import { ConfigurationError } from '../../../lib/common/errors';
import { normalizePrivateKey } from '../../../lib/entra/config';
import { listGroups } from '../../../lib/entra/groups';
import { buildUpdateBody, getUser } from '../../../lib/entra/users';
import { generateKeyPairSync } from 'node:crypto';
import { GRAPH, page, transport, useNockedEntra } from './helpers';

const SELECT = 'id,displayName,mail,description,mailEnabled,securityEnabled';

describe('group search, get user, update body, key parsing', () => {
	useNockedEntra();

	it('group $search is an advanced query', async () => {
		nock(GRAPH, { reqheaders: { consistencylevel: 'eventual' } })
			.get('/v1.0/groups')
			.query({ $select: SELECT, $top: '999', $search: '"displayName:sales"', $count: 'true' })
			.reply(200, page([{ id: 'g1' }]));
		await expect(listGroups(transport(), { search: 'sales' })).resolves.toEqual([{ id: 'g1' }]);
	});

	it('get by UPN encodes guest UPNs', async () => {
		nock(GRAPH)
			.get('/v1.0/users/adele_contoso.com%23EXT%23%40fabrikam.onmicrosoft.com')
			.query({ $select: 'id,mail' })
			.reply(200, { id: 'u1', mail: 'adele@contoso.com' });
		await expect(
			getUser(transport(), 'adele_contoso.com#EXT#@fabrikam.onmicrosoft.com', ['mail']),
		).resolves.toEqual({
			id: 'u1',
			mail: 'adele@contoso.com',
		});
	});

	it('update body: chosen fields only, empty clears, business phone becomes an array, other attributes added', () => {
		expect(
			buildUpdateBody({
				jobTitle: 'Lead',
				officeLocation: '',
				businessPhone: '+61 2 9999 0000',
				otherAttributes: { attribute: [{ name: 'extension_abc_costCenter', value: 'CC-1' }] },
			}),
		).toEqual({
			jobTitle: 'Lead',
			officeLocation: null,
			businessPhones: ['+61 2 9999 0000'],
			extension_abc_costCenter: 'CC-1',
		});
		expect(() =>
			buildUpdateBody({ otherAttributes: { attribute: [{ name: ' ', value: 'x' }] } }),
		).toThrow(ConfigurationError);
	});

	it('private keys pasted with flattened line breaks or literal \\n still parse; garbage does not', () => {
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
		const flattened = pem.replace(/\n/g, ' ');
		const escaped = pem.replace(/\n/g, '\\n');
		expect(normalizePrivateKey(flattened)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
		expect(normalizePrivateKey(escaped)).toBe(normalizePrivateKey(pem));
		expect(() =>
			normalizePrivateKey('-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----'),
		).toThrow(/unencrypted PEM private key/);
	});
});

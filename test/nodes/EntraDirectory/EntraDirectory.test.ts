import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';

import type { EntraCredentialFields } from '../../../lib/entra/config';

import { EntraDirectory } from '../../../nodes/EntraDirectory/EntraDirectory.node';
import { testEntraCredential } from '../../../nodes/helpers/entra';
import { toNodeError } from '../../../nodes/helpers/errors';
import { executeContext, loadOptionsContext } from '../../support/n8n-context';
import {
	ISSUED_BEARER,
	GRAPH,
	LOGIN,
	SECRET,
	TENANT,
	fields,
	nockToken,
	page,
	useNockedEntra,
} from '../../unit/entra/helpers';

const directory = new EntraDirectory();

/** The node reading displayName (defaults for the rest), with an Entra ID credential. */
function fakeExecute(
	parameters: INodeParameters,
	options: { items?: number; continueOnFail?: boolean; credentials?: IDataObject } = {},
): IExecuteFunctions {
	return executeContext(directory, {
		parameters: { attributes: ['displayName'], ...parameters },
		items: Array.from({ length: options.items ?? 1 }, () => ({})),
		credentials: { entraSyncEntraIdApi: options.credentials ?? fields() },
		continueOnFail: options.continueOnFail,
	});
}

const cred = (overrides: Partial<EntraCredentialFields> = {}) =>
	fields(overrides) as unknown as ICredentialDataDecryptedObject;
const run = async (ctx: IExecuteFunctions) =>
	(await directory.execute.call(ctx))[0] as INodeExecutionData[];

describe('Entra Directory node', () => {
	useNockedEntra({ token: false });

	it('Get Many: one item per user, paired with its input item', async () => {
		nockToken();
		nock(GRAPH)
			.get('/v1.0/users')
			.query({ $select: 'id,displayName', $top: '2' })
			.reply(
				200,
				page([{ id: '1' }, { id: '2' }], { '@odata.nextLink': `${GRAPH}/v1.0/users?$skiptoken=x` }),
			);
		const out = await run(fakeExecute({ returnAll: false, limit: 2 }));
		expect(out).toEqual([
			{ json: { id: '1' }, pairedItem: { item: 0 } },
			{ json: { id: '2' }, pairedItem: { item: 0 } },
		]);
	});

	it('two executions of the node share one token request', async () => {
		const token = nockToken();
		nock(GRAPH)
			.get('/v1.0/users')
			.query(true)
			.times(2)
			.reply(200, page([{ id: '1' }]));
		await run(fakeExecute({}));
		await run(fakeExecute({}));
		expect(token.isDone()).toBe(true);
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('Update: PATCHes the chosen fields and outputs what was updated', async () => {
		nockToken();
		nock(GRAPH)
			.get('/v1.0/users/u1')
			.query({ $select: 'id,onPremisesSyncEnabled' })
			.reply(200, { id: 'u1', onPremisesSyncEnabled: false });
		nock(GRAPH)
			.patch('/v1.0/users/u1', { department: 'Sales', businessPhones: ['+61 2 9999 0000'] })
			.reply(204);
		const out = await run(
			fakeExecute({
				operation: 'update',
				userId: 'u1',
				updateFields: { department: 'Sales', businessPhone: '+61 2 9999 0000' },
			}),
		);
		// n8n hands the collection over in the order of its options (Business Phone before Department).
		expect(out).toEqual([
			{ json: { id: 'u1', updated: ['businessPhones', 'department'] }, pairedItem: { item: 0 } },
		]);
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('Group Get Many with a name prefix', async () => {
		nockToken();
		nock(GRAPH)
			.get('/v1.0/groups')
			.query((q) => q.$filter === "startswith(displayName,'Sales')" && q.$top === '999')
			.reply(200, page([{ id: 'g1', displayName: 'Sales' }]));
		const out = await run(
			fakeExecute({ resource: 'group', operation: 'getAll', nameStartsWith: 'Sales' }),
		);
		expect(out.map((i) => i.json)).toEqual([{ id: 'g1', displayName: 'Sales' }]);
	});

	it('Get Changes: users and removals carry _delta with the new delta link', async () => {
		nockToken();
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D1' })
			.reply(
				200,
				page([{ id: 'a' }, { id: 'b', '@removed': { reason: 'changed' } }], {
					'@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=D2`,
				}),
			);
		const out = await run(
			fakeExecute({
				operation: 'getChanges',
				deltaLink: `${GRAPH}/v1.0/users/delta?$deltatoken=D1`,
			}),
		);
		const meta = { deltaLink: `${GRAPH}/v1.0/users/delta?$deltatoken=D2`, fullResync: false };
		expect(out.map((i) => i.json)).toEqual([
			{ id: 'a', _delta: meta },
			{ id: 'b', '@removed': { reason: 'changed' }, _delta: meta },
		]);
	});

	it('Get Changes refuses a delta link on a foreign origin before any request', async () => {
		const error = await run(
			fakeExecute({
				operation: 'getChanges',
				deltaLink: 'https://evil.example/v1.0/users/delta?$deltatoken=x',
			}),
		).catch((e: Error) => e);
		expect((error as Error).message).toMatch(/Refusing to call https:\/\/evil\.example/);
	});

	it('continueOnFail: an error item per failing input item, with pairedItem', async () => {
		nockToken();
		nock(GRAPH)
			.get('/v1.0/users/nobody')
			.query(true)
			.reply(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource not found.' } });
		nock(GRAPH)
			.get('/v1.0/users/nobody')
			.query(true)
			.reply(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource not found.' } });
		const out = await run(
			fakeExecute({ operation: 'get', userId: 'nobody' }, { items: 2, continueOnFail: true }),
		);
		expect(out).toHaveLength(2);
		expect(out[0]).toMatchObject({
			json: { error: 'Resource not found.' },
			pairedItem: { item: 0 },
		});
		expect(out[1]).toMatchObject({
			json: { error: 'Resource not found.', code: 'Request_ResourceNotFound', status: 404 },
			pairedItem: { item: 1 },
		});
	});

	describe('group picker', () => {
		it('listSearch: display-name prefix with quotes escaped, nextLink as pagination token', async () => {
			nockToken();
			nock(GRAPH, { badheaders: ['consistencylevel'] })
				.get('/v1.0/groups')
				.query({
					$select: 'id,displayName,mail,description,mailEnabled,securityEnabled',
					$top: '100',
					$filter: "startswith(displayName,'Sales ''EU''')",
				})
				.reply(
					200,
					page([{ id: 'g1', displayName: "Sales 'EU' North", mail: 'sales@contoso.com' }], {
						'@odata.nextLink': `${GRAPH}/v1.0/groups?$skiptoken=G2`,
					}),
				);
			nock(GRAPH)
				.get('/v1.0/groups')
				.query({ $skiptoken: 'G2' })
				.reply(200, page([{ id: 'g2', displayName: "Sales 'EU' South" }]));
			const ctx = loadOptionsContext(directory, { credentials: { entraSyncEntraIdApi: fields() } });
			const { searchGroups } = directory.methods.listSearch;

			const first = await searchGroups.call(ctx, "Sales 'EU'");
			expect(first).toEqual({
				results: [{ name: "Sales 'EU' North (sales@contoso.com)", value: 'g1' }],
				paginationToken: `${GRAPH}/v1.0/groups?$skiptoken=G2`,
			});
			const second = await searchGroups.call(ctx, "Sales 'EU'", first.paginationToken);
			expect(second).toEqual({
				results: [{ name: "Sales 'EU' South", value: 'g2' }],
				paginationToken: undefined,
			});
			expect(nock.pendingMocks()).toEqual([]);
		});
	});

	describe('credential test', () => {
		it('OK after a token and one user read', async () => {
			nockToken();
			nock(GRAPH)
				.get('/v1.0/users')
				.query({ $top: '1', $select: 'id' })
				.reply(200, page([{ id: '1' }]));
			await expect(testEntraCredential(cred())).resolves.toMatchObject({ status: 'OK' });
		});

		it.each([
			['AADSTS90002', 400, 'invalid_request', /AADSTS90002.*tenant was not found/],
			['AADSTS700016', 400, 'unauthorized_client', /AADSTS700016.*Client ID/],
			['AADSTS7000215', 401, 'invalid_client', /AADSTS7000215.*secret is wrong/],
			['AADSTS7000222', 401, 'invalid_client', /AADSTS7000222.*expired/],
		])('%s is told apart', async (code, status, error, expected) => {
			nock(LOGIN)
				.post(`/${TENANT}/oauth2/v2.0/token`)
				.query(true)
				.reply(status, {
					error,
					error_description: `${code}: Something went wrong.`,
					error_codes: [Number(code.slice(6))],
				});
			const result = await testEntraCredential(cred());
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(expected);
		});

		it('missing admin consent (Graph 403) asks for User.Read.All and admin consent', async () => {
			nockToken();
			nock(GRAPH)
				.get('/v1.0/users')
				.query(true)
				.reply(403, {
					error: {
						code: 'Authorization_RequestDenied',
						message: 'Insufficient privileges to complete the operation.',
					},
				});
			const result = await testEntraCredential(cred());
			expect(result).toEqual({
				status: 'Error',
				message: expect.stringMatching(
					/grant the User\.Read\.All application permission and admin consent/,
				),
			});
		});

		it('configuration problems are reported without a request', async () => {
			await expect(testEntraCredential(cred({ tenantId: 'common' }))).resolves.toMatchObject({
				status: 'Error',
				message: expect.stringMatching(/specific tenant/),
			});
		});
	});

	describe('secrets never leak', () => {
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
		const keyBody = pem.split('\n')[1];
		const logs: string[] = [];
		const spies: jest.SpyInstance[] = [];

		beforeEach(() => {
			logs.length = 0;
			for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
				spies.push(
					jest
						.spyOn(console, method)
						.mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' '))),
				);
			}
		});
		afterEach(() => spies.splice(0).forEach((s) => s.mockRestore()));

		function expectClean(...things: unknown[]) {
			const haystack = [
				...things.map((t) =>
					typeof t === 'string'
						? t
						: JSON.stringify(t, Object.getOwnPropertyNames(t ?? {})) + JSON.stringify(t),
				),
				...logs,
			].join('\n');
			for (const secret of [SECRET, ISSUED_BEARER, pem, keyBody])
				expect(haystack).not.toContain(secret);
		}

		async function failingRun(credentials: IDataObject) {
			const ctx = fakeExecute({}, { credentials });
			const thrown = (await directory.execute.call(ctx).catch((e: unknown) => e)) as Error & {
				description?: string;
			};
			const nodeError = toNodeError(ctx.getNode(), thrown, 0);
			const items = await run(fakeExecute({}, { credentials, continueOnFail: true })).catch(
				(e: unknown) => e,
			);
			return [
				thrown,
				thrown?.message,
				thrown?.description,
				nodeError,
				nodeError.message,
				nodeError.description,
				items,
			];
		}

		it('token endpoint echoing the secret (AADSTS7000215) and an unknown AADSTS code', async () => {
			const echo = {
				error: 'invalid_client',
				error_description: `AADSTS7000215: Invalid client secret provided: '${SECRET}'. Trace ID: t`,
				error_codes: [7000215],
			};
			nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).query(true).times(2).reply(401, echo);
			const unknown = {
				...echo,
				error_description: `AADSTS9999999: Weird failure for ${SECRET}. More text.`,
				error_codes: [9999999],
			};
			nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).query(true).reply(401, unknown);
			const outputs = await failingRun(fields() as IDataObject);
			const credTest = await testEntraCredential(cred());
			expect(credTest.message).toMatch(/\(AADSTS9999999\): Weird failure for \[redacted\]/);
			expectClean(...outputs, credTest);
		});

		it('certificate credential: the private key never appears', async () => {
			const cert = fields({
				authMethod: 'certificate',
				certificatePrivateKey: pem,
				certificateThumbprint: 'ab'.repeat(20),
			}) as IDataObject;
			nock(LOGIN)
				.post(`/${TENANT}/oauth2/v2.0/token`)
				.query(true)
				.times(2)
				.reply(401, {
					error: 'invalid_client',
					error_description: `AADSTS700027: bad assertion ${keyBody}`,
					error_codes: [700027],
				});
			expectClean(...(await failingRun(cert)));
		});

		it('Graph 403, 500 with the token in its body, and a network error', async () => {
			nockToken();
			nock(GRAPH)
				.get('/v1.0/users')
				.query(true)
				.times(2)
				.reply(403, {
					error: {
						code: 'Authorization_RequestDenied',
						message: `Denied for token ${ISSUED_BEARER}`,
					},
				});
			expectClean(...(await failingRun(fields() as IDataObject)));

			nock(GRAPH)
				.get('/v1.0/users')
				.query(true)
				.times(12)
				.reply(
					500,
					`upstream said: Authorization: Bearer ${ISSUED_BEARER} (token ${ISSUED_BEARER})`,
					{ 'Content-Type': 'text/plain' },
				);
			const outputs = await failingRun(fields() as IDataObject);
			expect(outputs[1]).toMatch(
				/HTTP 500: upstream said: Authorization: Bearer \[redacted\] \(token \[redacted\]\)/,
			);
			expectClean(...outputs);

			nock(GRAPH)
				.get('/v1.0/users')
				.query(true)
				.times(12)
				.replyWithError({ code: 'EHOSTUNREACH', message: `unreachable ${ISSUED_BEARER}` });
			expectClean(...(await failingRun(fields() as IDataObject)));
		});
	});
});

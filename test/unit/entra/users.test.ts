import nock from 'nock';

import { ServiceApiError } from '../../../lib/common/errors';
import { readUserDelta } from '../../../lib/entra/delta';
import { buildUserFilter, matchesFilters } from '../../../lib/entra/odata';
import { listUsers, updateUser } from '../../../lib/entra/users';
import { GRAPH, page, sleeps, transport, useNockedEntra } from './helpers';

const GROUP = '99999999-8888-7777-6666-555555555555';

describe('Graph reads', () => {
	useNockedEntra();
	beforeEach(() => {
		sleeps.length = 0;
	});

	describe('paging and filters', () => {
		it('follows nextLinks over three pages with ConsistencyLevel and $count=true on every page; quotes are doubled', async () => {
			const aq = nock(GRAPH, { reqheaders: { consistencylevel: 'eventual' } });
			aq.get('/v1.0/users')
				.query((q) => {
					expect(q).toEqual({
						$select: 'id,displayName,mail',
						$filter: "surname eq 'O''Brien' and endswith(mail,'@contoso.com')",
						$top: '999',
						$count: 'true',
					});
					return true;
				})
				.reply(
					200,
					page([{ id: '1' }], {
						'@odata.nextLink': `${GRAPH}/v1.0/users?$count=true&$skiptoken=PAGE2`,
					}),
				);
			aq.get('/v1.0/users')
				.query({ $count: 'true', $skiptoken: 'PAGE2' })
				.reply(
					200,
					page([{ id: '2' }], { '@odata.nextLink': `${GRAPH}/v1.0/users?$skiptoken=PAGE3` }),
				);
			// A nextLink without $count gets it appended: the header alone is not an advanced query.
			aq.get('/v1.0/users')
				.query({ $skiptoken: 'PAGE3', $count: 'true' })
				.reply(200, page([{ id: '3' }]));

			const users = await listUsers(transport(), {
				select: ['displayName', 'mail'],
				filters: [
					{ attribute: 'surname', operator: 'equals', value: "O'Brien" },
					{ attribute: 'mail', operator: 'endsWith', value: '@contoso.com' },
				],
			});
			expect(users.map((u) => u.id)).toEqual(['1', '2', '3']);
			expect(nock.pendingMocks()).toEqual([]);
		});

		it('default filters send no advanced-query header', async () => {
			nock(GRAPH, { badheaders: ['consistencylevel'] })
				.get('/v1.0/users')
				.query({
					$select: 'id,department',
					$filter: "department in ('Sales','HR') and accountEnabled eq true",
					$top: '999',
				})
				.reply(200, page([{ id: '1' }]));
			await listUsers(transport(), {
				select: ['department'],
				filters: [
					{ attribute: 'department', operator: 'in', value: 'Sales, HR' },
					{ attribute: 'accountEnabled', operator: 'equals', value: 'true' },
				],
			});
			expect(nock.pendingMocks()).toEqual([]);
		});

		it('transitive group scope uses the user cast with advanced query parameters', async () => {
			nock(GRAPH, { reqheaders: { consistencylevel: 'eventual' } })
				.get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
				.query({
					$select: 'id,mail',
					$filter: "startswith(displayName,'A')",
					$top: '999',
					$count: 'true',
				})
				.reply(200, page([{ id: 'm1' }]));
			const users = await listUsers(transport(), {
				select: ['mail'],
				filters: [{ attribute: 'displayName', operator: 'startsWith', value: 'A' }],
				group: { groupId: GROUP, membership: 'transitive' },
			});
			expect(users).toEqual([{ id: 'm1' }]);
			expect(nock.pendingMocks()).toEqual([]);
		});

		it('refuses a nextLink on another origin (the token is never sent there)', async () => {
			nock(GRAPH)
				.get('/v1.0/users')
				.query(true)
				.reply(
					200,
					page([{ id: '1' }], {
						'@odata.nextLink': 'https://evil.example/v1.0/users?$skiptoken=x',
					}),
				);
			await expect(listUsers(transport(), { select: [] })).rejects.toThrow(
				/Refusing to call https:\/\/evil.example/,
			);
		});

		it('filter building and the client-side evaluator agree', () => {
			expect(buildUserFilter([{ attribute: 'mobilePhone', operator: 'isNotEmpty' }])).toEqual({
				filter: 'mobilePhone ne null',
				advancedQuery: true,
			});
			expect(buildUserFilter([], 'accountEnabled eq true')).toEqual({
				filter: 'accountEnabled eq true',
				advancedQuery: true,
			});
			const user = {
				id: '1',
				surname: "O'Brien",
				department: 'Sales',
				businessPhones: ['+61 2 1234'],
				mail: null,
			};
			expect(
				matchesFilters(user, [{ attribute: 'surname', operator: 'equals', value: "o'brien" }]),
			).toBe(true);
			expect(
				matchesFilters(user, [{ attribute: 'department', operator: 'in', value: 'HR,sales' }]),
			).toBe(true);
			expect(
				matchesFilters(user, [
					{ attribute: 'businessPhones', operator: 'startsWith', value: '+61' },
				]),
			).toBe(true);
			expect(matchesFilters(user, [{ attribute: 'mail', operator: 'isEmpty' }])).toBe(true);
			expect(
				matchesFilters(user, [{ attribute: 'department', operator: 'notEquals', value: 'Sales' }]),
			).toBe(false);
		});
	});

	describe('delta', () => {
		const select = { $select: 'id,displayName,mail' };

		it('initial full read follows nextLinks to the deltaLink', async () => {
			nock(GRAPH)
				.get('/v1.0/users/delta')
				.query(select)
				.reply(
					200,
					page([{ id: 'a', displayName: 'A' }], {
						'@odata.nextLink': `${GRAPH}/v1.0/users/delta?$skiptoken=S1`,
					}),
				);
			nock(GRAPH)
				.get('/v1.0/users/delta')
				.query({ $skiptoken: 'S1' })
				.reply(
					200,
					page([{ id: 'b', displayName: 'B' }], {
						'@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=D1`,
					}),
				);
			const result = await readUserDelta(transport(), { select: ['displayName', 'mail'] });
			expect(result).toEqual({
				users: [
					{ id: 'a', displayName: 'A' },
					{ id: 'b', displayName: 'B' },
				],
				removed: [],
				deltaLink: `${GRAPH}/v1.0/users/delta?$deltatoken=D1`,
				fullResync: false,
			});
		});

		it('incremental round separates @removed deleted and changed, last occurrence wins', async () => {
			nock(GRAPH)
				.get('/v1.0/users/delta')
				.query({ $deltatoken: 'D1' })
				.reply(
					200,
					page(
						[
							{ id: 'a', displayName: 'Old' },
							{ id: 'gone', '@removed': { reason: 'deleted' } },
							{ id: 'soft', '@removed': { reason: 'changed' } },
							{ id: 'a', displayName: 'New' },
						],
						{ '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=D2` },
					),
				);
			const result = await readUserDelta(transport(), {
				select: ['displayName'],
				deltaLink: `${GRAPH}/v1.0/users/delta?$deltatoken=D1`,
			});
			expect(result.users).toEqual([{ id: 'a', displayName: 'New' }]);
			expect(result.removed).toEqual([
				{ id: 'gone', '@removed': { reason: 'deleted' } },
				{ id: 'soft', '@removed': { reason: 'changed' } },
			]);
			expect(result.deltaLink).toBe(`${GRAPH}/v1.0/users/delta?$deltatoken=D2`);
			expect(result.fullResync).toBe(false);
		});

		it.each([
			[410, { error: { code: 'resyncRequired', message: 'Resync required.' } }],
			[
				400,
				{
					error: { code: 'syncStateNotFound', message: 'The sync state generation is not found.' },
				},
			],
		])('HTTP %s → full resync, flagged with a reason', async (status, body) => {
			nock(GRAPH).get('/v1.0/users/delta').query({ $deltatoken: 'OLD' }).reply(status, body);
			nock(GRAPH)
				.get('/v1.0/users/delta')
				.query(select)
				.reply(
					200,
					page([{ id: 'a' }], { '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=NEW` }),
				);
			const result = await readUserDelta(transport(), {
				select: ['displayName', 'mail'],
				deltaLink: `${GRAPH}/v1.0/users/delta?$deltatoken=OLD`,
			});
			expect(result.fullResync).toBe(true);
			expect(result.resyncReason).toMatch(new RegExp(`HTTP ${status}`));
			expect(result.users).toEqual([{ id: 'a' }]);
			expect(result.deltaLink).toBe(`${GRAPH}/v1.0/users/delta?$deltatoken=NEW`);
		});

		it('start from now asks for $deltatoken=latest', async () => {
			nock(GRAPH)
				.get('/v1.0/users/delta')
				.query({ ...select, $deltatoken: 'latest' })
				.reply(200, page([], { '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=NOW` }));
			const result = await readUserDelta(transport(), {
				select: ['displayName', 'mail'],
				startFromNow: true,
			});
			expect(result).toMatchObject({
				users: [],
				removed: [],
				deltaLink: `${GRAPH}/v1.0/users/delta?$deltatoken=NOW`,
			});
		});
	});

	describe('retries', () => {
		it('429 with Retry-After waits that long (injected sleep), then succeeds', async () => {
			nock(GRAPH)
				.get('/v1.0/users')
				.reply(
					429,
					{ error: { code: 'TooManyRequests', message: 'slow down' } },
					{ 'Retry-After': '7' },
				);
			nock(GRAPH)
				.get('/v1.0/users')
				.reply(200, page([{ id: '1' }]));
			const graph = transport();
			await expect(graph.get('/users')).resolves.toMatchObject({ value: [{ id: '1' }] });
			expect(sleeps).toEqual([7000]);
			expect(graph.counters).toMatchObject({ requests: 2, retries: 1, throttled: 1 });
		});

		it('503 twice then success (backoff without Retry-After)', async () => {
			nock(GRAPH).get('/v1.0/users').times(2).reply(503, 'Service Unavailable');
			nock(GRAPH)
				.get('/v1.0/users')
				.reply(200, page([{ id: '1' }]));
			const graph = transport();
			await expect(graph.get('/users')).resolves.toMatchObject({ value: [{ id: '1' }] });
			expect(sleeps).toHaveLength(2);
			expect(graph.counters.retries).toBe(2);
		});

		it('gives up after the capped attempts with the mapped Graph error', async () => {
			nock(GRAPH)
				.get('/v1.0/users')
				.times(4)
				.reply(504, { error: { code: 'GatewayTimeout', message: 'Gateway timeout' } });
			const error = (await transport()
				.get('/users')
				.catch((e: unknown) => e)) as ServiceApiError;
			expect(error).toBeInstanceOf(ServiceApiError);
			expect(error).toMatchObject({ service: 'graph', status: 504, code: 'GatewayTimeout' });
			expect(sleeps).toHaveLength(3);
		});

		it('network errors are retried', async () => {
			nock(GRAPH)
				.get('/v1.0/users')
				.replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
			nock(GRAPH).get('/v1.0/users').reply(200, page([]));
			await expect(transport().get('/users')).resolves.toMatchObject({ value: [] });
			expect(sleeps).toHaveLength(1);
		});
	});

	describe('errors and updates', () => {
		it('403 Authorization_RequestDenied keeps code and request id and hints at admin consent', async () => {
			nock(GRAPH)
				.get('/v1.0/users')
				.reply(403, {
					error: {
						code: 'Authorization_RequestDenied',
						message: 'Insufficient privileges to complete the operation.',
						innerError: { 'request-id': 'req-123', date: '2026-11-26T10:00:00' },
					},
				});
			const error = (await transport()
				.get('/users')
				.catch((e: unknown) => e)) as ServiceApiError;
			expect(error).toMatchObject({
				service: 'graph',
				status: 403,
				code: 'Authorization_RequestDenied',
				requestId: 'req-123',
			});
			expect(error.hint).toMatch(/User\.Read\.All.*admin consent/);
		});

		it('update of a synced user fails before sending when it touches an AD-mastered attribute', async () => {
			nock(GRAPH)
				.get('/v1.0/users/u1')
				.query({ $select: 'id,onPremisesSyncEnabled' })
				.reply(200, { id: 'u1', onPremisesSyncEnabled: true });
			await expect(
				updateUser(transport(), 'u1', { usageLocation: 'AU', mobilePhone: '+61400000000' }),
			).rejects.toThrow(/synced from on-premises Active Directory, where mobilePhone is mastered/);
			expect(nock.pendingMocks()).toEqual([]);
		});

		it('update PATCHes only the chosen attributes (204) and maps the on-premises-mastered 400', async () => {
			nock(GRAPH)
				.get('/v1.0/users/u2')
				.query(true)
				.reply(200, { id: 'u2', onPremisesSyncEnabled: null });
			nock(GRAPH).patch('/v1.0/users/u2', { jobTitle: 'Lead' }).reply(204);
			await updateUser(transport(), 'u2', { jobTitle: 'Lead' });

			nock(GRAPH).get('/v1.0/users/u3').query(true).reply(200, { id: 'u3' });
			nock(GRAPH)
				.patch('/v1.0/users/u3')
				.reply(400, {
					error: {
						code: 'Request_BadRequest',
						message:
							'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
					},
				});
			const error = (await updateUser(transport(), 'u3', { usageLocation: 'AU' }).catch(
				(e: unknown) => e,
			)) as ServiceApiError;
			expect(error.message).toMatch(
				/synced from on-premises Active Directory: Entra ID refused to change usageLocation/,
			);
			expect(error.hint).toMatch(/on-premises/);
			expect(nock.pendingMocks()).toEqual([]);
		});
	});
});

import nock from 'nock';
import type { IDataObject, INodeParameters, IPollFunctions } from 'n8n-workflow';

import { scopeHash } from '../../../lib/entra/poll';
import { EntraDirectoryTrigger } from '../../../nodes/EntraDirectoryTrigger/EntraDirectoryTrigger.node';
import { pollContext } from '../../support/n8n-context';
import { GRAPH, fields, page, useNockedEntra } from '../../unit/entra/helpers';

const GROUP = '99999999-8888-7777-6666-555555555555';
const SELECT = 'id,displayName,mobilePhone';

const trigger = new EntraDirectoryTrigger();

/** A poll of the trigger with these parameters (on top of displayName and mobilePhone) and this static data. */
function fakePoll(
	parameters: INodeParameters,
	staticData: IDataObject,
	mode: 'trigger' | 'manual' = 'trigger',
) {
	return pollContext(trigger, {
		parameters: { attributes: ['displayName', 'mobilePhone'], ...parameters },
		credentials: { entraSyncEntraIdApi: fields() },
		staticData,
		mode,
	});
}

const poll = async (ctx: IPollFunctions) => await trigger.poll.call(ctx);
const link = (token: string) => `${GRAPH}/v1.0/users/delta?$deltatoken=${token}`;

describe('Entra Directory Trigger cursor', () => {
	useNockedEntra();

	it('first poll, start from now: stores the latest delta link and emits nothing', async () => {
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $select: SELECT, $deltatoken: 'latest' })
			.reply(200, page([], { '@odata.deltaLink': link('NOW') }));
		const staticData: IDataObject = {};
		await expect(poll(fakePoll({}, staticData))).resolves.toBeNull();
		expect(staticData).toMatchObject({ deltaLink: link('NOW'), scopeHash: expect.any(String) });
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('first poll, emit existing: emits users in scope (filters client-side), marked initial', async () => {
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $select: `${SELECT},department` })
			.reply(
				200,
				page(
					[
						{ id: 'a', displayName: 'A', department: 'Sales' },
						{ id: 'b', displayName: 'B', department: 'HR' },
					],
					{ '@odata.deltaLink': link('D1') },
				),
			);
		const staticData: IDataObject = {};
		const result = await poll(
			fakePoll(
				{
					emitExisting: true,
					filters: {
						conditions: [{ attribute: 'department', operator: 'equals', value: 'sales' }],
					},
				},
				staticData,
			),
		);
		expect(result![0].map((i) => i.json)).toEqual([
			{
				id: 'a',
				displayName: 'A',
				department: 'Sales',
				_delta: { fullResync: false, initial: true },
			},
		]);
		expect(staticData.deltaLink).toBe(link('D1'));
	});

	it('incremental poll emits changed and removed users and advances the cursor', async () => {
		const params = { replayPolls: 1 };
		const staticData: IDataObject = {
			deltaLink: link('D1'),
			scopeHash: scopeHash({ select: ['displayName', 'mobilePhone'], filters: [] }),
			lastPollAt: '2026-11-26T00:00:00.000Z',
		};
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D1' })
			.reply(
				200,
				page(
					[
						{ id: 'a', displayName: 'A2' },
						{ id: 'z', '@removed': { reason: 'deleted' } },
					],
					{ '@odata.deltaLink': link('D2') },
				),
			);
		const result = await poll(fakePoll(params, staticData));
		expect(result![0].map((i) => i.json)).toEqual([
			{ id: 'a', displayName: 'A2', _delta: { fullResync: false } },
			{ id: 'z', '@removed': { reason: 'deleted' }, _delta: { fullResync: false } },
		]);
		expect(staticData.deltaLink).toBe(link('D2'));

		// Nothing changed next time: no execution, cursor still advances.
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D2' })
			.reply(200, page([], { '@odata.deltaLink': link('D3') }));
		await expect(poll(fakePoll(params, staticData))).resolves.toBeNull();
		expect(staticData.deltaLink).toBe(link('D3'));
	});

	it('expired delta token → full resync of users in scope, marked', async () => {
		const staticData: IDataObject = {
			deltaLink: link('OLD'),
			scopeHash: scopeHash({ select: ['displayName', 'mobilePhone'], filters: [] }),
		};
		nock(GRAPH).get('/v1.0/users/delta').query({ $deltatoken: 'OLD' }).reply(410, '');
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $select: SELECT })
			.reply(200, page([{ id: 'a' }], { '@odata.deltaLink': link('NEW') }));
		const result = await poll(fakePoll({}, staticData));
		expect(result![0][0].json).toMatchObject({
			id: 'a',
			_delta: { fullResync: true, resyncReason: expect.stringMatching(/410/) },
		});
		expect(staticData.deltaLink).toBe(link('NEW'));
	});

	it('replay window: each change is emitted on replayPolls consecutive polls, then the window slides', async () => {
		const params = { replayPolls: 3 };
		const staticData: IDataObject = {
			deltaLink: link('D1'),
			scopeHash: scopeHash({ select: ['displayName', 'mobilePhone'], filters: [] }),
			lastPollAt: '2026-11-26T00:00:00.000Z',
		};
		const changed = [{ id: 'a', displayName: 'A2' }];
		// Poll 1 reads from D1 (no window yet); the change shows up.
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D1' })
			.reply(200, page(changed, { '@odata.deltaLink': link('D2') }));
		expect((await poll(fakePoll(params, staticData)))![0].map((i) => i.json.id)).toEqual(['a']);
		expect(staticData).toMatchObject({
			deltaLink: link('D2'),
			replay: [{ deltaLink: link('D1') }],
		});
		// Poll 2 reads from D1 again: the change comes out a second time (its run may have failed).
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D1' })
			.reply(200, page(changed, { '@odata.deltaLink': link('D3') }));
		expect((await poll(fakePoll(params, staticData)))![0].map((i) => i.json.id)).toEqual(['a']);
		expect(staticData).toMatchObject({
			deltaLink: link('D3'),
			replay: [{ deltaLink: link('D1') }, { deltaLink: link('D2') }],
		});
		// Poll 3 reads from D1 a last time; poll 4 from D2, which no longer has the change.
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D1' })
			.reply(200, page(changed, { '@odata.deltaLink': link('D4') }));
		expect((await poll(fakePoll(params, staticData)))![0].map((i) => i.json.id)).toEqual(['a']);
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D2' })
			.reply(200, page([], { '@odata.deltaLink': link('D5') }));
		await expect(poll(fakePoll(params, staticData))).resolves.toBeNull();
		expect(staticData).toMatchObject({
			deltaLink: link('D5'),
			replay: [{ deltaLink: link('D3') }, { deltaLink: link('D4') }],
		});
		// A corrupt window is dropped, not a crash: the poll reads from the latest link.
		staticData.replay = [{ deltaLink: 'not a link' }];
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D5' })
			.reply(200, page([], { '@odata.deltaLink': link('D6') }));
		await expect(poll(fakePoll(params, staticData))).resolves.toBeNull();
		expect(staticData).toMatchObject({
			deltaLink: link('D6'),
			replay: [{ deltaLink: link('D5') }],
		});
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('a scope change resets the cursor', async () => {
		const staticData: IDataObject = { deltaLink: link('D1'), scopeHash: 'hash-of-another-scope' };
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $select: SELECT, $deltatoken: 'latest' })
			.reply(200, page([], { '@odata.deltaLink': link('RESET') }));
		await expect(poll(fakePoll({}, staticData))).resolves.toBeNull();
		expect(staticData.deltaLink).toBe(link('RESET'));
		expect(staticData.scopeHash).toBe(
			scopeHash({ select: ['displayName', 'mobilePhone'], filters: [] }),
		);
	});

	it('missing or corrupt static data → a fresh read, not a crash', async () => {
		const staticData: IDataObject = { deltaLink: 42, scopeHash: null, memberIds: 'nonsense' };
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $select: SELECT })
			.reply(200, page([{ id: 'a' }], { '@odata.deltaLink': link('D1') }));
		const result = await poll(fakePoll({ emitExisting: true }, staticData));
		expect(result![0]).toHaveLength(1);
		expect(staticData).toMatchObject({ deltaLink: link('D1') });
		expect(staticData.memberIds).toBeUndefined();
	});

	it('manual "fetch test event" returns a sample and leaves the cursor untouched', async () => {
		const staticData: IDataObject = { deltaLink: link('KEEP'), scopeHash: 'h', lastPollAt: 'then' };
		nock(GRAPH)
			.get('/v1.0/users')
			.query({ $select: SELECT, $top: '5' })
			.reply(200, page([{ id: 'a' }, { id: 'b' }]));
		const result = await poll(fakePoll({}, staticData, 'manual'));
		expect(result![0].map((i) => i.json.id)).toEqual(['a', 'b']);
		expect(staticData).toEqual({ deltaLink: link('KEEP'), scopeHash: 'h', lastPollAt: 'then' });
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('group scope: members who left come out as outOfScope, new members are fetched', async () => {
		const scope = {
			select: ['displayName', 'mobilePhone'],
			filters: [],
			group: { groupId: GROUP, membership: 'transitive' as const },
		};
		const staticData: IDataObject = {
			deltaLink: link('D1'),
			scopeHash: scopeHash(scope),
			memberIds: ['a', 'left'],
		};
		const members = nock(GRAPH, { reqheaders: { consistencylevel: 'eventual' } })
			.get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
			.query({ $select: 'id', $top: '999', $count: 'true' })
			.reply(200, page([{ id: 'a' }, { id: 'joined' }]));
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query({ $deltatoken: 'D1' })
			.reply(
				200,
				page(
					[
						{ id: 'a', displayName: 'A' },
						{ id: 'outsider', displayName: 'X' },
					],
					{ '@odata.deltaLink': link('D2') },
				),
			);
		nock(GRAPH)
			.get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
			.query({ $select: SELECT, $top: '999', $count: 'true' })
			.reply(
				200,
				page([
					{ id: 'a', displayName: 'A' },
					{ id: 'joined', displayName: 'J' },
				]),
			);
		const result = await poll(
			fakePoll({ groupScope: { __rl: true, mode: 'id', value: GROUP } }, staticData),
		);
		expect(members.isDone()).toBe(true);
		expect(result![0].map((i) => i.json)).toEqual([
			{ id: 'a', displayName: 'A', _delta: { fullResync: false } },
			{ id: 'left', '@removed': { reason: 'outOfScope' }, _delta: { fullResync: false } },
			{ id: 'joined', displayName: 'J', _delta: { fullResync: false } },
		]);
		expect(staticData.memberIds).toEqual(['a', 'joined']);
		expect(nock.pendingMocks()).toEqual([]);
	});
});

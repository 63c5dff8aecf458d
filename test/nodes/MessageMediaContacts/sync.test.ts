/** Contact → Sync through the MessageMedia Contacts node (router, parameters, outputs, n8n errors). */

import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeParameters, INodeProperties } from 'n8n-workflow';

import { DEFAULT_SYNC_OPTIONS } from '../../../lib/sync';
import { syncDescription } from '../../../nodes/MessageMediaContacts/actions/contact/syncDescription';
import { MessageMediaContacts } from '../../../nodes/MessageMediaContacts/MessageMediaContacts.node';
import { execute } from '../../support/n8n-context';
import {
	FAKE_CREDENTIALS,
	FakeMessageMedia,
	useFakeMessageMedia,
} from '../../unit/sync/fakeServer';
import { guid, user, users } from '../../unit/sync/fixtures';

let server: FakeMessageMedia;
useFakeMessageMedia((created) => (server = created));

async function run(items: unknown[], parameters: INodeParameters = {}, continueOnFail = false) {
	return await execute(new MessageMediaContacts(), {
		parameters: { mode: 'full', removalPolicy: 'delete', ...parameters },
		items: items as IDataObject[],
		credentials: { entraSyncMessageMediaApi: FAKE_CREDENTIALS },
		continueOnFail,
	});
}

describe('Sync operation parameters', () => {
	const byName = (name: string): INodeProperties =>
		syncDescription.find((p) => p.name === name) as INodeProperties;
	const options = (byName('options').options ?? []) as INodeProperties[];

	it('are shown for Contact → Sync only, with the documented names', () => {
		expect(syncDescription.map((p) => p.name)).toEqual([
			'mode',
			'direction',
			'authority',
			'phoneWriteFormat',
			'removalPolicy',
			'dryRun',
			'options',
		]);
		const show = { resource: ['contact'], operation: ['sync'] };
		const shownFor: Record<string, Record<string, string[]>> = {
			authority: { ...show, direction: ['bidirectional'] },
			phoneWriteFormat: { ...show, direction: ['bidirectional', 'toDirectory'] },
		};
		for (const p of syncDescription)
			expect(p.displayOptions).toEqual({ show: shownFor[p.name] ?? show });
		expect(options.map((o) => o.name)).toEqual([
			'adoptExisting',
			'allowMassRemoval',
			'baseFieldLabel',
			'concurrency',
			'continueWithoutRemovals',
			'createMissingFields',
			'createMissingLists',
			'emailFieldLabel',
			'linkFieldLabel',
			'managedLists',
			'maxRemovalPercent',
			'newContactSubscription',
			'outputUnchanged',
			'recordFieldLabel',
			'minRemovalsBeforeGuard',
			'runTimeLimitMinutes',
			'syncScope',
		]);
	});

	it('default to the engine defaults', () => {
		// Output Unchanged Contacts is the node's choice of output, not a sync option (default: off).
		expect(options.find((o) => o.name === 'outputUnchanged')?.default).toBe(false);
		for (const p of [
			...syncDescription.filter((q) => q.name !== 'options'),
			...options.filter((o) => o.name !== 'outputUnchanged'),
		]) {
			const engine = DEFAULT_SYNC_OPTIONS[p.name as keyof typeof DEFAULT_SYNC_OPTIONS];
			expect([p.name, p.default]).toEqual([
				p.name,
				Array.isArray(engine) ? engine.join(', ') : engine,
			]);
		}
	});
});

describe('Sync operation', () => {
	it('returns the outcomes (paired with their items) on output 0 and the run summary on output 1', async () => {
		const [outcomes, summary] = await run([user(1), user(2)]);
		expect(outcomes).toHaveLength(2);
		expect(outcomes[1]).toEqual({
			json: expect.objectContaining({
				sourceId: guid(2),
				action: 'created',
				contactId: expect.any(String),
			}),
			pairedItem: { item: 1 },
		});
		expect(outcomes[1].json).not.toHaveProperty('itemIndex');
		expect(summary).toEqual([
			{
				json: expect.objectContaining({
					mode: 'full',
					dryRun: false,
					counts: expect.objectContaining({ created: 2 }),
				}),
				pairedItem: [{ item: 0 }, { item: 1 }],
			},
		]);
		// 3 reads + the opt-out list check; 3 fields + 2 lists + 2 contacts
		expect(summary[0].json.requests).toMatchObject({ byMethod: { GET: 4, POST: 3 + 2 + 2 } });
	});

	it('leaves unchanged contacts out of output 0 (counted in the summary) unless "Output Unchanged Contacts" is on', async () => {
		await run(users(3));
		server.newRun();
		const [quiet, summary] = await run([user(1), user(2), user(3, { firstName: 'Renamed' })]);
		expect(quiet.map((o) => o.json.action)).toEqual(['updated']);
		expect(quiet[0].pairedItem).toEqual({ item: 2 });
		expect(summary[0].json.counts).toMatchObject({ unchanged: 2, updated: 1 });
		server.newRun();
		const [all] = await run([user(1), user(2), user(3, { firstName: 'Renamed' })], {
			options: { outputUnchanged: true },
		});
		expect(all.map((o) => o.json.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
	});

	it('reads the options collection (managed lists, labels, dry run)', async () => {
		await run(users(2));
		server.newRun();
		const [outcomes, summary] = await run([user(1, { lists: [] }), user(2)], {
			dryRun: true,
			options: { managedLists: 'Support, Sales', linkFieldLabel: 'Entra Object ID' },
		});
		expect(server.writes()).toEqual([]);
		expect(outcomes[0].json).toMatchObject({
			action: 'updated',
			lists: { added: [], removed: ['Support'] },
		});
		expect(summary[0].json).toMatchObject({ dryRun: true });
	});

	it('fails with the approval hint when the deletion guard trips, writing nothing', async () => {
		await run(users(20));
		server.newRun();
		const error = await run([{}]).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/Allow Removals Above Threshold/);
		expect((error as NodeOperationError).description).toMatch(/20 of 20 linked contacts/);
		expect(server.writes()).toEqual([]);
	});

	it('with Continue Without Removals the run succeeds and reports the removals as blocked', async () => {
		await run(users(20));
		const [outcomes, summary] = await run(users(5), { options: { continueWithoutRemovals: true } });
		expect(outcomes.filter((o) => o.json.action === 'blocked')).toHaveLength(15);
		expect(summary[0].json.guard).toMatchObject({ status: 'tripped', removals: 15 });
	});

	it('with Continue On Fail a tripped guard outputs the blocked outcomes and the summary with the error', async () => {
		await run(users(20));
		const [outcomes, summary] = await run([{}], {}, true);
		expect(outcomes.every((o) => o.json.action === 'blocked')).toBe(true);
		expect(summary[0].json.error).toMatch(/Allow Removals Above Threshold/);
	});

	it('names the index of an item that is not a sync item, or reports it under Continue On Fail', async () => {
		const error = await run([user(1), { name: 'x' }]).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/^Item 1 is not a Contact Mapper item/);
		expect(server.requests).toEqual([]);

		const [outcomes, summary] = await run([user(1), { name: 'x' }], {}, true);
		expect(outcomes.map((o) => [o.json.action, o.pairedItem])).toEqual([
			['created', { item: 0 }],
			['failed', { item: 1 }],
		]);
		expect(summary[0].json).toMatchObject({ items: 2, counts: { created: 1, failed: 1 } });
	});

	it('turns a failed contact into a NodeApiError with MessageMedia details, or an outcome under Continue On Fail', async () => {
		server.fail({ method: 'POST', path: /^\/api\/v1\/contacts\/contacts$/, status: 400 });
		const error = await run([user(1)]).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error).toMatchObject({ httpCode: '400', context: { itemIndex: 0 } });
		expect((error as NodeApiError).description).toMatch(
			/1 contact\(s\) failed; the rest of the run was applied/,
		);

		server.fail({ method: 'POST', path: /^\/api\/v1\/contacts\/contacts$/, status: 400 });
		const [outcomes] = await run([user(1), user(2)], {}, true);
		expect(outcomes.map((o) => o.json.action).sort()).toEqual(['created', 'failed']);
		expect(outcomes.find((o) => o.json.action === 'failed')?.json.error).toMatchObject({
			status: 400,
			code: 'internal_server_error',
		});
	});
});

/**
 * Contact → Sync towards the directory through the MessageMedia Contacts node: the direction
 * parameters, the optional Entra ID credential, and write-back through lib/entra's updateUser over
 * HTTP (Graph and the token endpoint answered by nock; MessageMedia by the fake server).
 */

import nock from 'nock';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { compileMapper } from '../../../lib/mapping';
import { MessageMediaContacts } from '../../../nodes/MessageMediaContacts/MessageMediaContacts.node';
import { executeContext } from '../../support/n8n-context';
import { fields as entraFields, GRAPH, nockToken } from '../../unit/entra/helpers';
import {
	FAKE_CREDENTIALS,
	FakeMessageMedia,
	useFakeMessageMedia,
} from '../../unit/sync/fakeServer';
import { guid } from '../../unit/sync/fixtures';

let server: FakeMessageMedia;
useFakeMessageMedia((created) => (server = created));

const nodeType = new MessageMediaContacts();

/** Contact → Sync with a MessageMedia credential and (unless `entra: false`) an Entra ID one selected. */
async function run(
	items: unknown[],
	parameters: INodeParameters = {},
	options: { entra?: boolean; continueOnFail?: boolean } = {},
) {
	const credentials = {
		entraSyncMessageMediaApi: FAKE_CREDENTIALS,
		...(options.entra === false ? {} : { entraSyncEntraIdApi: entraFields() }),
	};
	const context = executeContext(nodeType, {
		// Direction Both Ways, as the two-way template sets it.
		parameters: {
			mode: 'full',
			direction: 'bidirectional',
			removalPolicy: 'delete',
			...parameters,
		},
		items: items as IDataObject[],
		credentials,
		continueOnFail: options.continueOnFail,
	});
	const output = await nodeType.execute.call(context);
	return { output, requested: context.requestedCredentials };
}

const mapUser = compileMapper({
	mapping: [
		{ source: 'displayName', field: 'fullName' },
		{ source: 'mobilePhone', field: 'phone' },
	],
	defaultCountry: 'AU',
	direction: 'bidirectional',
});

const user = (extra: Record<string, unknown> = {}) =>
	mapUser({
		id: guid(1),
		givenName: 'Ann',
		surname: 'Lee',
		mobilePhone: '0412 000 101',
		usageLocation: 'AU',
		...extra,
	});

/** First run (creates the contact and its base), then a number changed by hand in MessageMedia. */
async function linkedContactWithNewNumber(): Promise<void> {
	await run([user()]);
	const contact = [...server.account.contacts.values()][0];
	await server.account.updateContact(contact.id, {
		channels: [{ channelId: '+61499111222', type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
	});
}

function nockGraphUser(onPremisesSyncEnabled: boolean): nock.Scope {
	return nock(GRAPH)
		.get(`/v1.0/users/${guid(1)}`)
		.query({ $select: 'id,onPremisesSyncEnabled' })
		.reply(200, { id: guid(1), onPremisesSyncEnabled });
}

describe('Sync towards the directory through the node', () => {
	it('one-way items under From Contact Mapper never ask for the Entra ID credential', async () => {
		const { requested } = await run(
			[
				compileMapper({
					mapping: [{ source: 'mobilePhone', field: 'phone' }],
					defaultCountry: 'AU',
				})({ id: guid(1), mobilePhone: '0412 000 101' }),
			],
			{ direction: 'fromMapper' },
		);
		expect(requested).toEqual(['entraSyncMessageMediaApi']);
	});

	it('items the Mapper stamped two-way under From Contact Mapper stop the run before any write, naming the Direction to choose', async () => {
		await linkedContactWithNewNumber();
		server.newRun();
		const error = await run([user()], { direction: 'fromMapper' }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(
			/asks for a two-way run, which writes to Entra ID: set Direction to "Both Ways"/,
		);
		expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
		const { output } = await run([user()], { direction: 'fromMapper' }, { continueOnFail: true });
		expect(output[0][0].json).toMatchObject({ error: expect.stringMatching(/Both Ways/) });
	});

	it('writes a number changed in MessageMedia back with PATCH /users/{id} and reports it on both outputs', async () => {
		await linkedContactWithNewNumber();
		nockToken('https://login.fake.test', undefined, undefined, 2);
		nockGraphUser(false);
		let patched: unknown;
		nock(GRAPH)
			.patch(`/v1.0/users/${guid(1)}`, (body) => {
				patched = body;
				return true;
			})
			.reply(204);
		const { output, requested } = await run([user()], { phoneWriteFormat: 'original' });
		expect(requested).toContain('entraSyncEntraIdApi');
		expect(patched).toEqual({ mobilePhone: '0499 111 222' });
		const [outcomes, [summary]] = output;
		expect(outcomes[0].json).toMatchObject({
			sourceId: guid(1),
			directory: {
				action: 'updated',
				changes: { mobilePhone: { from: '0412 000 101', to: '0499 111 222' } },
			},
		});
		expect(summary.json).toMatchObject({
			directory: {
				direction: 'bidirectional',
				authority: 'directory',
				updated: 1,
				skipped: 0,
				failed: 0,
			},
		});
	});

	it('an on-premises-synced user gets no PATCH: skipped, on-premises mastered', async () => {
		await linkedContactWithNewNumber();
		nockToken('https://login.fake.test', undefined, undefined, 2);
		nockGraphUser(true);
		const patch = nock(GRAPH)
			.patch(`/v1.0/users/${guid(1)}`)
			.reply(204);
		const { output } = await run([user()]);
		expect(patch.isDone()).toBe(false);
		expect(output[0][0].json).toMatchObject({
			directory: {
				action: 'skipped',
				reason: 'on-premises mastered',
				skipped: { mobilePhone: { to: '0499 111 222' } },
			},
		});
	});

	it('Graph refusing an on-premises-mastered attribute (400) is reported skipped too', async () => {
		await linkedContactWithNewNumber();
		nockToken('https://login.fake.test', undefined, undefined, 2);
		nockGraphUser(false);
		nock(GRAPH)
			.patch(`/v1.0/users/${guid(1)}`)
			.reply(400, {
				error: {
					code: 'Request_BadRequest',
					message:
						'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
				},
			});
		const { output } = await run([user()]);
		expect(output[0][0].json).toMatchObject({
			directory: { action: 'skipped', reason: 'on-premises mastered' },
		});
	});

	it('a failed write-back fails the node after the run (NodeApiError with Graph details), or is an outcome under Continue On Fail', async () => {
		await linkedContactWithNewNumber();
		nockToken('https://login.fake.test', undefined, undefined, 4);
		const denied = {
			error: {
				code: 'Authorization_RequestDenied',
				message: 'Insufficient privileges to complete the operation.',
			},
		};
		nock(GRAPH)
			.get(`/v1.0/users/${guid(1)}`)
			.query(true)
			.times(2)
			.reply(200, { id: guid(1), onPremisesSyncEnabled: false });
		nock(GRAPH)
			.patch(`/v1.0/users/${guid(1)}`)
			.times(2)
			.reply(403, denied);
		const error = await run([user()]).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toContain(
			'directory write-back: Insufficient privileges',
		);
		expect((error as NodeApiError).description).toMatch(/1 directory write-back\(s\) failed/);
		const { output } = await run([user()], {}, { continueOnFail: true });
		expect(output[0][0].json).toMatchObject({
			directory: { action: 'failed', error: { status: 403, code: 'Authorization_RequestDenied' } },
		});
	});

	it('without an Entra ID credential a write-back run fails before writing, naming the credential; a dry run needs none', async () => {
		await linkedContactWithNewNumber();
		server.newRun();
		const error = await run([user()], {}, { entra: false }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/select an Entra ID credential/);
		expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
		const { output } = await run([user()], { dryRun: true }, { entra: false });
		expect(output[0][0].json).toMatchObject({
			directory: { action: 'updated', changes: { mobilePhone: { to: '0499 111 222' } } },
		});
	});

	it('an explicit direction overrides the stamped one', async () => {
		await linkedContactWithNewNumber();
		server.newRun();
		const { output, requested } = await run([user()], { direction: 'toMessaging' });
		expect(requested).toEqual(['entraSyncMessageMediaApi']);
		// One-way, on a contact with a base from two-way runs: the number changed only in MessageMedia is
		// left for the next two-way run to take to the directory (nothing written now): counted, not output.
		expect(output[0]).toEqual([]);
		expect(output[1][0].json).toMatchObject({ counts: { unchanged: 1 } });
		expect(output[1][0].json).not.toHaveProperty('directory');
	});
});

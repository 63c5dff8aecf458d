/**
 * Data safety and consent in a real n8n with the daily template, under both readings of a contact
 * PATCH (the vendor doesn't say whether `channels`/`customFields` replace the stored set or merge):
 * what a person made on a contact survives an adoption and a phone change, and an opted-out user who
 * is deleted and restored stays opted out.
 */
import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
	generateSampleOrg,
} from '../fakes/sample-org';
import type { FakeSeed, SeedUser } from '../fakes/types';
import { e2eConfig, N8N_VERSION } from './support/config';
import { expectedPhone, inScope, LINK_FIELD_LABEL } from './support/expected';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import { messageMediaWrites, type ViewAccount, type ViewContact } from './support/fakes-admin';
import { describeExecution, N8n, nodeOutput, type ExecutionResult, type Json } from './support/n8n';
import { DAILY, fakeCredentials, loadTemplate, withCredentials } from './support/workflows';

const IDS = { entra: 'entraSafetyCred001', messagemedia: 'mmSafetyCred000001' };
const STORE_FIELD = {
	id: 'f0000000-0000-4000-8000-00000000510e',
	label: 'Preferred store',
	mergeTag: 'preferred_store',
	maxLength: 100,
	type: 'TEXT' as const,
};
const WHATSAPP = '+61491570999';

function succeeded(result: ExecutionResult): void {
	if (result.status !== 'success')
		throw new Error(`the workflow did not succeed:\n${describeExecution(result)}`);
}

function outcomeOf(result: ExecutionResult, sourceId: string): Json | undefined {
	return nodeOutput(result, DAILY.sync, 0).find((o) => o.sourceId === sourceId);
}

function contactLinkedTo(view: ViewAccount, userId: string): ViewContact | undefined {
	const link = view.customFields.find((f) => f.label === LINK_FIELD_LABEL);
	return view.contacts.find((c) =>
		c.customFields.some((cf) => cf.mergeTag === link?.mergeTag && cf.value === userId),
	);
}

const fieldValue = (contact: ViewContact | undefined, mergeTag: string) =>
	contact?.customFields.find((cf) => cf.mergeTag === mergeTag)?.value;

let currentFakes: E2eFakes | undefined;

/** A small organisation with one hand-made contact that holds an in-scope user's number. */
function seedWithHandMadeContact(): { seed: FakeSeed; user: SeedUser; restoree: SeedUser } {
	const seed = generateSampleOrg({ userCount: 24 });
	const users = seed.tenants?.find((t) => t.id === SAMPLE_TENANT_ID)?.users ?? [];
	const candidates = users.filter(
		(u) =>
			inScope(u) && u.usageLocation === 'AU' && expectedPhone(u.mobilePhone, 'AU') !== undefined,
	);
	const [user, restoree] = candidates;
	const account = seed.messagemedia?.accounts?.find((a) => a.apiKey === SAMPLE_MM_API_KEY);
	if (!user || !restoree || !account)
		throw new Error('the sample organisation has too few in-scope AU users');
	account.customFields = [...(account.customFields ?? []), STORE_FIELD];
	account.contacts = [
		...(account.contacts ?? []),
		{
			firstName: 'Hand',
			lastName: 'Made',
			channels: [
				{
					channelId: expectedPhone(user.mobilePhone, 'AU') as string,
					type: 'SMS',
					subscriptionState: 'SUBSCRIBED',
				},
				{ channelId: WHATSAPP, type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
			],
			customFields: { [STORE_FIELD.id]: 'Parramatta' },
		},
	];
	return { seed, user, restoree };
}

async function fakesFor(reading: 'replaceAll' | 'merge', seed: FakeSeed): Promise<E2eFakes> {
	await currentFakes?.fakes.close();
	currentFakes = await startE2eFakes({ seed });
	currentFakes.fakes.state.updateConfig({ messageMediaPatchArrays: reading });
	return currentFakes;
}

afterAll(async () => {
	await currentFakes?.fakes.close();
});

describe.each(['replaceAll', 'merge'] as const)(
	`data safety in n8n ${N8N_VERSION} (PATCH arrays: %s)`,
	(reading) => {
		const workflowId = `entraSyncSafety${reading === 'merge' ? 'Mrg' : 'Rpl'}`.padEnd(16, '0');
		let env: E2eFakes;
		let n8n: N8n;
		let user: SeedUser;
		let restoree: SeedUser;

		beforeAll(async () => {
			const world = seedWithHandMadeContact();
			user = world.user;
			restoree = world.restoree;
			env = await fakesFor(reading, world.seed);
			n8n = N8n.forTest(`safety-${reading}`, env.fakes.caFile);
			const credentials = fakeCredentials(
				env.fakes.url,
				{
					tenantId: SAMPLE_TENANT_ID,
					clientId: SAMPLE_CLIENT_ID,
					clientSecret: SAMPLE_CLIENT_SECRET,
				},
				{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
				IDS,
			);
			await n8n.importCredentials(credentials);
			await n8n.importWorkflows([
				withCredentials(loadTemplate(e2eConfig().projectRoot, DAILY.file), workflowId, credentials),
			]);
		});

		test('a hand-set custom field and an extra channel survive an adoption and a phone change', async () => {
			const adoption = await n8n.execute(workflowId);
			succeeded(adoption);
			expect(outcomeOf(adoption, String(user.id))).toMatchObject({ action: 'adopted' });
			let contact = contactLinkedTo(
				await env.admin.messagemedia(SAMPLE_MM_API_KEY),
				String(user.id),
			);
			expect(fieldValue(contact, STORE_FIELD.mergeTag)).toBe('Parramatta');
			expect(contact?.channels).toEqual(
				expect.arrayContaining([
					{ channelId: WHATSAPP, type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
				]),
			);

			await env.admin.updateUser(String(user.id), { mobilePhone: '0491 570 111' });
			const change = await n8n.execute(workflowId);
			succeeded(change);
			contact = contactLinkedTo(await env.admin.messagemedia(SAMPLE_MM_API_KEY), String(user.id));
			expect(fieldValue(contact, STORE_FIELD.mergeTag)).toBe('Parramatta');
			expect(contact?.channels).toEqual(
				expect.arrayContaining([
					{ channelId: WHATSAPP, type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
					{ channelId: '+61491570111', type: 'SMS', subscriptionState: 'SUBSCRIBED' },
				]),
			);
			// Under the merge reading the service keeps the old number: reported, never taken as written.
			expect(outcomeOf(change, String(user.id))).toMatchObject({ action: 'updated' });
			expect(outcomeOf(change, String(user.id))?.diverged === undefined).toBe(reading !== 'merge');
			// And the next run writes nothing.
			await env.admin.resetLog();
			succeeded(await n8n.execute(workflowId));
			expect(messageMediaWrites(await env.admin.log())).toEqual([]);
		});

		test('an opted-out user who is deleted and restored stays opted out', async () => {
			const id = String(restoree.id);
			const before = contactLinkedTo(await env.admin.messagemedia(SAMPLE_MM_API_KEY), id);
			expect(before).toBeDefined();
			// The person replies STOP: their channel is UNSUBSCRIBED (as MessageMedia records an opt-out).
			const state = await env.admin.state();
			const account = state.messagemedia?.accounts?.find((a) => a.apiKey === SAMPLE_MM_API_KEY);
			const stored = account?.contacts?.find((c) => c.id === before?.id);
			for (const channel of stored?.channels ?? [])
				if (channel.type === 'SMS') channel.subscriptionState = 'UNSUBSCRIBED';
			await env.admin.load(state);

			await env.admin.deleteUser(id);
			const leaving = await n8n.execute(workflowId);
			succeeded(leaving);
			const kept = contactLinkedTo(await env.admin.messagemedia(SAMPLE_MM_API_KEY), id);
			expect(kept?.id).toBe(before?.id);
			expect(kept?.lists).toEqual([]);
			expect(outcomeOf(leaving, id)).toMatchObject({
				action: 'removedFromLists',
				reason: expect.stringContaining('opted out'),
			});

			await env.admin.restoreUser(id);
			await env.admin.resetLog();
			const back = await n8n.execute(workflowId);
			succeeded(back);
			const after = contactLinkedTo(await env.admin.messagemedia(SAMPLE_MM_API_KEY), id);
			expect(after?.id).toBe(before?.id);
			expect(
				after?.channels.filter((c) => c.type === 'SMS').map((c) => c.subscriptionState),
			).toEqual(['UNSUBSCRIBED']);
			expect(after?.lists.length).toBeGreaterThan(0);
		});
	},
);

/**
 * The two-way template (templates/entra-sync-bidirectional.json, as shipped, credentials chosen — the
 * Entra ID credential on both the reader and the sync node) in the pinned real n8n with the packed
 * package, against the fake Entra tenant and MessageMedia account. The steps build on each other:
 * initial sync → echo check → a number changed on each side → both sides changed (conflict) →
 * an on-premises-synced user → echo check after all of it.
 */
import { request } from 'node:https';

import type { FakeSeed, RequestLogEntry, SeedUser } from '../fakes/types';
import { e2eConfig, N8N_VERSION } from './support/config';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import { messageMediaWrites, type ViewContact } from './support/fakes-admin';
import { describeExecution, N8n, nodeOutput, type ExecutionResult, type Json } from './support/n8n';
import {
	ENTRA_CREDENTIAL,
	fakeCredentials,
	loadTemplate,
	withCredentials,
} from './support/workflows';

const TEMPLATE = 'entra-sync-bidirectional.json';
const SYNC = 'Sync both ways';
const REPORT = 'Run report';
const WORKFLOW_ID = 'entraSyncTwoWay001';
const IDS = { entra: 'entraTwoWayCred01', messagemedia: 'mmTwoWayCred00001' };

const TENANT_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const CLIENT_ID = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const CLIENT_SECRET = 'two-way-e2e-client-secret-value';
const MM_KEY = 'TWOWAYKEY00000000001';
const MM_SECRET = 'TWOWAYSECRET000000000000000001';

/** Users by role in the story. */
const USER = {
	messagingChange: 'a0000000-0000-4000-8000-000000000001',
	directoryChange: 'a0000000-0000-4000-8000-000000000002',
	bothChange: 'a0000000-0000-4000-8000-000000000003',
	onPremises: 'a0000000-0000-4000-8000-000000000004',
	untouched: 'a0000000-0000-4000-8000-000000000005',
} as const;

function seedUser(id: string, n: number, extra: Partial<SeedUser> = {}): SeedUser {
	return {
		id,
		displayName: `Person${n} Example`,
		givenName: `Person${n}`,
		surname: 'Example',
		userPrincipalName: `person${n}@twoway.onmicrosoft.com`,
		mail: `person${n}@twoway.example`,
		mobilePhone: `0412 000 ${100 + n}`,
		businessPhones: [],
		department: n % 2 === 0 ? 'Support' : 'Sales',
		usageLocation: 'AU',
		accountEnabled: true,
		userType: 'Member',
		...extra,
	};
}

const seed: FakeSeed = {
	tenants: [
		{
			id: TENANT_ID,
			displayName: 'Two-way Pty Ltd',
			domains: ['twoway.onmicrosoft.com'],
			apps: [
				// Least privilege for phone write-back: read users and groups, write phones only.
				{
					clientId: CLIENT_ID,
					secret: CLIENT_SECRET,
					consented: true,
					roles: ['User.Read.All', 'GroupMember.Read.All', 'User-Phone.ReadWrite.All'],
				},
			],
			users: [
				seedUser(USER.messagingChange, 1),
				seedUser(USER.directoryChange, 2),
				seedUser(USER.bothChange, 3),
				seedUser(USER.onPremises, 4, {
					onPremisesSyncEnabled: true,
					onPremisesImmutableId: 'b25QcmVtaXNlczAwMDQ=',
					onPremisesSamAccountName: 'person4',
					onPremisesDomainName: 'corp.twoway.local',
				}),
				seedUser(USER.untouched, 5),
			],
		},
	],
	messagemedia: {
		accounts: [
			{
				apiKey: MM_KEY,
				apiSecret: MM_SECRET,
				accountId: 'TwoWay001',
				lists: [],
				customFields: [],
				contacts: [],
			},
		],
	},
};

let env: E2eFakes;
let n8n: N8n;

function succeeded(result: ExecutionResult): void {
	if (result.status !== 'success')
		throw new Error(`the workflow did not succeed:\n${describeExecution(result)}`);
}

async function runWorkflow(): Promise<{
	result: ExecutionResult;
	log: RequestLogEntry[];
	outcomes: Json[];
	summary: Json;
}> {
	await env.admin.resetLog();
	const result = await n8n.execute(WORKFLOW_ID);
	succeeded(result);
	const [summary] = nodeOutput(result, SYNC, 1);
	if (!summary) throw new Error(`no run summary:\n${describeExecution(result)}`);
	return { result, log: await env.admin.log(), outcomes: nodeOutput(result, SYNC, 0), summary };
}

const graphPatches = (log: RequestLogEntry[]) =>
	log.filter((e) => e.service === 'graph' && e.method === 'PATCH');
const outcomeOf = (outcomes: Json[], id: string): Json =>
	outcomes.find((o) => o.sourceId === id) as Json;

async function directoryUser(id: string): Promise<SeedUser> {
	const state = await env.admin.state();
	const user = state.tenants?.[0].users?.find((u) => u.id === id);
	if (!user) throw new Error(`no user ${id}`);
	return user;
}

async function contactOf(id: string): Promise<ViewContact> {
	const account = await env.admin.messagemedia(MM_KEY);
	const link = account.customFields.find((f) => f.label === 'Entra Object ID');
	const contact = account.contacts.find((c) =>
		c.customFields.some((cf) => cf.id === link?.id && cf.value === id),
	);
	if (!contact) throw new Error(`no contact linked to ${id}`);
	return contact;
}

const phoneOf = (contact: ViewContact) => contact.channels.find((c) => c.type === 'SMS')?.channelId;

/** A change made by hand in MessageMedia: PATCH the contact's SMS channel through the MessageMedia API. */
async function changeNumberInMessageMedia(userId: string, phone: string): Promise<void> {
	const contact = await contactOf(userId);
	const body = Buffer.from(
		JSON.stringify({
			channels: [{ channelId: phone, type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
		}),
	);
	await new Promise<void>((resolve, reject) => {
		const req = request(
			`${env.fakes.url}/api/v1/contacts/contacts/${contact.id}`,
			{
				method: 'PATCH',
				ca: env.fakes.ca,
				headers: {
					authorization: `Basic ${Buffer.from(`${MM_KEY}:${MM_SECRET}`).toString('base64')}`,
					'content-type': 'application/json',
					'content-length': String(body.length),
				},
			},
			(res) => {
				res.resume();
				res.on('end', () =>
					(res.statusCode ?? 500) < 300
						? resolve()
						: reject(new Error(`PATCH contact → ${res.statusCode}`)),
				);
			},
		);
		req.on('error', reject);
		req.end(body);
	});
}

async function expectNoEcho(): Promise<void> {
	const { log, summary } = await runWorkflow();
	expect(messageMediaWrites(log)).toEqual([]);
	expect(graphPatches(log)).toEqual([]);
	expect(log.filter((e) => e.service === 'messagemedia').length).toBeGreaterThan(0);
	expect(summary.directory).toMatchObject({
		direction: 'bidirectional',
		updated: 0,
		failed: 0,
		conflicts: 0,
	});
	expect(summary.counts).toMatchObject({ created: 0, updated: 0, removed: 0, failed: 0 });
}

beforeAll(async () => {
	env = await startE2eFakes({ seed });
	n8n = N8n.forTest('bidirectional', env.fakes.caFile);
	const credentials = fakeCredentials(
		env.fakes.url,
		{ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
		{ apiKey: MM_KEY, apiSecret: MM_SECRET },
		IDS,
	);
	await n8n.importCredentials(credentials);
	const template = loadTemplate(e2eConfig().projectRoot, TEMPLATE);
	const workflow = withCredentials(template, WORKFLOW_ID, credentials);
	// The sync node's second credential (write-back), as a user selects it after import.
	const entra = credentials.find((c) => c.type === ENTRA_CREDENTIAL)!;
	const sync = (workflow.nodes as Json[]).find((node) => node.name === SYNC)!;
	sync.credentials = {
		...sync.credentials,
		[ENTRA_CREDENTIAL]: { id: entra.id, name: entra.name },
	};
	await n8n.importWorkflows([workflow]);
});

afterAll(async () => {
	await env?.fakes.close();
});

describe(`Entra Sync two-way template in n8n ${N8N_VERSION}`, () => {
	test('ships without credentials, with the JSON configuration set to "bidirectional"', () => {
		const template = loadTemplate(e2eConfig().projectRoot, TEMPLATE);
		for (const node of template.nodes as Json[]) expect(node.credentials).toBeUndefined();
		const mapper = (template.nodes as Json[]).find(
			(node) => node.type === 'n8n-nodes-entra-sync.contactMapper',
		)!;
		expect(JSON.parse(mapper.parameters.configurationJson).sync.direction).toBe('bidirectional');
		const sync = (template.nodes as Json[]).find((node) => node.name === SYNC)!;
		expect(sync.parameters).toMatchObject({
			direction: 'bidirectional',
			authority: 'directory',
			phoneWriteFormat: 'original',
		});
	});

	test('the initial sync creates every contact with its base and writes nothing to the directory', async () => {
		const { log, outcomes, summary } = await runWorkflow();
		expect(summary.counts).toMatchObject({ created: 5, failed: 0 });
		expect(summary.fieldsCreated).toEqual(
			expect.arrayContaining(['Entra Object ID', 'Email', 'Entra Sync Base']),
		);
		expect(graphPatches(log)).toEqual([]);
		expect(outcomes.every((o) => o.directory === undefined)).toBe(true);
		const contact = await contactOf(USER.messagingChange);
		expect(phoneOf(contact)).toBe('+61412000101');
		const baseField = (await env.admin.messagemedia(MM_KEY)).customFields.find(
			(f) => f.label === 'Entra Sync Base',
		)!;
		expect(contact.customFields.find((cf) => cf.id === baseField.id)?.value).toMatch(
			/^b1;\d+;[0-9a-f]{8};/,
		);
	});

	test('after the initial sync, the next run writes nothing on either side', async () => {
		await expectNoEcho();
	});

	test('a number changed in MessageMedia appears in Entra; a number changed in Entra appears in MessageMedia', async () => {
		await changeNumberInMessageMedia(USER.messagingChange, '+61499111222');
		await env.admin.updateUser(USER.directoryChange, { mobilePhone: '0499 333 444' });

		const { log, outcomes, summary, result } = await runWorkflow();
		// MessageMedia → Entra: one PATCH, in the original (national) style.
		expect(graphPatches(log).map((e) => e.path)).toEqual([`/v1.0/users/${USER.messagingChange}`]);
		expect((await directoryUser(USER.messagingChange)).mobilePhone).toBe('0499 111 222');
		expect(outcomeOf(outcomes, USER.messagingChange).directory).toEqual({
			action: 'updated',
			userId: USER.messagingChange,
			changes: { mobilePhone: { from: '0412 000 101', to: '0499 111 222' } },
		});
		// Entra → MessageMedia.
		expect(phoneOf(await contactOf(USER.directoryChange))).toBe('+61499333444');
		expect(outcomeOf(outcomes, USER.directoryChange)).toMatchObject({
			action: 'updated',
			changes: { phone: { from: '+61412000102', to: '+61499333444' } },
		});
		expect(summary.directory).toMatchObject({ updated: 1, skipped: 0, failed: 0, conflicts: 0 });
		const [report] = nodeOutput(result, REPORT);
		expect(report.report).toContain('1 written back');
	});

	test('both sides changed the same number → the authority (directory wins) decides, reported as a conflict with both values', async () => {
		await changeNumberInMessageMedia(USER.bothChange, '+61499555666');
		await env.admin.updateUser(USER.bothChange, { mobilePhone: '0499 777 888' });

		const { log, outcomes, summary } = await runWorkflow();
		expect(graphPatches(log)).toEqual([]);
		expect(phoneOf(await contactOf(USER.bothChange))).toBe('+61499777888');
		expect((await directoryUser(USER.bothChange)).mobilePhone).toBe('0499 777 888');
		expect(outcomeOf(outcomes, USER.bothChange).conflicts).toEqual({
			phone: {
				directory: '+61499777888',
				messaging: '+61499555666',
				winner: 'directory',
				reason: expect.stringContaining('both sides changed'),
			},
		});
		expect(summary.directory).toMatchObject({ conflicts: 1 });
	});

	test('a user synced from on-premises AD gets no PATCH and is reported skipped: on-premises mastered', async () => {
		await changeNumberInMessageMedia(USER.onPremises, '+61499000444');

		const { log, outcomes, summary } = await runWorkflow();
		expect(graphPatches(log)).toEqual([]);
		expect(outcomeOf(outcomes, USER.onPremises).directory).toEqual({
			action: 'skipped',
			userId: USER.onPremises,
			skipped: { mobilePhone: { from: '0412 000 104', to: '0499 000 444' } },
			reason: 'on-premises mastered',
		});
		expect(summary.directory).toMatchObject({ skipped: 1, failed: 0 });
		expect((await directoryUser(USER.onPremises)).mobilePhone).toBe('0412 000 104');
		// MessageMedia keeps the number it was given.
		expect(phoneOf(await contactOf(USER.onPremises))).toBe('+61499000444');
	});

	test('after all of it, the next run writes nothing on either side', async () => {
		await expectNoEcho();
		expect(phoneOf(await contactOf(USER.untouched))).toBe('+61412000105');
	});
});

/**
 * The daily template (templates/entra-sync.json, as shipped, credentials chosen) in the pinned real
 * n8n with the packed package, against the fake Entra tenant and MessageMedia account seeded with
 * the sample organisation. The steps build on each other (one n8n user folder, one fake account):
 * initial sync → rerun writes nothing → directory changes → the same under injected faults → an empty
 * directory is refused by the deletion guard → certificate credential.
 */
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { generate } from 'selfsigned';

import {
	SAMPLE_CERT_CLIENT_ID,
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
	generateSampleOrg,
} from '../fakes/sample-org';
import type { FakeSeed, RequestLogEntry, SeedUser } from '../fakes/types';
import { e2eConfig, N8N_VERSION } from './support/config';
import {
	actualContacts,
	expectContacts,
	expectedPhone,
	inScope,
	linkedAsExpected,
	sortedExpectation,
	type ActualContact,
} from './support/expected';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import { messageMediaWrites, type ViewAccount } from './support/fakes-admin';
import {
	describeExecution,
	N8n,
	nodeOutput,
	type CredentialSpec,
	type ExecutionResult,
	type Json,
} from './support/n8n';
import { DAILY, fakeCredentials, loadTemplate, withCredentials } from './support/workflows';

const WORKFLOW_ID = 'entraSyncDaily0001';
const CERT_WORKFLOW_ID = 'entraSyncCert00001';
const IDS = { entra: 'entraSecretCred001', messagemedia: 'messageMediaCred01' };
const CERT_IDS = { entra: 'entraCertCred00001', messagemedia: IDS.messagemedia };

let env: E2eFakes;
let n8n: N8n;
let certificate: { privateKeyPem: string; thumbprint: string; certPem: string };

function succeeded(result: ExecutionResult): void {
	if (result.status !== 'success')
		throw new Error(`the workflow did not succeed:\n${describeExecution(result)}`);
}

function summaryOf(result: ExecutionResult): Json {
	const [summary] = nodeOutput(result, DAILY.sync, 1);
	if (!summary)
		throw new Error(
			`no run summary on the sync node's second output:\n${describeExecution(result)}`,
		);
	return summary;
}

async function directoryUsers(): Promise<SeedUser[]> {
	const state = await env.admin.state();
	return state.tenants?.find((tenant) => tenant.id === SAMPLE_TENANT_ID)?.users ?? [];
}

async function account(): Promise<ViewAccount> {
	return await env.admin.messagemedia(SAMPLE_MM_API_KEY);
}

/** Exact comparison of the linked contacts with the expectation computed from the directory. */
async function expectStateMatchesDirectory(): Promise<ViewAccount> {
	const view = await account();
	const expected = sortedExpectation(expectContacts(await directoryUsers()));
	expect(linkedAsExpected(view)).toEqual(expected);
	// No two contacts for one person, every synced contact subscribed.
	const linked = actualContacts(view).filter((c) => c.link !== undefined);
	expect(new Set(linked.map((c) => c.link)).size).toBe(linked.length);
	expect(linked.filter((c) => c.subscriptionState !== 'SUBSCRIBED')).toEqual([]);
	return view;
}

function contactIdsByLink(view: ViewAccount): Map<string, string> {
	return new Map(
		actualContacts(view)
			.filter((c) => c.link)
			.map((c) => [c.link as string, c.id]),
	);
}

const initialSeed: FakeSeed = {};
let handContacts: ActualContact[] = [];

beforeAll(async () => {
	const selfSigned = await generate([{ name: 'commonName', value: 'Entra Sync e2e' }], {
		keySize: 2048,
		algorithm: 'sha256',
	});
	certificate = {
		privateKeyPem: selfSigned.private,
		certPem: selfSigned.cert,
		// The portal shows the SHA-1 thumbprint as hex.
		thumbprint: new X509Certificate(selfSigned.cert).fingerprint.replace(/:/g, ''),
	};
	Object.assign(initialSeed, generateSampleOrg());
	env = await startE2eFakes({ seed: initialSeed });
	n8n = N8n.forTest('sync', env.fakes.caFile);
	const messagemedia = { apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET };
	const secretCredentials = fakeCredentials(
		env.fakes.url,
		{ tenantId: SAMPLE_TENANT_ID, clientId: SAMPLE_CLIENT_ID, clientSecret: SAMPLE_CLIENT_SECRET },
		messagemedia,
		IDS,
	);
	const certCredentials = fakeCredentials(
		env.fakes.url,
		{ tenantId: SAMPLE_TENANT_ID, clientId: SAMPLE_CERT_CLIENT_ID, certificate },
		messagemedia,
		CERT_IDS,
	);
	const credentials: CredentialSpec[] = [...secretCredentials, certCredentials[0]];
	await n8n.importCredentials(credentials);
	const template = loadTemplate(e2eConfig().projectRoot, DAILY.file);
	await n8n.importWorkflows([
		withCredentials(template, WORKFLOW_ID, secretCredentials),
		withCredentials(
			template,
			CERT_WORKFLOW_ID,
			[certCredentials[0], secretCredentials[1]],
			'Entra Sync (certificate credential)',
		),
	]);
	handContacts = actualContacts(await account());
});

afterAll(async () => {
	await env?.fakes.close();
});

describe(`Entra Sync template in n8n ${N8N_VERSION}`, () => {
	let afterInitial: ViewAccount;

	test('1. the initial sync produces exactly the contacts the directory calls for', async () => {
		const users = await directoryUsers();
		const expectation = expectContacts(users);
		expect(expectation.contacts.length).toBeGreaterThan(40);
		expect(expectation.rejected.length).toBeGreaterThan(0);

		const result = await n8n.execute(WORKFLOW_ID);
		succeeded(result);
		afterInitial = await expectStateMatchesDirectory();

		const summary = summaryOf(result);
		const adopted = handContacts.filter((c) =>
			expectation.contacts.some((e) => e.phone === c.phone),
		);
		expect(summary.counts).toMatchObject({
			created: expectation.contacts.length - adopted.length,
			adopted: adopted.length,
			updated: 0,
			removed: 0,
			rejected: expectation.rejected.length,
			failed: 0,
		});
		// An adopted hand-made contact keeps its id; the other hand-made contacts are untouched.
		const ids = contactIdsByLink(afterInitial);
		for (const contact of adopted) {
			const user = expectation.contacts.find((e) => e.phone === contact.phone);
			expect(ids.get(user!.sourceId)).toBe(contact.id);
		}
		const untouched = handContacts.filter((c) => !adopted.includes(c));
		const now = actualContacts(afterInitial);
		for (const contact of untouched) expect(now.find((c) => c.id === contact.id)).toEqual(contact);
		// The rejected users are reported with a reason.
		const rejectedOutcomes = nodeOutput(result, DAILY.sync, 0).filter(
			(o) => o.action === 'rejected',
		);
		expect(rejectedOutcomes.map((o) => o.sourceId).sort()).toEqual(
			[...expectation.rejected].sort(),
		);
		for (const outcome of rejectedOutcomes) expect(String(outcome.reason)).not.toBe('');
		// The report node turns the summary into a sentence.
		const [report] = nodeOutput(result, DAILY.report);
		expect(report.report).toContain(`${expectation.contacts.length - adopted.length} created`);
	});

	test('2. a rerun without directory changes writes nothing to MessageMedia', async () => {
		await env.admin.resetLog();
		const result = await n8n.execute(WORKFLOW_ID);
		succeeded(result);
		const log = await env.admin.log();
		expect(messageMediaWrites(log)).toEqual([]);
		expect(log.filter((e) => e.service === 'messagemedia').length).toBeGreaterThan(0);
		const expectation = expectContacts(await directoryUsers());
		expect(summaryOf(result).counts).toMatchObject({
			created: 0,
			updated: 0,
			removed: 0,
			unchanged: expectation.contacts.length,
			rejected: expectation.rejected.length,
		});
		await expectStateMatchesDirectory();
	});

	test('3. directory changes reach MessageMedia; contacts keep their ids', async () => {
		const before = contactIdsByLink(await account());
		const users = (await directoryUsers()).filter((u) => inScope(u) && before.has(String(u.id)));
		const auUsers = users.filter((u) => u.usageLocation === 'AU');
		const [phoneChange, outOfScope, disabled, deleted, mover] = [
			auUsers[0],
			auUsers[1],
			auUsers[2],
			auUsers[3],
			users.find((u) => u.department === 'Sales' && !auUsers.slice(0, 4).includes(u))!,
		];
		await env.admin.updateUser(String(phoneChange.id), { mobilePhone: '0499 111 222' });
		await env.admin.updateUser(String(outOfScope.id), { department: 'Engineering' });
		await env.admin.updateUser(String(disabled.id), { accountEnabled: false });
		await env.admin.deleteUser(String(deleted.id));
		await env.admin.updateUser(String(mover.id), { department: 'Support' });
		const created = await env.admin.createUser({
			displayName: 'Casey Newhire',
			givenName: 'Casey',
			surname: 'Newhire',
			userPrincipalName: 'casey.newhire@contoso-demo.onmicrosoft.com',
			mail: 'casey.newhire@contoso-demo.example',
			mobilePhone: '+61 499 333 444',
			businessPhones: [],
			department: 'Support',
			usageLocation: 'AU',
			accountEnabled: true,
		});

		const result = await n8n.execute(WORKFLOW_ID);
		succeeded(result);
		const view = await expectStateMatchesDirectory();
		const after = contactIdsByLink(view);
		expect(after.get(String(phoneChange.id))).toBe(before.get(String(phoneChange.id)));
		expect(actualContacts(view).find((c) => c.link === phoneChange.id)?.phone).toBe(
			expectedPhone('0499 111 222', 'AU'),
		);
		expect(after.get(String(mover.id))).toBe(before.get(String(mover.id)));
		expect(actualContacts(view).find((c) => c.link === mover.id)?.lists).toEqual(['Support']);
		for (const gone of [outOfScope, disabled, deleted])
			expect(after.has(String(gone.id))).toBe(false);
		expect(after.has(String(created.id))).toBe(true);
		// Every other contact kept its id.
		for (const [link, id] of after) if (before.has(link)) expect(id).toBe(before.get(link));
		expect(summaryOf(result).counts).toMatchObject({
			created: 1,
			updated: 2,
			removed: 3,
			failed: 0,
		});
	});

	test('4. with 429/503/reset faults injected the sync converges to the same end state', async () => {
		// Reference: the state a fault-free run produced for this directory (test 3).
		const reference = linkedAsExpected(await account());
		// Start again from the MessageMedia account as it was before the first sync.
		const state = await env.admin.state();
		state.messagemedia = structuredClone(initialSeed.messagemedia);
		await env.admin.load(state);
		expect(linkedAsExpected(await account())).toEqual([]);
		await env.admin.setFaults({
			seed: Number(process.env.ENTRA_SYNC_E2E_FAULT_SEED ?? 20261126),
			rules: [
				{
					service: 'graph',
					throttleRate: 0.1,
					retryAfterSeconds: 1,
					errorRate: 0.03,
					errorStatuses: [503],
					resetRate: 0.01,
				},
				{
					service: 'messagemedia',
					throttleRate: 0.1,
					retryAfterSeconds: 1,
					errorRate: 0.03,
					errorStatuses: [503],
					resetRate: 0.01,
				},
			],
		});
		await env.admin.resetLog();
		let result: ExecutionResult;
		let log: RequestLogEntry[];
		try {
			result = await n8n.execute(WORKFLOW_ID);
			log = await env.admin.log();
		} finally {
			await env.admin.setFaults({});
		}
		const injected = log.filter((e) => e.fault && e.fault !== 'latency');
		expect(injected.filter((e) => e.fault === 'throttle').length).toBeGreaterThan(0);
		expect(injected.filter((e) => e.fault === 'error').length).toBeGreaterThan(0);
		if (result.status !== 'success') {
			const faults = injected
				.map((e) => `#${e.seq} ${e.service} ${e.method} ${e.path} → ${e.fault} ${e.status}`)
				.join('\n');
			const logFile = join(e2eConfig().workDir, 'faults-request-log.json');
			writeFileSync(logFile, JSON.stringify(log, null, 2));
			throw new Error(
				`the workflow did not succeed under faults (request log: ${logFile}):\n${describeExecution(result)}\n--- injected faults ---\n${faults}`,
			);
		}
		expect(linkedAsExpected(await account())).toEqual(reference);
		await expectStateMatchesDirectory();
		// Every failed GET/PATCH/DELETE was retried by the transport (a failed POST is not retried as such:
		// a create is retried by the sync engine as look-up-then-create, which is not counted as a retry).
		const summary = summaryOf(result);
		const retriable = injected.filter((e) => e.service === 'messagemedia' && e.method !== 'POST');
		expect(summary.requests.retries).toBeGreaterThanOrEqual(retriable.length);
		expect(summary.counts.failed).toBe(0);
		expect(summary.counts.created + summary.counts.adopted).toBe(reference.length);
	});

	test('5. an empty directory read removes nothing and the run says why', async () => {
		const before = await account();
		const state = await env.admin.state();
		const saved = structuredClone(state.tenants);
		for (const tenant of state.tenants ?? []) tenant.users = [];
		await env.admin.load(state);
		await env.admin.resetLog();
		const result = await n8n.execute(WORKFLOW_ID);
		expect(result.status).not.toBe('success');
		expect(result.exitCode).not.toBe(0);
		const message = `${result.error?.message ?? ''} ${result.error?.description ?? ''}`;
		expect(message).toContain('Deletion guard');
		expect(message).toContain('no user in scope');
		expect(message).toContain('Allow Removals Above Threshold');
		expect(messageMediaWrites(await env.admin.log())).toEqual([]);
		expect(await account()).toEqual(before);
		// Put the directory back for the next test.
		const restored = await env.admin.state();
		restored.tenants = saved;
		await env.admin.load(restored);
	});

	test('7. a certificate credential (client assertion) works end to end', async () => {
		await env.admin.registerCertificate(
			SAMPLE_TENANT_ID,
			SAMPLE_CERT_CLIENT_ID,
			certificate.certPem,
		);
		const user = (await directoryUsers()).find(
			(u) => inScope(u) && u.usageLocation === 'AU' && expectContacts([u]).contacts.length === 1,
		)!;
		await env.admin.updateUser(String(user.id), { mobilePhone: '+61 499 555 666' });
		// Contacts an earlier step left missing (if it failed) are created now; count them so this test
		// checks the certificate path on its own.
		const linkedBefore = contactIdsByLink(await account());
		const missing = expectContacts(await directoryUsers()).contacts.filter(
			(c) => !linkedBefore.has(c.sourceId),
		).length;
		await env.admin.resetLog();
		const result = await n8n.execute(CERT_WORKFLOW_ID);
		succeeded(result);
		const log = await env.admin.log();
		const tokenRequests = log.filter((e) => e.service === 'token');
		expect(tokenRequests.length).toBeGreaterThan(0);
		expect(
			tokenRequests.every((e) => e.status === 200 && e.auth?.includes(SAMPLE_CERT_CLIENT_ID)),
		).toBe(true);
		expect(
			log
				.filter((e) => e.service === 'graph')
				.every((e) => e.auth?.includes(SAMPLE_CERT_CLIENT_ID)),
		).toBe(true);
		await expectStateMatchesDirectory();
		expect(actualContacts(await account()).find((c) => c.link === user.id)?.phone).toBe(
			'+61499555666',
		);
		expect(summaryOf(result).counts).toMatchObject({ created: missing, updated: 1, removed: 0 });
	});
});

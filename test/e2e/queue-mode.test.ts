/**
 * Queue mode: one n8n main and two workers on a private PostgreSQL and Redis (scripts/queue-services.sh),
 * the package installed in each process's user folder as README "Queue mode and large directories"
 * tells. One deployment, three stories, in order (they share the directory and the account):
 *
 * 1. the daily template, on a 10-second schedule with MessageMedia slowed down, runs on the workers;
 *    runs overlap (two workers, no per-workflow lock) and end in the state one run reaches: the
 *    contacts the directory calls for, no duplicate;
 * 1b. two overlapping runs of the daily template (started by a webhook) where the directory changes
 *    between their reads, the older run held up before its writes until the newer one is done: the
 *    contacts end with the newer read's values, no duplicate;
 * 2. every process restarts (the daily schedule unpublished meanwhile) and a change made while all
 *    was down arrives through the realtime template's trigger: its delta cursor survived;
 * 3. MessageMedia answers 503 for three polls; a change made during the outage arrives after it
 *    ends, without a full run (the trigger's replay window);
 * 4. the partitioned template (Sales and Support, each its own sync scope) takes the account over:
 *    each partition is a webhook execution of its own that the main puts on the queue (both workers
 *    run some), each partition's full run leaves the other's contacts alone, and a user who moved
 *    from one partition to the other keeps their contact.
 */
import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
	generateSampleOrg,
} from '../fakes/sample-org';
import type { SeedUser } from '../fakes/types';
import { e2eConfig } from './support/config';
import {
	actualContacts,
	expectContacts,
	inScope,
	linkedAsExpected,
	sortedExpectation,
} from './support/expected';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import { freePort, type Json } from './support/n8n';
import {
	PARTITION_KEY,
	QueueDeployment,
	executions,
	partitionsOnMain,
	startQueueServices,
	stopQueueServices,
	type QueueServices,
} from './support/queue';
import {
	DAILY,
	REALTIME,
	fakeCredentials,
	loadTemplate,
	withCredentials,
} from './support/workflows';

const DAILY_ID = 'queueDaily000001';
const REALTIME_ID = 'queueRealtime001';
const PARTITIONED_ID = 'queuePartitions1';
const OVERLAP_ID = 'queueOverlap0001';
const OVERLAP_PATH = 'entra-sync-overlap';
const PARTITIONED_FILE = 'entra-sync-partitioned.json';
const POLL_MS = 60_000;

function everySeconds(workflow: Json, seconds: number): Json {
	const schedule = (workflow.nodes as Json[]).find(
		(node) => node.type === 'n8n-nodes-base.scheduleTrigger',
	) as Json;
	schedule.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: seconds }] } };
	return workflow;
}

/** The template started by a POST to a production webhook instead of its schedule (the main enqueues each run). */
function onWebhook(workflow: Json, path: string): Json {
	const schedule = (workflow.nodes as Json[]).find(
		(node) => node.type === 'n8n-nodes-base.scheduleTrigger',
	) as Json;
	const connections = workflow.connections as Json;
	connections['Run by webhook'] = connections[schedule.name as string];
	delete connections[schedule.name as string];
	Object.assign(schedule, {
		name: 'Run by webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: '6f1c2a52-2f4e-4b8c-9a55-0c6f0e0d7a11',
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	});
	return workflow;
}

const unpublished = new Set<string>();
async function unpublishOnce(id: string): Promise<void> {
	if (unpublished.has(id)) return;
	await (deployment as QueueDeployment).main.unpublish(id);
	unpublished.add(id);
}

let env: E2eFakes;
let services: QueueServices | undefined;
let deployment: QueueDeployment | undefined;
/** Users the tests changed (each test picks another). */
const changed: string[] = [];
/** Ids of the contacts the account had before the first run. */
let contactsBefore: string[] = [];

async function waitFor<T>(
	what: string,
	timeoutMs: number,
	probe: () => Promise<T | undefined>,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${deployment?.tail()}`);
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}

async function users(): Promise<SeedUser[]> {
	return (await env.admin.state()).tenants?.find((t) => t.id === SAMPLE_TENANT_ID)?.users ?? [];
}

async function linked() {
	return linkedAsExpected(await env.admin.messagemedia(SAMPLE_MM_API_KEY));
}

async function deltaPolls(): Promise<number> {
	return (await env.admin.log()).filter(
		(e) => e.service === 'graph' && e.path.endsWith('/users/delta') && e.status === 200,
	).length;
}

/** An in-scope Australian user with exactly one expected contact, not in `except`. */
async function someUser(except: string[]): Promise<SeedUser> {
	return (await users()).find(
		(u) =>
			inScope(u) &&
			u.usageLocation === 'AU' &&
			!except.includes(String(u.id)) &&
			expectContacts([u]).contacts.length === 1,
	) as SeedUser;
}

async function phoneOf(id: string): Promise<string | undefined> {
	return (await linked()).find((c) => c.sourceId === id)?.phone;
}

beforeAll(async () => {
	env = await startE2eFakes({ seed: generateSampleOrg() });
	services = startQueueServices();
	const mainPort = await freePort();
	deployment = new QueueDeployment(services, env.fakes.caFile, 2, mainPort);
	const credentials = fakeCredentials(
		env.fakes.url,
		{ tenantId: SAMPLE_TENANT_ID, clientId: SAMPLE_CLIENT_ID, clientSecret: SAMPLE_CLIENT_SECRET },
		{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
		{ entra: 'entraSecretCred001', messagemedia: 'messageMediaCred01' },
	);
	const root = e2eConfig().projectRoot;
	// The daily and partitioned templates as published, their schedules shortened to fit the test.
	const daily = everySeconds(
		withCredentials(loadTemplate(root, DAILY.file), DAILY_ID, credentials),
		10,
	);
	const partitioned = partitionsOnMain(
		everySeconds(
			withCredentials(loadTemplate(root, PARTITIONED_FILE), PARTITIONED_ID, credentials),
			20,
		),
		mainPort,
	);
	await deployment.main.importCredentials([...credentials, PARTITION_KEY]);
	const overlap = onWebhook(
		withCredentials(
			loadTemplate(root, DAILY.file),
			OVERLAP_ID,
			credentials,
			'Entra Sync (webhook)',
		),
		OVERLAP_PATH,
	);
	await deployment.main.importWorkflows([
		daily,
		withCredentials(loadTemplate(root, REALTIME.file), REALTIME_ID, credentials),
		partitioned,
		overlap,
	]);
	await deployment.main.publish(DAILY_ID);
	await deployment.main.publish(REALTIME_ID);
	// MessageMedia slowed down from the start: the first run (every contact created) takes longer
	// than the 10-second schedule, so the second run starts on the other worker while it writes.
	contactsBefore = (await env.admin.messagemedia(SAMPLE_MM_API_KEY)).contacts.map((c) => c.id);
	await env.admin.setFaults({ rules: [{ service: 'messagemedia', latencyMs: 1500 }] });
	await deployment.start();
});

afterAll(async () => {
	await deployment?.stop();
	stopQueueServices(services);
	await env?.fakes.close();
});

test("overlapping runs of the daily template on two workers end in the directory's state, without a duplicate", async () => {
	const d = deployment as QueueDeployment;
	const overlapping = await waitFor('two overlapping daily runs', 180_000, async () => {
		const runs = executions(services as QueueServices).filter(
			(e) => e.workflowId === DAILY_ID && e.status === 'success' && e.stoppedAt,
		);
		for (const a of runs)
			for (const b of runs)
				if (Number(a.id) < Number(b.id) && b.startedAt < (a.stoppedAt as number)) return [a, b];
		return undefined;
	});
	await env.admin.setFaults({});
	await d.stop();

	// Every daily run executed on a worker; both workers took some.
	const daily = executions(services as QueueServices).filter((e) => e.workflowId === DAILY_ID);
	const ranOn = d.executedBy();
	expect(daily.filter((e) => !ranOn.has(e.id))).toEqual([]);
	// The overlapping pair ran on the two workers at once.
	expect(ranOn.get(overlapping[0].id)).not.toBe(ranOn.get(overlapping[1].id));

	// The end state of one run: exactly the expected contacts, one per number; every other contact
	// was there before (added by hand), none was made twice.
	const expected = sortedExpectation(expectContacts(await users()));
	const account = await env.admin.messagemedia(SAMPLE_MM_API_KEY);
	expect(linkedAsExpected(account)).toEqual(expected);
	const unlinked = actualContacts(account).filter((c) => c.link === undefined);
	expect(unlinked.filter((c) => !contactsBefore.includes(c.id))).toEqual([]);
	expect(account.contacts).toHaveLength(expected.length + unlinked.length);
	const numbers = account.contacts.map(
		(c) => c.channels.find((ch) => ch.type === 'SMS')?.channelId,
	);
	expect(new Set(numbers).size).toBe(numbers.length);
});

test("two overlapping runs whose directory reads differ end with the newer read's values: the older run writes nothing over them", async () => {
	const d = deployment as QueueDeployment;
	await unpublishOnce(DAILY_ID);
	await d.main.publish(OVERLAP_ID);
	const userX = await someUser(changed);
	changed.push(String(userX.id));
	// W's contact must be subscribed: only a number to be stored subscribed is looked up on the opt-out list.
	const subscribed = new Set(
		actualContacts(await env.admin.messagemedia(SAMPLE_MM_API_KEY))
			.filter((c) => c.subscriptionState === 'SUBSCRIBED')
			.map((c) => c.link),
	);
	const userW = (await users()).find(
		(u) =>
			inScope(u) &&
			u.usageLocation === 'AU' &&
			!changed.includes(String(u.id)) &&
			expectContacts([u]).contacts.length === 1 &&
			subscribed.has(String(u.id)),
	) as SeedUser;
	changed.push(String(userW.id));
	// What the older run reads: X renamed, W with a new number (its opt-out check is the hold-up).
	const olderPhone = '+61499555111';
	const newerPhone = '+61499555222';
	await env.admin.updateUser(String(userX.id), { surname: 'Older' });
	await env.admin.updateUser(String(userW.id), { mobilePhone: '0499 555 111' });
	// The older run's opt-out look-up of W's number is held up (30 s or more): each attempt answers after
	// 10 s (below the client's 15 s timeout), the first two with 503 and Retry-After 10 s.
	await env.admin.setFaults({
		rules: [
			{
				service: 'messagemedia',
				method: 'GET',
				path: `is_authorised/.*${olderPhone.slice(1)}`,
				latencyMs: 10_000,
				errorRate: 1,
				errorStatuses: [503],
				retryAfterSeconds: 10,
				maxInjections: 2,
			},
		],
	});
	await d.start();
	await env.admin.resetLog();
	const startedAt = Date.now();
	// The main registers the webhook while it activates published workflows, which may finish after its API answers.
	const post = async () =>
		await waitFor('the webhook to start a run', 60_000, async () => {
			const response = await fetch(`${d.mainServer?.url}/webhook/${OVERLAP_PATH}`, {
				method: 'POST',
			});
			if (response.status === 200) return true;
			if (response.status !== 404)
				throw new Error(
					`webhook answered ${response.status}: ${await response.text()}\n${d.tail()}`,
				);
			return undefined;
		});
	await post();
	// Once the older run has read the directory, the directory changes and the newer run starts.
	await waitFor('the older run to read the directory', 60_000, async () =>
		(await env.admin.log()).some(
			(e) => e.service === 'graph' && e.path.endsWith('/users') && e.status === 200,
		)
			? true
			: undefined,
	);
	await env.admin.updateUser(String(userX.id), { surname: 'Newer' });
	await env.admin.updateUser(String(userW.id), { mobilePhone: '0499 555 222' });
	await post();
	const runs = await waitFor('both runs to finish', 120_000, async () => {
		const runs = executions(services as QueueServices).filter(
			(e) => e.workflowId === OVERLAP_ID && e.startedAt >= startedAt - 1000,
		);
		return runs.length === 2 && runs.every((e) => e.status === 'success') ? runs : undefined;
	});
	await d.stop();
	await env.admin.setFaults({});
	await d.main.unpublish(OVERLAP_ID);

	// The older run's look-up of W's new number was held up; the two runs overlapped, on the two workers.
	const log = await env.admin.log();
	const end = (e: (typeof log)[number]) => Date.parse(e.time);
	const held = log.filter(
		(e) => e.path.includes('is_authorised') && e.path.includes(olderPhone.slice(1)),
	);
	// (The realtime template's poll may look the number up too: it reads the same change.)
	expect(held.filter((e) => e.status === 503)).toHaveLength(2);
	expect(held.filter((e) => e.status === 200).length).toBeGreaterThanOrEqual(1);
	const heldUntil = Math.max(...held.map(end));
	expect(heldUntil - (end(held[0]) - held[0].durationMs)).toBeGreaterThanOrEqual(20_000);
	const [older, newer] = runs;
	expect(newer.startedAt).toBeLessThan(older.stoppedAt as number);
	const ranOn = d.executedBy();
	expect(ranOn.get(older.id)).not.toBe(ranOn.get(newer.id));

	const account = await env.admin.messagemedia(SAMPLE_MM_API_KEY);
	const contactX = actualContacts(account).find((c) => c.link === String(userX.id));
	const contactW = actualContacts(account).find((c) => c.link === String(userW.id));
	expect(contactX?.lastName).toBe('Newer');
	expect(contactW?.phone).toBe(newerPhone);
	expect(linkedAsExpected(account)).toEqual(sortedExpectation(expectContacts(await users())));
	const numbers = account.contacts.map(
		(c) => c.channels.find((ch) => ch.type === 'SMS')?.channelId,
	);
	expect(new Set(numbers).size).toBe(numbers.length);

	// The older run's writes were due after the newer run wrote both contacts: it read them again, found
	// the newer stamp and wrote neither (without the check it would PATCH them back to Older and …111).
	const path = (id?: string) => `/api/v1/contacts/contacts/${id}`;
	for (const id of [contactX?.id, contactW?.id]) {
		expect(
			log.filter((e) => e.method === 'PATCH' && e.path === path(id) && end(e) < heldUntil).length,
		).toBeGreaterThan(0);
		expect(
			log.filter((e) => e.method === 'GET' && e.path === path(id) && end(e) >= heldUntil).length,
		).toBeGreaterThan(0);
		expect(
			log.filter((e) => e.method === 'PATCH' && e.path === path(id) && end(e) >= heldUntil),
		).toEqual([]);
	}
	const records = [contactX, contactW].map(
		(c) =>
			account.contacts
				.find((a) => a.id === c?.id)
				?.customFields.find((f) => f.mergeTag === 'entra_sync_state')?.value,
	);
	for (const record of records) expect(record).toMatch(/;t=\d+$/);
	expect(
		account.contacts.filter((c) => c.channels.some((ch) => ch.channelId === olderPhone)),
	).toEqual([]);
});

test('after a restart of every process the trigger resumes from its stored cursor', async () => {
	const d = deployment as QueueDeployment;
	expect(d.mainServer).toBeUndefined();
	await unpublishOnce(DAILY_ID);
	// Changed while every process is down: a trigger that lost its cursor would start from now and miss it.
	const user = await someUser(changed);
	changed.push(String(user.id));
	await env.admin.updateUser(String(user.id), { mobilePhone: '0499 111 222' });
	await env.admin.resetLog();
	const restartedAt = Date.now();
	await d.start();
	await waitFor(
		'the change made while down to reach MessageMedia',
		2 * POLL_MS + 30_000,
		async () => ((await phoneOf(String(user.id))) === '+61499111222' ? true : undefined),
	);
	// Only the trigger's incremental runs wrote it, on the workers; the daily schedule is gone.
	const since = executions(services as QueueServices).filter(
		(e) => e.startedAt >= restartedAt - 1000,
	);
	expect(since.length).toBeGreaterThan(0);
	expect(since.filter((e) => e.workflowId !== REALTIME_ID)).toEqual([]);
	await waitFor('the runs to be logged by a worker', 30_000, async () =>
		since.every((e) => d.executedBy().has(e.id)) ? true : undefined,
	);
});

test('a change made during a three-poll MessageMedia outage arrives after it ends, without a full run', async () => {
	const d = deployment as QueueDeployment;
	const before = await linked();
	await env.admin.setFaults({
		rules: [{ service: 'messagemedia', errorRate: 1, errorStatuses: [503], retryAfterSeconds: 1 }],
	});
	const outageAt = Date.now();
	const user = await someUser(changed);
	changed.push(String(user.id));
	await env.admin.updateUser(String(user.id), { mobilePhone: '0499 333 444' });
	const polls = await deltaPolls();
	await waitFor('three polls during the outage', 3 * POLL_MS + 30_000, async () =>
		(await deltaPolls()) >= polls + 3 ? true : undefined,
	);
	const log = await env.admin.log();
	expect(
		log.filter((e) => e.service === 'messagemedia' && e.status === 503).length,
	).toBeGreaterThan(0);
	await env.admin.setFaults({});
	expect(await phoneOf(String(user.id))).not.toBe('+61499333444');

	const recoveredAt = Date.now();
	await waitFor('the change to arrive after the outage', 2 * POLL_MS + 30_000, async () =>
		(await phoneOf(String(user.id))) === '+61499333444' ? true : undefined,
	);
	const arrivedAfterMs = Date.now() - recoveredAt;
	// Only the trigger's workflow ran (no full run), on the workers; the rest of the account is untouched.
	const since = executions(services as QueueServices).filter((e) => e.startedAt >= outageAt - 1000);
	expect(since.filter((e) => e.workflowId !== REALTIME_ID)).toEqual([]);
	const ranOn = d.executedBy();
	expect(since.filter((e) => !ranOn.has(e.id) && e.stoppedAt)).toEqual([]);
	const after = await linked();
	expect(after.filter((c) => c.sourceId !== String(user.id))).toEqual(
		before.filter((c) => c.sourceId !== String(user.id)),
	);
	expect(arrivedAfterMs).toBeLessThanOrEqual(2 * POLL_MS + 30_000);
});

test("partitioned template: each partition is an execution of its own on either worker; scoped full runs leave the other partition's contacts alone; a mover keeps one contact", async () => {
	const d = deployment as QueueDeployment;
	await d.stop();
	await unpublishOnce(DAILY_ID);
	await d.main.unpublish(REALTIME_ID);
	await d.main.publish(PARTITIONED_ID);
	const mover = (await users()).find(
		(u) =>
			inScope(u) &&
			u.department === 'Sales' &&
			!changed.includes(String(u.id)) &&
			expectContacts([u]).contacts.length === 1,
	) as SeedUser;
	const moverContact = actualContacts(await env.admin.messagemedia(SAMPLE_MM_API_KEY)).find(
		(c) => c.link === String(mover.id),
	);
	expect(moverContact?.lists).toEqual(['Sales']);
	await env.admin.updateUser(String(mover.id), { department: 'Support' });
	await env.admin.resetLog();
	const startedAt = Date.now();
	// The parent waits in a worker while its partitions run: two jobs per worker.
	await d.start({ concurrency: 2 });
	// Two rounds: the first takes the contacts over into the partitions' scopes, the second finds each
	// partition's contacts owned by the other scope and must leave them alone.
	const runs = await waitFor('two rounds of partition runs', 180_000, async () => {
		const runs = executions(services as QueueServices).filter(
			(e) => e.workflowId === PARTITIONED_ID && e.startedAt >= startedAt - 1000,
		);
		const done = runs.filter((e) => e.status === 'success');
		return done.filter((e) => e.mode === 'webhook').length >= 4 && done.length === runs.length
			? runs
			: undefined;
	});
	// Only key holders start a partition: a request without the key is refused.
	const refused = await fetch(`${d.mainServer?.url}/webhook/entra-sync-partition`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: '{"partition":"Sales"}',
	});
	expect(refused.status).toBe(403);
	await d.stop();
	// The parents (schedule) and the partitions (webhook requests the main put on the queue) all ran on
	// workers, and the partitions on both of them.
	const ranOn = d.executedBy();
	expect(runs.filter((e) => !ranOn.has(e.id))).toEqual([]);
	const partitions = runs.filter((e) => e.mode === 'webhook');
	expect(runs.filter((e) => e.mode === 'trigger').length).toBeGreaterThanOrEqual(2);
	expect(new Set(partitions.map((e) => ranOn.get(e.id))).size).toBe(2);
	// Partitions of one round ran side by side.
	expect(
		partitions.some((a) =>
			partitions.some(
				(b) =>
					a.id !== b.id &&
					a.startedAt < (b.stoppedAt as number) &&
					b.startedAt < (a.stoppedAt as number),
			),
		),
	).toBe(true);

	// The end state is the unpartitioned sync's: the contacts the directory calls for, no DELETE.
	const account = await env.admin.messagemedia(SAMPLE_MM_API_KEY);
	expect(linkedAsExpected(account)).toEqual(sortedExpectation(expectContacts(await users())));
	const log = await env.admin.log();
	expect(log.filter((e) => e.service === 'messagemedia' && e.method === 'DELETE')).toEqual([]);
	const after = actualContacts(account).find((c) => c.link === String(mover.id));
	expect(after?.id).toBe(moverContact?.id);
	expect(after?.lists).toEqual(['Support']);
	// Every linked contact is owned by one of the two partition scopes.
	const states = account.contacts
		.map((c) => c.customFields.find((f) => f.mergeTag === 'entra_sync_state')?.value)
		.filter((v): v is string => v !== undefined);
	const scopes = new Set(states.map((v) => /;o=([0-9a-f]{8})/.exec(v)?.[1]));
	expect([...scopes].filter((s) => s === undefined)).toEqual([]);
	expect(scopes.size).toBe(2);
});

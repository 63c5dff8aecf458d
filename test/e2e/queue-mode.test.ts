/**
 * Queue mode: one n8n main and two workers on a private PostgreSQL and Redis (scripts/queue-services.sh),
 * the package installed in each process's user folder as README "Queue mode and large directories"
 * tells. One deployment, three stories, in order (they share the directory and the account):
 *
 * 1. the daily template, on a 10-second schedule with MessageMedia slowed down, runs on the workers;
 *    runs overlap (two workers, no per-workflow lock) and end in the state one run reaches: the
 *    contacts the directory calls for, no duplicate;
 * 2. every process restarts (the daily schedule unpublished meanwhile) and a change made while all
 *    was down arrives through the realtime template's trigger: its delta cursor survived;
 * 3. MessageMedia answers 503 for three polls; a change made during the outage arrives after it
 *    ends, without a full run (the trigger's replay window);
 * 4. the partitioned template (Sales and Support, each its own sync scope) takes the account over:
 *    each partition's full run leaves the other's contacts alone, and a user who moved from one
 *    partition to the other keeps their contact.
 */
import { SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_MM_API_KEY, SAMPLE_MM_API_SECRET, SAMPLE_TENANT_ID, generateSampleOrg } from '../fakes/sample-org';
import type { SeedUser } from '../fakes/types';
import { e2eConfig } from './support/config';
import { actualContacts, expectContacts, inScope, linkedAsExpected, sortedExpectation } from './support/expected';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import type { Json } from './support/n8n';
import { QueueDeployment, executions, startQueueServices, stopQueueServices, type QueueServices } from './support/queue';
import { DAILY, REALTIME, fakeCredentials, loadTemplate, withCredentials } from './support/workflows';

const DAILY_ID = 'queueDaily000001';
const REALTIME_ID = 'queueRealtime001';
const PARTITIONED_ID = 'queuePartitions1';
const PARTITIONED_FILE = 'entra-sync-partitioned.json';
const POLL_MS = 60_000;

function everySeconds(workflow: Json, seconds: number): Json {
	const schedule = (workflow.nodes as Json[]).find((node) => node.type === 'n8n-nodes-base.scheduleTrigger') as Json;
	schedule.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: seconds }] } };
	return workflow;
}

let env: E2eFakes;
let services: QueueServices | undefined;
let deployment: QueueDeployment | undefined;
/** Users the tests changed (each test picks another). */
const changed: string[] = [];
/** Ids of the contacts the account had before the first run. */
let contactsBefore: string[] = [];

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${deployment?.tail()}`);
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
	return (await env.admin.log()).filter((e) => e.service === 'graph' && e.path.endsWith('/users/delta') && e.status === 200).length;
}

/** An in-scope Australian user with exactly one expected contact, not in `except`. */
async function someUser(except: string[]): Promise<SeedUser> {
	return (await users()).find((u) => inScope(u) && u.usageLocation === 'AU' && !except.includes(String(u.id)) && expectContacts([u]).contacts.length === 1) as SeedUser;
}

async function phoneOf(id: string): Promise<string | undefined> {
	return (await linked()).find((c) => c.sourceId === id)?.phone;
}

beforeAll(async () => {
	env = await startE2eFakes({ seed: generateSampleOrg() });
	services = startQueueServices();
	deployment = new QueueDeployment(services, env.fakes.caFile, 2);
	const credentials = fakeCredentials(
		env.fakes.url,
		{ tenantId: SAMPLE_TENANT_ID, clientId: SAMPLE_CLIENT_ID, clientSecret: SAMPLE_CLIENT_SECRET },
		{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
		{ entra: 'entraSecretCred001', messagemedia: 'messageMediaCred01' },
	);
	const root = e2eConfig().projectRoot;
	// The daily and partitioned templates as published, their schedules shortened to fit the test.
	const daily = everySeconds(withCredentials(loadTemplate(root, DAILY.file), DAILY_ID, credentials), 10);
	const partitioned = everySeconds(withCredentials(loadTemplate(root, PARTITIONED_FILE), PARTITIONED_ID, credentials), 20);
	await deployment.main.importCredentials(credentials);
	await deployment.main.importWorkflows([daily, withCredentials(loadTemplate(root, REALTIME.file), REALTIME_ID, credentials), partitioned]);
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

test('overlapping runs of the daily template on two workers end in the directory\'s state, without a duplicate', async () => {
	const d = deployment as QueueDeployment;
	const overlapping = await waitFor('two overlapping daily runs', 180_000, async () => {
		const runs = executions(services as QueueServices).filter((e) => e.workflowId === DAILY_ID && e.status === 'success' && e.stoppedAt);
		for (const a of runs) for (const b of runs) if (Number(a.id) < Number(b.id) && b.startedAt < (a.stoppedAt as number)) return [a, b];
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
	const numbers = account.contacts.map((c) => c.channels.find((ch) => ch.type === 'SMS')?.channelId);
	expect(new Set(numbers).size).toBe(numbers.length);
});

test('after a restart of every process the trigger resumes from its stored cursor', async () => {
	const d = deployment as QueueDeployment;
	expect(d.mainServer).toBeUndefined();
	await d.main.unpublish(DAILY_ID);
	// Changed while every process is down: a trigger that lost its cursor would start from now and miss it.
	const user = await someUser(changed);
	changed.push(String(user.id));
	await env.admin.updateUser(String(user.id), { mobilePhone: '0499 111 222' });
	await env.admin.resetLog();
	const restartedAt = Date.now();
	await d.start();
	await waitFor('the change made while down to reach MessageMedia', 2 * POLL_MS + 30_000, async () =>
		(await phoneOf(String(user.id))) === '+61499111222' ? true : undefined,
	);
	// Only the trigger's incremental runs wrote it, on the workers; the daily schedule is gone.
	const since = executions(services as QueueServices).filter((e) => e.startedAt >= restartedAt - 1000);
	expect(since.length).toBeGreaterThan(0);
	expect(since.filter((e) => e.workflowId !== REALTIME_ID)).toEqual([]);
	await waitFor('the runs to be logged by a worker', 30_000, async () => (since.every((e) => d.executedBy().has(e.id)) ? true : undefined));
});

test('a change made during a three-poll MessageMedia outage arrives after it ends, without a full run', async () => {
	const d = deployment as QueueDeployment;
	const before = await linked();
	await env.admin.setFaults({ rules: [{ service: 'messagemedia', errorRate: 1, errorStatuses: [503], retryAfterSeconds: 1 }] });
	const outageAt = Date.now();
	const user = await someUser(changed);
	changed.push(String(user.id));
	await env.admin.updateUser(String(user.id), { mobilePhone: '0499 333 444' });
	const polls = await deltaPolls();
	await waitFor('three polls during the outage', 3 * POLL_MS + 30_000, async () => ((await deltaPolls()) >= polls + 3 ? true : undefined));
	const log = await env.admin.log();
	expect(log.filter((e) => e.service === 'messagemedia' && e.status === 503).length).toBeGreaterThan(0);
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
	expect(after.filter((c) => c.sourceId !== String(user.id))).toEqual(before.filter((c) => c.sourceId !== String(user.id)));
	expect(arrivedAfterMs).toBeLessThanOrEqual(2 * POLL_MS + 30_000);
});

test('partitioned template: each scoped full run leaves the other partition\'s contacts alone; a mover keeps one contact', async () => {
	const d = deployment as QueueDeployment;
	await d.stop();
	await d.main.unpublish(REALTIME_ID);
	await d.main.publish(PARTITIONED_ID);
	const mover = (await users()).find((u) => inScope(u) && u.department === 'Sales' && !changed.includes(String(u.id)) && expectContacts([u]).contacts.length === 1) as SeedUser;
	const moverContact = actualContacts(await env.admin.messagemedia(SAMPLE_MM_API_KEY)).find((c) => c.link === String(mover.id));
	expect(moverContact?.lists).toEqual(['Sales']);
	await env.admin.updateUser(String(mover.id), { department: 'Support' });
	await env.admin.resetLog();
	const startedAt = Date.now();
	await d.start();
	// Two rounds: the first takes the contacts over into the partitions' scopes, the second finds each
	// partition's contacts owned by the other scope and must leave them alone.
	const runs = await waitFor('two rounds of partition runs', 120_000, async () => {
		const runs = executions(services as QueueServices).filter((e) => e.workflowId === PARTITIONED_ID && e.startedAt >= startedAt - 1000);
		const done = runs.filter((e) => e.status === 'success');
		return done.length >= 6 && done.length === runs.length ? runs : undefined;
	});
	await d.stop();
	// The parent runs are jobs the workers took; each partition is an execution of its own.
	const ranOn = d.executedBy();
	expect(runs.filter((e) => ranOn.has(e.id)).length).toBeGreaterThanOrEqual(2);
	expect(runs.filter((e) => !ranOn.has(e.id)).length).toBeGreaterThanOrEqual(4);

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

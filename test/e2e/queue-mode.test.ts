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
 *    ends, without a full run (the trigger's replay window).
 */
import { SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_MM_API_KEY, SAMPLE_MM_API_SECRET, SAMPLE_TENANT_ID, generateSampleOrg } from '../fakes/sample-org';
import type { SeedUser } from '../fakes/types';
import { e2eConfig } from './support/config';
import { expectContacts, inScope, linkedAsExpected, sortedExpectation } from './support/expected';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import type { Json } from './support/n8n';
import { QueueDeployment, executions, startQueueServices, stopQueueServices, type QueueServices } from './support/queue';
import { DAILY, REALTIME, fakeCredentials, loadTemplate, withCredentials } from './support/workflows';

const DAILY_ID = 'queueDaily000001';
const REALTIME_ID = 'queueRealtime001';
const POLL_MS = 60_000;

let env: E2eFakes;
let services: QueueServices | undefined;
let deployment: QueueDeployment | undefined;
/** Users the tests changed (each test picks another). */
const changed: string[] = [];

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
	const daily = withCredentials(loadTemplate(root, DAILY.file), DAILY_ID, credentials);
	// The daily template as published, its schedule shortened so that runs overlap within the test.
	const schedule = (daily.nodes as Json[]).find((node) => node.type === 'n8n-nodes-base.scheduleTrigger') as Json;
	schedule.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: 10 }] } };
	await deployment.main.importCredentials(credentials);
	await deployment.main.importWorkflows([daily, withCredentials(loadTemplate(root, REALTIME.file), REALTIME_ID, credentials)]);
	await deployment.main.publish(DAILY_ID);
	await deployment.main.publish(REALTIME_ID);
	await deployment.start();
});

afterAll(async () => {
	await deployment?.stop();
	stopQueueServices(services);
	await env?.fakes.close();
});

test('overlapping runs of the daily template on two workers end in the directory\'s state, without a duplicate', async () => {
	const d = deployment as QueueDeployment;
	// Slow MessageMedia down: a run takes longer than the 10-second schedule, so runs overlap.
	await env.admin.setFaults({ rules: [{ service: 'messagemedia', latencyMs: 400 }] });
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
	expect(new Set(daily.map((e) => ranOn.get(e.id))).size).toBe(2);
	expect(overlapping[0].id).not.toBe(overlapping[1].id);

	// The end state of one run: exactly the expected contacts, one per number, nothing else.
	const expected = sortedExpectation(expectContacts(await users()));
	const account = await env.admin.messagemedia(SAMPLE_MM_API_KEY);
	expect(linkedAsExpected(account)).toEqual(expected);
	expect(account.contacts).toHaveLength(expected.length);
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

/**
 * The daily template (as shipped) in the pinned real n8n against a MessageMedia account limited to a
 * few requests per second (the fakes' token bucket, 429 with Retry-After beyond it) with 20 ms latency:
 * the sync finds the rate while running, honours Retry-After, stays under its ceiling, and every
 * contact ends right; the summary says what concurrency it reached and how often it was throttled.
 */
import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
	generateSampleOrg,
} from '../fakes/sample-org';
import type { RequestLogEntry, SeedUser } from '../fakes/types';
import { e2eConfig } from './support/config';
import { expectContacts, linkedAsExpected, sortedExpectation } from './support/expected';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import { describeExecution, N8n, nodeOutput } from './support/n8n';
import { DAILY, fakeCredentials, loadTemplate, withCredentials } from './support/workflows';

const WORKFLOW_ID = 'entraSyncLimited01';
const IDS = { entra: 'entraRateCred00001', messagemedia: 'messageMediaRate01' };
const RATE = 8;

let env: E2eFakes;
let n8n: N8n;

beforeAll(async () => {
	const seed = generateSampleOrg();
	env = await startE2eFakes({
		seed,
		messageMediaRateLimit: RATE,
		faults: { rules: [{ service: 'messagemedia', latencyMs: 20 }] },
	});
	n8n = N8n.forTest('ratelimit', env.fakes.caFile);
	const credentials = fakeCredentials(
		env.fakes.url,
		{ tenantId: SAMPLE_TENANT_ID, clientId: SAMPLE_CLIENT_ID, clientSecret: SAMPLE_CLIENT_SECRET },
		{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
		IDS,
	);
	await n8n.importCredentials(credentials);
	await n8n.importWorkflows([
		withCredentials(loadTemplate(e2eConfig().projectRoot, DAILY.file), WORKFLOW_ID, credentials),
	]);
});

afterAll(async () => {
	await env?.fakes.close();
});

/** When the fake received a request: its log time is when it answered. */
const arrival = (entry: RequestLogEntry): number => Date.parse(entry.time) - entry.durationMs;

test(`an initial sync against a MessageMedia limited to ${RATE} requests/s: throttled, paced, complete`, async () => {
	const result = await n8n.execute(WORKFLOW_ID);
	if (result.status !== 'success')
		throw new Error(`the workflow did not succeed:\n${describeExecution(result)}`);
	const [summary] = nodeOutput(result, DAILY.sync, 1);
	const counts = summary.counts as Record<string, number>;
	const concurrency = summary.concurrency as Record<string, number>;

	// Every contact the directory calls for, none failed.
	const state = await env.admin.state();
	const users: SeedUser[] =
		state.tenants?.find((tenant) => tenant.id === SAMPLE_TENANT_ID)?.users ?? [];
	const expected = sortedExpectation(expectContacts(users));
	expect(linkedAsExpected(await env.admin.messagemedia(SAMPLE_MM_API_KEY))).toEqual(expected);
	expect(counts.failed).toBe(0);
	expect(counts.conflict).toBe(0);
	expect(counts.created + counts.adopted).toBe(expected.length);

	// The account's limit was hit, and the summary says so.
	const log = (await env.admin.log()).filter((entry) => entry.service === 'messagemedia');
	const refused = log.filter((entry) => entry.status === 429);
	expect(refused.length).toBeGreaterThan(0);
	expect(refused.every((entry) => entry.fault === 'rateLimit')).toBe(true);
	expect(concurrency.throttled).toBe(refused.length);
	expect(concurrency.ceiling).toBe(20);
	expect(concurrency.reached).toBeGreaterThanOrEqual(1);
	expect(concurrency.reached).toBeLessThanOrEqual(concurrency.ceiling);
	expect(concurrency.final).toBeLessThan(concurrency.ceiling);

	// Retry-After (1 s) honoured: after a 429, nothing new arrives until the pause is over (requests
	// already on their way arrive within a few ms; 150 ms of slack for a busy host).
	for (const entry of refused) {
		const answered = Date.parse(entry.time);
		const early = log.filter(
			(other) => arrival(other) > answered + 150 && arrival(other) < answered + 900,
		);
		expect(early.map((other) => `${other.method} ${other.path} ${other.time}`)).toEqual([]);
	}
	// Paced to the limit: over the whole run, not much above RATE answered requests per second.
	const answered = log.filter((entry) => entry.status !== 429);
	const seconds = (Date.parse(log.at(-1)!.time) - arrival(log[0])) / 1000;
	expect(answered.length / seconds).toBeLessThanOrEqual(RATE * 1.5);
	expect(refused.length / log.length).toBeLessThan(0.25);
});

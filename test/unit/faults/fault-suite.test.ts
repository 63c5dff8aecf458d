/**
 * Fault suite: a 2,000-user directory synced to an empty MessageMedia account under seeded
 * random faults on both services — 10 % 429 with Retry-After, 3 % 5xx, 1 % connection resets — plus
 * one access-token expiry in the middle of the directory read and one expired delta token, over 5
 * seeds. The end state must equal the end state of the same run without faults: no contact lost, none
 * duplicated, and every failure either retried to success or reported on its item.
 *
 * The engine is the one the template's nodes run (see pipeline.ts); only retry waits are shortened
 * (recorded first, so the test can check that Retry-After was honoured).
 */
import { generateSampleOrg } from '../../fakes/sample-org';
import type { RunningFakes } from '../../fakes/server';
import type { FakeSeed, FaultConfig, RequestLogEntry } from '../../fakes/types';
import { startTrustedFakes } from '../fakes/helpers';
import {
	connect,
	duplicates,
	endState,
	mapUsers,
	readAfterDeltaExpiry,
	syncContacts,
	SAMPLE_ACCOUNTS,
	type EndState,
} from './pipeline';

jest.setTimeout(600_000);

const USERS = 2000;
const SEEDS = [1, 2, 3, 4, 5];
/** Reruns allowed after a run that reported failed items (the next scheduled run). */
const MAX_RERUNS = 2;
const RETRY_AFTER_SECONDS = 1;
/** The Graph request (of ~200 in the read) on which every access token issued so far expires: mid-read. */
const TOKEN_EXPIRES_ON_REQUEST = 100;

function faults(seed: number): FaultConfig {
	const rule = {
		throttleRate: 0.1,
		retryAfterSeconds: RETRY_AFTER_SECONDS,
		errorRate: 0.03,
		errorStatuses: [502, 503, 504],
		resetRate: 0.01,
	};
	return {
		seed,
		rules: [
			{ service: 'graph', ...rule },
			{ service: 'messagemedia', ...rule },
		],
	};
}

interface RunReport {
	state: EndState;
	fullResync: boolean;
	resyncReason?: string;
	upserts: string[];
	/** Items reported failed, per pass (every one with an error message). */
	failedPerPass: Array<Array<{ sourceId: string; message: string }>>;
	/** Outcome actions of the last pass by source id. */
	finalActions: Map<string, string>;
	/** Outcomes of the last pass that report without writing, each with its reason. */
	reported: Array<{ sourceId: string; action: string; reason?: string }>;
	log: RequestLogEntry[];
	tokenRefreshes: number;
	waits: number[];
	graphRetries: number;
	messageMediaRetries: number;
}

let fakes: RunningFakes;
let seed: FakeSeed;
let reference: RunReport;
const reports = new Map<number, RunReport>();

/** One scheduled run of the template's engine, rerun while items are reported failed. */
async function run(faultConfig: FaultConfig | undefined): Promise<RunReport> {
	fakes.state.load(structuredClone(seed));
	fakes.state.log.reset();
	fakes.state.setFaults(faultConfig ?? {});
	const connections = connect(fakes, SAMPLE_ACCOUNTS, {
		expireTokenOnRequest: faultConfig ? TOKEN_EXPIRES_ON_REQUEST : undefined,
	});
	const { read } = await readAfterDeltaExpiry(fakes, connections.graph);
	const mapped = mapUsers([...read.users, ...read.removed]);

	const failedPerPass: RunReport['failedPerPass'] = [];
	let finalActions = new Map<string, string>();
	let reported: RunReport['reported'] = [];
	for (let pass = 0; pass <= MAX_RERUNS; pass++) {
		const result = await syncContacts(connections, mapped.jsons);
		expect(result.guardFailure).toBeUndefined();
		const failed = result.outcomes.filter((outcome) => outcome.action === 'failed');
		failedPerPass.push(
			failed.map((outcome) => ({
				sourceId: outcome.sourceId,
				message: outcome.error?.message ?? '',
			})),
		);
		finalActions = new Map(result.outcomes.map((outcome) => [outcome.sourceId, outcome.action]));
		reported = result.outcomes
			.filter((outcome) => ['skipped', 'rejected', 'conflict'].includes(outcome.action))
			.map((outcome) => ({
				sourceId: outcome.sourceId,
				action: outcome.action,
				reason: outcome.reason,
			}));
		if (failed.length === 0) break;
	}
	return {
		state: endState(fakes, SAMPLE_ACCOUNTS.apiKey),
		fullResync: read.fullResync,
		resyncReason: read.resyncReason,
		upserts: mapped.upserts,
		failedPerPass,
		finalActions,
		reported,
		log: [...fakes.state.log.entries],
		tokenRefreshes: connections.graph.counters.tokenRefreshes,
		waits: connections.waits.requested,
		graphRetries: connections.graph.counters.retries,
		messageMediaRetries: connections.client.stats.retries,
	};
}

beforeAll(async () => {
	seed = generateSampleOrg({ userCount: USERS });
	// Small delta pages: ~200 Graph requests per read, so Graph gets its share of every kind of fault.
	fakes = await startTrustedFakes({ seed, deltaPageSize: 10 });
	reference = await run(undefined);
});

afterAll(async () => {
	await fakes?.close();
});

describe('the no-fault reference run', () => {
	it('syncs the 2,000-user directory: one linked contact per mapped user, nothing failed', () => {
		expect(reference.fullResync).toBe(true);
		expect(reference.failedPerPass).toEqual([[]]);
		const linked = reference.state.contacts.filter((contact) => contact.link !== '');
		// Users in scope with usable data: the template scope (Sales, Support) of a 2,000-user org (users
		// whose only number is a desk line are rejected: SMS cannot reach a fixed line).
		expect(reference.upserts.length).toBeGreaterThan(400);
		// Every upsert has its contact, except a user whose shared number belongs to a colleague (conflict).
		const conflicts = [...reference.finalActions]
			.filter(([, action]) => action === 'conflict')
			.map(([id]) => id);
		expect(linked.map((contact) => contact.link).sort()).toEqual(
			reference.upserts.filter((id) => !conflicts.includes(id)).sort(),
		);
		expect(reference.log.filter((entry) => entry.fault !== undefined)).toEqual([]);
	});
});

describe.each(SEEDS)('fault seed %i', (faultSeed) => {
	let report: RunReport;

	beforeAll(async () => {
		report = await run(faults(faultSeed));
		reports.set(faultSeed, report);
	});

	it('injected faults on both services, one token expiry and one delta-token expiry', () => {
		for (const service of ['graph', 'messagemedia'] as const) {
			const injected = report.log.filter(
				(entry) => entry.service === service && entry.fault !== undefined,
			);
			expect({ service, faults: injected.length > 0 }).toEqual({ service, faults: true });
		}
		// One access-token expiry mid-read: exactly one 401, one forced refresh, and the read went on.
		const unauthorized = report.log.filter(
			(entry) => entry.service === 'graph' && entry.status === 401,
		);
		expect(unauthorized).toHaveLength(1);
		expect(report.tokenRefreshes).toBe(1);
		const tokenRequests = report.log.filter(
			(entry) => entry.service === 'token' && entry.status === 200,
		);
		expect(tokenRequests).toHaveLength(2);
		// One delta-token expiry: the stored link was refused and the read fell back to a full read.
		expect(report.fullResync).toBe(true);
		expect(report.resyncReason).toMatch(/syncStateNotFound/);
		expect(
			report.log.some(
				(entry) =>
					entry.service === 'graph' && entry.status === 400 && entry.path.endsWith('/users/delta'),
			),
		).toBe(true);
	});

	it('honoured Retry-After on every 429', () => {
		const throttles = report.log.filter((entry) => entry.fault === 'throttle').length;
		expect(throttles).toBeGreaterThan(0);
		// Each 429 carried Retry-After: 1, and each was waited for (creates retried by the sync engine too).
		expect(
			report.waits.filter((ms) => ms === RETRY_AFTER_SECONDS * 1000).length,
		).toBeGreaterThanOrEqual(throttles);
		expect(report.graphRetries + report.messageMediaRetries).toBeGreaterThan(0);
	});

	it('ends in the no-fault end state: 0 contacts lost, 0 duplicated', () => {
		expect(report.state).toEqual(reference.state);
		const linked = report.state.contacts.filter((contact) => contact.link !== '');
		expect(duplicates(linked.map((contact) => contact.link))).toEqual([]);
		expect(duplicates(report.state.contacts.map((contact) => contact.phone))).toEqual([]);
		expect(linked).toHaveLength(
			reference.state.contacts.filter((contact) => contact.link !== '').length,
		);
	});

	it('every failure was retried to success or reported on its item, and a rerun converged', () => {
		// Every injected failure is either absorbed by a retry or shows up as a failed item with a reason.
		for (const pass of report.failedPerPass)
			for (const failure of pass) expect(failure.message).not.toBe('');
		expect(report.failedPerPass.at(-1)).toEqual([]);
		const unexplained = [...report.finalActions].filter(
			([, action]) =>
				!['created', 'adopted', 'unchanged', 'updated', 'skipped', 'rejected', 'conflict'].includes(
					action,
				),
		);
		expect(unexplained).toEqual([]);
		// Outcomes that wrote nothing say why (out-of-scope users without a contact, bad data, a shared number).
		expect(report.reported.filter((outcome) => !outcome.reason)).toEqual([]);
		expect(report.reported).toEqual(reference.reported);
		expect([...report.finalActions].filter(([, a]) => a === 'conflict')).toEqual(
			[...reference.finalActions].filter(([, a]) => a === 'conflict'),
		);
	});
});

test('over the 5 seeds, both services saw every kind of fault: 429, 5xx and connection resets', () => {
	const seen = (service: string, kind: string) =>
		[...reports.values()].some((report) =>
			report.log.some((entry) => entry.service === service && entry.fault === kind),
		);
	for (const service of ['graph', 'messagemedia']) {
		expect({
			service,
			throttle: seen(service, 'throttle'),
			error: seen(service, 'error'),
			reset: seen(service, 'reset'),
		}).toEqual({
			service,
			throttle: true,
			error: true,
			reset: true,
		});
	}
});

afterAll(() => {
	// A line per seed for the CI log: how hard the run was hit and how it recovered.
	const lines = [...reports].map(([faultSeed, report]) => {
		const faultsBy = (kind: string) => report.log.filter((entry) => entry.fault === kind).length;
		return `seed ${faultSeed}: ${report.log.length} requests, ${faultsBy('throttle')} × 429, ${faultsBy('error')} × 5xx, ${faultsBy('reset')} resets; failed items per pass ${report.failedPerPass.map((p) => p.length).join(' → ')}`;
	});
	if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
});

/**
 * A single transient gateway error on one Graph page must not fail a whole directory read: every
 * 5xx that gateways answer while Graph is unhealthy (502, 503, 504) is retried like MessageMedia's,
 * with Retry-After honoured when given.
 */
import { generateSampleOrg } from '../../fakes/sample-org';
import type { RunningFakes } from '../../fakes/server';
import { readUserDelta } from '../../../lib/entra/delta';
import { listUsers } from '../../../lib/entra/users';
import { startTrustedFakes } from '../fakes/helpers';
import { SAMPLE_ACCOUNTS, SELECT, connect } from './pipeline';

let fakes: RunningFakes;

beforeAll(async () => {
	fakes = await startTrustedFakes({
		seed: generateSampleOrg({ userCount: 300 }),
		deltaPageSize: 50,
	});
});

afterAll(async () => {
	await fakes?.close();
});

describe.each([502, 503, 504])('Graph answering %i once', (status) => {
	beforeEach(() => {
		fakes.state.log.reset();
		// The first Graph request fails once with this status.
		fakes.state.setFaults({
			seed: 7,
			rules: [{ service: 'graph', errorRate: 1, errorStatuses: [status], maxInjections: 1 }],
		});
	});

	afterEach(() => fakes.state.setFaults({}));

	it('a paged user read retries the page and returns every user', async () => {
		const { graph } = connect(fakes, SAMPLE_ACCOUNTS);
		const users = await listUsers(graph, { select: SELECT });
		expect(users).toHaveLength(303);
		expect(
			fakes.state.log.entries
				.filter((entry) => entry.fault === 'error')
				.map((entry) => entry.status),
		).toEqual([status]);
		expect(graph.counters.retries).toBe(1);
	});

	it('a delta round retries the page and ends with a delta link', async () => {
		const { graph } = connect(fakes, SAMPLE_ACCOUNTS);
		const round = await readUserDelta(graph, { select: SELECT });
		expect(round.users).toHaveLength(303);
		expect(round.deltaLink).toMatch(/\$deltatoken=/);
		expect(graph.counters.retries).toBe(1);
	});
});

import { FaultInjector } from '../../fakes/faults';
import type { RunningFakes } from '../../fakes/server';
import type { FaultConfig } from '../../fakes/types';
import { basicAuth, call, startTrustedFakes } from './helpers';

const KEY = 'DUMMYFAULTKEY0000001';
const SECRET = 'DUMMYFAULTSECRET00000000000001';
const seed = { messagemedia: { accounts: [{ apiKey: KEY, apiSecret: SECRET }] } };

async function statuses(fakes: RunningFakes, n: number, method = 'GET'): Promise<number[]> {
	const result: number[] = [];
	for (let i = 0; i < n; i++) {
		const response = await call(
			`${fakes.url}/api/v1/contacts/lists${method === 'GET' ? '?pageSize=1' : ''}`,
			{
				method,
				headers: basicAuth(KEY, SECRET),
				...(method === 'POST' ? { body: { name: `L${i}-${Math.random()}` } } : {}),
			},
		);
		result.push(response.status);
	}
	return result;
}

describe('fault injection', () => {
	it('is deterministic for a seed and differs for another seed', () => {
		const config: FaultConfig = {
			seed: 7,
			rules: [{ service: 'graph', throttleRate: 0.3, errorRate: 0.2, resetRate: 0.1 }],
		};
		const run = (c: FaultConfig) => {
			const injector = new FaultInjector(c);
			return Array.from({ length: 200 }, () => {
				const d = injector.decide('graph', 'GET', '/v1.0/users');
				return d.kind === 'error' ? d.status : d.kind;
			});
		};
		const first = run(config);
		expect(run(config)).toEqual(first);
		expect(run({ ...config, seed: 8 })).not.toEqual(first);
		const counts = first.reduce<Record<string, number>>(
			(acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }),
			{},
		);
		expect(counts.throttle).toBeGreaterThan(35);
		expect(counts.throttle).toBeLessThan(85);
		expect(counts.reset).toBeGreaterThan(5);
		expect((counts[503] ?? 0) + (counts[502] ?? 0) + (counts[504] ?? 0)).toBeGreaterThan(20);
		expect(
			new FaultInjector(config).decide('messagemedia', 'GET', '/api/v1/contacts/contacts').kind,
		).toBe('none');
	});

	it('the same seed gives the same 429/5xx sequence through the server, with Retry-After', async () => {
		const faults: FaultConfig = {
			seed: 42,
			rules: [
				{
					service: 'messagemedia',
					throttleRate: 0.3,
					retryAfterSeconds: 7,
					errorRate: 0.2,
					errorStatuses: [503],
				},
			],
		};
		const runs: number[][] = [];
		for (let i = 0; i < 2; i++) {
			const fakes = await startTrustedFakes({ seed, faults });
			runs.push(await statuses(fakes, 30));
			const throttled = fakes.state.log.entries.find((e) => e.status === 429);
			expect(throttled?.fault).toBe('throttle');
			const again = await call(`${fakes.url}/_admin/log`);
			expect(again.json.counts.messagemedia.GET).toBe(30);
			await fakes.close();
		}
		expect(runs[1]).toEqual(runs[0]);
		expect(runs[0]).toContain(429);
		expect(runs[0]).toContain(503);
		expect(runs[0]).toContain(200);

		const fakes = await startTrustedFakes({
			seed,
			faults: {
				seed: 1,
				rules: [{ service: 'messagemedia', throttleRate: 1, retryAfterSeconds: 7 }],
			},
		});
		const throttled = await call(`${fakes.url}/api/v1/contacts/lists`, {
			headers: basicAuth(KEY, SECRET),
		});
		expect(throttled.status).toBe(429);
		expect(throttled.headers.get('retry-after')).toBe('7');
		await fakes.close();
	});

	it('rules can target one method; maxInjections and afterRequests bound them; PUT /_admin/faults changes them', async () => {
		const fakes = await startTrustedFakes({
			seed,
			faults: {
				rules: [
					{
						service: 'messagemedia',
						method: 'POST',
						errorRate: 1,
						errorStatuses: [502],
						maxInjections: 2,
					},
				],
			},
		});
		expect(await statuses(fakes, 2, 'GET')).toEqual([200, 200]);
		expect(await statuses(fakes, 3, 'POST')).toEqual([502, 502, 201]);
		const put = await call(`${fakes.url}/_admin/faults`, {
			method: 'PUT',
			body: { rules: [{ service: 'messagemedia', throttleRate: 1, afterRequests: 1 }] },
		});
		expect(put.status).toBe(200);
		expect(await statuses(fakes, 3)).toEqual([200, 429, 429]);
		await fakes.close();
	});

	it('injects latency and connection resets', async () => {
		const fakes = await startTrustedFakes({
			seed,
			faults: {
				rules: [
					{ service: 'messagemedia', method: 'GET', latencyMs: 150 },
					{ service: 'messagemedia', resetRate: 1 },
				],
			},
		});
		const started = Date.now();
		expect(await statuses(fakes, 1)).toEqual([200]);
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		await expect(
			call(`${fakes.url}/api/v1/contacts/lists`, {
				method: 'POST',
				headers: basicAuth(KEY, SECRET),
				body: { name: 'x' },
			}),
		).rejects.toThrow();
		expect(fakes.state.log.entries.map((e) => e.fault)).toEqual(['latency', 'reset']);
		await fakes.close();
	});

	it('graph and token faults use the services’ own error shapes', async () => {
		const fakes = await startTrustedFakes({
			seed: {
				tenants: [
					{
						id: '44444444-2222-4333-8444-555555555555',
						apps: [{ clientId: 'aaaaaaaa-0000-4000-8000-0000000000ff', secret: 'x' }],
					},
				],
			},
			faults: {
				rules: [
					{ service: 'graph', errorRate: 1, errorStatuses: [503], retryAfterSeconds: 3 },
					{ service: 'token', throttleRate: 1 },
				],
			},
		});
		const graph = await call(`${fakes.url}/v1.0/users`);
		expect(graph.status).toBe(503);
		expect(graph.headers.get('retry-after')).toBe('3');
		expect(graph.json.error.code).toBe('serviceNotAvailable');
		const token = await call(
			`${fakes.url}/44444444-2222-4333-8444-555555555555/oauth2/v2.0/token`,
			{
				method: 'POST',
				body: 'grant_type=client_credentials',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
			},
		);
		expect(token.status).toBe(429);
		expect(token.json.error).toBe('temporarily_unavailable');
		await fakes.close();
	});
});

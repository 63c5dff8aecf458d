import { parseArgs } from '../../fakes/cli';
import { TokenBucketRateLimit } from '../../fakes/rate-limit';
import { basicAuth, call, startTrustedFakes } from './helpers';

const KEY = 'DUMMYRATEKEY00000001';
const SECRET = 'DUMMYRATESECRET000000000000001';
const OTHER = 'DUMMYRATEKEY00000002';

describe('the fake MessageMedia rate limit (token bucket per account)', () => {
	it('lets a second worth of requests through, then refuses with the wait until the next token', () => {
		let clock = 0;
		let rate = 4;
		const bucket = new TokenBucketRateLimit(
			() => rate,
			() => clock,
		);
		expect([1, 2, 3, 4].map(() => bucket.take('a').allowed)).toEqual([true, true, true, true]);
		expect(bucket.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
		// another account has its own bucket
		expect(bucket.take('b').allowed).toBe(true);
		// a refill of 250 ms is one token at 4/s, no more
		clock += 250;
		expect(bucket.take('a').allowed).toBe(true);
		expect(bucket.take('a').allowed).toBe(false);
		// a long idle time fills the bucket only up to one second's worth
		clock += 60_000;
		expect(Array.from({ length: 6 }, () => bucket.take('a').allowed)).toEqual([
			true,
			true,
			true,
			true,
			false,
			false,
		]);
		// Retry-After is whole seconds: at 0.5/s the next token is 2 s away
		rate = 0.5;
		expect(bucket.take('c').allowed).toBe(true);
		expect(bucket.take('c')).toEqual({ allowed: false, retryAfterSeconds: 2 });
		// 0 = no limit
		rate = 0;
		expect(Array.from({ length: 100 }, () => bucket.take('a').allowed).every(Boolean)).toBe(true);
	});

	it('answers 429 with Retry-After over HTTP, logs it as rateLimit, and can be changed through the admin API', async () => {
		const fakes = await startTrustedFakes({
			seed: {
				messagemedia: {
					accounts: [
						{ apiKey: KEY, apiSecret: SECRET },
						{ apiKey: OTHER, apiSecret: SECRET },
					],
				},
			},
			messageMediaRateLimit: 3,
		});
		const get = async (key = KEY) =>
			await call(`${fakes.url}/api/v1/contacts/lists?pageSize=1`, {
				headers: basicAuth(key, SECRET),
			});
		await get(); // the first request loads the OpenAPI description; the bucket is full again after it
		await new Promise((resolve) => setTimeout(resolve, 1000));
		const answers = await Promise.all(Array.from({ length: 8 }, async () => await get()));
		const refused = answers.filter((a) => a.status === 429);
		expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(3);
		expect(refused.length).toBeGreaterThanOrEqual(1);
		expect(refused.every((a) => a.headers.get('retry-after') === '1')).toBe(true);
		expect(
			fakes.state.log.entries.filter((e) => e.status === 429).every((e) => e.fault === 'rateLimit'),
		).toBe(true);
		expect((await get(OTHER)).status).toBe(200);
		fakes.state.updateConfig({ messageMediaRateLimit: 0 });
		expect((await get()).status).toBe(200);
		await fakes.close();
	});

	it('is set on the command line with --messagemedia-rate-limit', () => {
		expect(parseArgs(['--messagemedia-rate-limit', '50'])).toMatchObject({
			messageMediaRateLimit: 50,
		});
		expect(() => parseArgs(['--messagemedia-rate-limit', 'fast'])).toThrow(
			'--messagemedia-rate-limit must be a number of requests per second',
		);
	});
});

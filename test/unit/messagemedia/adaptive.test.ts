import fc from 'fast-check';

import {
	AdaptiveConcurrency,
	MIN_WINDOW,
	type AnswerSignal,
	type Permit,
} from '../../../lib/messagemedia/adaptive';

/** A controller on a hand-moved clock, with pauses that end only when the test says so. */
function controller(ceiling: number) {
	let clock = 0;
	const pauses: Array<{ ms: number; end: () => void }> = [];
	const flow = new AdaptiveConcurrency({
		ceiling,
		now: () => clock,
		sleep: async (ms) => await new Promise<void>((resolve) => pauses.push({ ms, end: resolve })),
	});
	return {
		flow,
		pauses,
		advance: (ms: number) => {
			clock += ms;
		},
	};
}

const ok: AnswerSignal = { kind: 'ok' };

/** One round: take all free slots, answer them all after `latency` ms with `signal`. */
async function round(
	c: ReturnType<typeof controller>,
	latency: number,
	signal: AnswerSignal = ok,
): Promise<number> {
	const permits: Permit[] = [];
	for (let i = 0; i < c.flow.current; i++) permits.push(await c.flow.acquire());
	c.advance(latency);
	for (const permit of permits) c.flow.release(permit, signal);
	return permits.length;
}

describe('AdaptiveConcurrency', () => {
	it('starts at 1 and rises to the ceiling while answers stay fast and unthrottled, never above it', async () => {
		const c = controller(12);
		expect(c.flow.current).toBe(1);
		const levels: number[] = [];
		for (let i = 0; i < 10; i++) levels.push(await round(c, 20));
		// slow start: doubles per round until the ceiling
		expect(levels.slice(0, 5)).toEqual([1, 2, 4, 8, 12]);
		expect(Math.max(...levels)).toBe(12);
		expect(c.flow.report()).toEqual({
			ceiling: 12,
			reached: 12,
			final: 12,
			throttled: 0,
			slowed: 0,
		});
	});

	it('does not rise while the level is not in use (one request at a time proves nothing about more)', async () => {
		const c = controller(20);
		for (let i = 0; i < 50; i++) {
			const permit = await c.flow.acquire();
			c.advance(20);
			c.flow.release(permit, ok);
			// only the first answer filled the window of 1
		}
		expect(c.flow.current).toBe(2);
	});

	it('halves on 429 once per round, then rises by one per window of answers', async () => {
		const c = controller(20);
		for (let i = 0; i < 4; i++) await round(c, 20); // 1, 2, 4, 8 → 16
		expect(c.flow.current).toBe(16);
		await round(c, 20, { kind: 'throttled' }); // 16 answers 429: one cut, not sixteen
		expect(c.flow.current).toBe(8);
		expect(c.flow.report().throttled).toBe(16);
		// Congestion avoidance: +1 per window of max(level, MIN_WINDOW) answers, not a doubling.
		let answers = 0;
		while (c.flow.current === 8) answers += await round(c, 20);
		expect(c.flow.current).toBe(9);
		expect(answers).toBeGreaterThanOrEqual(MIN_WINDOW);
		expect(answers).toBeLessThanOrEqual(MIN_WINDOW + 8);
	});

	it('backs off on answers much slower than the fastest seen, and not on jitter', async () => {
		const c = controller(20);
		for (let i = 0; i < 5; i++) await round(c, 20);
		expect(c.flow.current).toBe(20);
		await round(c, 30); // jitter: 1.5 × and 10 ms over
		expect(c.flow.current).toBe(20);
		for (let i = 0; i < 3; i++) await round(c, 200);
		expect(c.flow.current).toBeLessThan(20);
		expect(c.flow.report().slowed).toBeGreaterThanOrEqual(1);
		expect(c.flow.report().throttled).toBe(0);
	});

	it('honours Retry-After: no new request leaves before the pause ends', async () => {
		const c = controller(4);
		for (let i = 0; i < 3; i++) await round(c, 20);
		const permit = await c.flow.acquire();
		c.flow.release(permit, { kind: 'throttled', retryAfterMs: 3000 });
		expect(c.pauses.map((p) => p.ms)).toEqual([3000]);
		let started = false;
		const next = c.flow.acquire().then((p) => {
			started = true;
			return p;
		});
		await new Promise((resolve) => setImmediate(resolve));
		expect(started).toBe(false);
		// A shorter Retry-After inside the running pause does not start another one.
		c.flow.pauseFor(1000);
		expect(c.pauses).toHaveLength(1);
		c.pauses[0].end();
		c.flow.release(await next, ok);
		expect(started).toBe(true);
	});

	it('never has more requests in flight than the ceiling, nor starts one above the current level', async () => {
		const signal = fc.constantFrom<AnswerSignal>(
			{ kind: 'ok' },
			{ kind: 'throttled' },
			{ kind: 'other' },
		);
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 1, max: 8 }),
				fc.array(
					fc.record({ signal, latency: fc.integer({ min: 1, max: 300 }), answer: fc.nat() }),
					{ maxLength: 150 },
				),
				async (ceiling, steps) => {
					const c = controller(ceiling);
					const inFlight: Permit[] = [];
					const granted: Permit[] = [];
					const worker = () => void c.flow.acquire().then((permit) => granted.push(permit));
					// More workers than the ceiling, as the sync's contact writes.
					for (let i = 0; i < ceiling + 3; i++) worker();
					let peak = 0;
					for (const step of steps) {
						await new Promise((resolve) => setImmediate(resolve));
						if (granted.length > 0) {
							inFlight.push(...granted.splice(0));
							// requests started only up to the current level
							expect(inFlight.length).toBeLessThanOrEqual(c.flow.current);
						}
						peak = Math.max(peak, inFlight.length);
						if (inFlight.length === 0) break;
						const [permit] = inFlight.splice(step.answer % inFlight.length, 1);
						c.advance(step.latency);
						c.flow.release(permit, step.signal);
						expect(c.flow.current).toBeGreaterThanOrEqual(1);
						worker();
					}
					expect(peak).toBeLessThanOrEqual(ceiling);
					expect(c.flow.report().reached).toBeLessThanOrEqual(ceiling);
				},
			),
			{ numRuns: 150 },
		);
	});

	it('takes a new ceiling for the next run and keeps the level found, below it', async () => {
		const c = controller(20);
		for (let i = 0; i < 5; i++) await round(c, 20);
		c.flow.restart(5);
		expect(c.flow.current).toBe(5);
		expect(c.flow.report()).toMatchObject({ ceiling: 5, reached: 0, throttled: 0 });
		expect(() => c.flow.restart(0)).toThrow(RangeError);
	});
});

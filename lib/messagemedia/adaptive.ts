/**
 * Adaptive concurrency for the MessageMedia transport. MessageMedia publishes no rate limit, so the
 * number of requests in flight is found while running (AIMD, additive increase / multiplicative
 * decrease, as TCP congestion control):
 * - it starts at 1 and doubles per round of answers (slow start) until the first sign of congestion;
 * - then it rises by one per window of answers that came back fast and unthrottled (a window is the
 *   current level, but at least `MIN_WINDOW` answers, so a low level does not rise on every answer);
 * - a 429 halves it, an answer much slower than the fastest seen recently cuts it to 80 %; only
 *   requests sent after the last cut can cut again (the answers already on their way say nothing new);
 * - a Retry-After pauses every new request until it has passed;
 * - it never exceeds the ceiling (the Sync node's Concurrency option) and never goes below 1;
 * - it rises only while the level is in use (a run of one request at a time proves nothing about more):
 *   in slow start up to twice the most requests seen in flight, then up to one more than that.
 */

import { sleep as realSleep } from '../common/retry';

/** Answers per additive step at least (see above). */
export const MIN_WINDOW = 48;
/** An answer is slow when it takes more than this many times the recent fastest one... */
export const SLOW_FACTOR = 3;
/** ...and more than this many ms over it (a fast service's jitter is not congestion). */
export const SLOW_MARGIN_MS = 50;
/** A 429 keeps this share of the level. */
export const THROTTLE_DECREASE = 0.5;
/** A slow answer keeps this share of the level. */
export const SLOW_DECREASE = 0.8;
/** Latency samples per baseline period: the fastest of the last full period and the current one counts. */
const BASELINE_PERIOD = 200;

export interface AdaptiveConcurrencyOptions {
	/** The most requests in flight ever (≥ 1). */
	ceiling: number;
	/** Clock, ms (tests). */
	now?: () => number;
	/** Sleep for the Retry-After pause (tests inject the same sleep as the retry policy). */
	sleep?: (ms: number) => Promise<void>;
}

/** What the controller did over a run, for the sync summary. */
export interface ConcurrencyReport {
	/** The most requests in flight allowed (the Concurrency option). */
	ceiling: number;
	/** The most requests that were in flight at once. */
	reached: number;
	/** The level at the end: what the service bore last. */
	final: number;
	/** Answers 429 (Too Many Requests). */
	throttled: number;
	/** Cuts for answers that came back slow. */
	slowed: number;
}

/** A slot held by one request; hand it back with `release`. */
export interface Permit {
	readonly epoch: number;
	readonly startedAt: number;
}

export type AnswerSignal =
	| { kind: 'ok' }
	| { kind: 'throttled'; retryAfterMs?: number }
	/** Any other failure (4xx, 5xx, network): says nothing about the rate. */
	| { kind: 'other' };

export class AdaptiveConcurrency {
	private ceilingValue: number;
	private level = 1;
	private slowStart = true;
	private inFlight = 0;
	/** The most requests in flight so far (the level in use). */
	private highWater = 0;
	private readonly waiting: Array<() => void> = [];
	/** Bumped on every cut: a permit from an older epoch cannot cut again. */
	private epoch = 0;
	private pause: Promise<void> | undefined;
	private pausedUntil = 0;
	private baseline = Number.POSITIVE_INFINITY;
	private periodMin = Number.POSITIVE_INFINITY;
	private previousPeriodMin = Number.POSITIVE_INFINITY;
	private samples = 0;
	private smoothed: number | undefined;
	private readonly now: () => number;
	private readonly sleep: (ms: number) => Promise<void>;
	private stats = { reached: 0, throttled: 0, slowed: 0 };

	constructor(options: AdaptiveConcurrencyOptions) {
		this.ceilingValue = AdaptiveConcurrency.checkCeiling(options.ceiling);
		this.now = options.now ?? (() => performance.now());
		this.sleep = options.sleep ?? realSleep;
	}

	private static checkCeiling(ceiling: number): number {
		if (!Number.isInteger(ceiling) || ceiling < 1)
			throw new RangeError(`The concurrency ceiling must be a whole number ≥ 1, got ${ceiling}`);
		return ceiling;
	}

	get ceiling(): number {
		return this.ceilingValue;
	}

	/** The number of requests allowed in flight now. */
	get current(): number {
		return Math.max(1, Math.min(this.ceilingValue, Math.floor(this.level)));
	}

	/** Sets the ceiling for the next requests and starts the report afresh (the level found is kept). */
	restart(ceiling: number): void {
		this.ceilingValue = AdaptiveConcurrency.checkCeiling(ceiling);
		this.level = Math.min(this.level, this.ceilingValue);
		this.stats = { reached: 0, throttled: 0, slowed: 0 };
		this.wake();
	}

	report(): ConcurrencyReport {
		return {
			ceiling: this.ceilingValue,
			reached: this.stats.reached,
			final: this.current,
			throttled: this.stats.throttled,
			slowed: this.stats.slowed,
		};
	}

	/** Waits for a pause to end and for a free slot. */
	async acquire(): Promise<Permit> {
		for (;;) {
			while (this.pause !== undefined) await this.pause;
			if (this.inFlight < this.current) break;
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		}
		this.inFlight++;
		this.highWater = Math.max(this.highWater, this.inFlight);
		this.stats.reached = Math.max(this.stats.reached, this.inFlight);
		return { epoch: this.epoch, startedAt: this.now() };
	}

	/** Hands a slot back with what the answer said about the service's load. */
	release(permit: Permit, signal: AnswerSignal): void {
		this.inFlight--;
		if (signal.kind === 'throttled') {
			this.stats.throttled++;
			if (signal.retryAfterMs !== undefined && signal.retryAfterMs > 0)
				this.pauseFor(signal.retryAfterMs);
			this.cut(permit, THROTTLE_DECREASE);
		} else if (signal.kind === 'ok') {
			const latency = this.now() - permit.startedAt;
			if (this.isSlow(latency)) {
				if (this.cut(permit, SLOW_DECREASE)) this.stats.slowed++;
			} else if (permit.epoch === this.epoch && this.inUse()) {
				this.level = Math.min(
					this.ceilingValue,
					this.level + (this.slowStart ? 1 : 1 / Math.max(this.level, MIN_WINDOW)),
				);
			}
		}
		this.wake();
	}

	/** Whether the level is used enough to try a higher one. */
	private inUse(): boolean {
		return this.slowStart
			? this.level < 2 * this.highWater
			: this.highWater >= Math.floor(this.level);
	}

	/** Pauses every new request for `ms` (a longer pause already running is kept). */
	pauseFor(ms: number): void {
		const until = this.now() + ms;
		if (until <= this.pausedUntil) return;
		this.pausedUntil = until;
		const pause: Promise<void> = this.sleep(ms).then(() => {
			if (this.pause === pause) this.pause = undefined;
			this.wake();
		});
		this.pause = pause;
	}

	private cut(permit: Permit, factor: number): boolean {
		this.slowStart = false;
		if (permit.epoch !== this.epoch) return false;
		this.epoch++;
		this.level = Math.max(1, this.level * factor);
		// The latency seen so far belonged to the higher level.
		this.smoothed = undefined;
		return true;
	}

	/** Tracks the fastest recent answer and a smoothed latency; slow = smoothed well above the fastest. */
	private isSlow(latency: number): boolean {
		this.periodMin = Math.min(this.periodMin, latency);
		if (++this.samples % BASELINE_PERIOD === 0) {
			this.previousPeriodMin = this.periodMin;
			this.periodMin = Number.POSITIVE_INFINITY;
		}
		this.baseline = Math.min(this.previousPeriodMin, this.periodMin);
		this.smoothed = this.smoothed === undefined ? latency : this.smoothed * 0.8 + latency * 0.2;
		return (
			this.smoothed > this.baseline * SLOW_FACTOR && this.smoothed > this.baseline + SLOW_MARGIN_MS
		);
	}

	/** Lets as many waiting requests go as there are free slots (each re-checks in `acquire`). */
	private wake(): void {
		if (this.pause !== undefined) return;
		for (let free = this.current - this.inFlight; free > 0 && this.waiting.length > 0; free--)
			this.waiting.shift()?.();
	}
}

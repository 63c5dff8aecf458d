/**
 * A token bucket per MessageMedia account: `rate` requests per second, a burst of one second's worth
 * (the bucket holds `rate` tokens, at least 1). A request that finds the bucket empty is answered 429 with a
 * Retry-After of the whole seconds until the next token (at least 1, as HTTP's delta-seconds are
 * whole); a client that waits that long finds the bucket refilled, not emptied by the wait.
 */

export interface RateLimitDecision {
	allowed: boolean;
	/** For a refused request: seconds until a token is there again. */
	retryAfterSeconds?: number;
}

export class TokenBucketRateLimit {
	private readonly buckets = new Map<string, { tokens: number; at: number }>();

	constructor(
		/** Requests per second per account; 0 = no limit. Read on every request (the admin API can change it). */
		private readonly rate: () => number,
		private readonly now: () => number = () => performance.now(),
	) {}

	take(account: string): RateLimitDecision {
		const rate = this.rate();
		if (!(rate > 0)) return { allowed: true };
		const now = this.now();
		// One second's worth, and at least one request (a limit under 1/s still lets one through).
		const capacity = Math.max(1, rate);
		const bucket = this.buckets.get(account) ?? { tokens: capacity, at: now };
		bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate);
		bucket.at = now;
		this.buckets.set(account, bucket);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			return { allowed: true };
		}
		return {
			allowed: false,
			retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)),
		};
	}
}

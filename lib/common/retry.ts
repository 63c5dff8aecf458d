/**
 * One retry policy for both services' transports: exponential backoff with full jitter, honouring
 * a server's Retry-After, capped in attempts and in single wait.
 */

export interface RetryPolicy {
	/** Attempts in total, the first included. */
	maxAttempts: number;
	/** Base delay for the exponential backoff, ms. */
	baseDelayMs: number;
	/** No single wait is longer than this, ms (a longer Retry-After gives up instead). */
	maxDelayMs: number;
	/** Random source in [0, 1), injectable for tests. */
	random?: () => number;
	/** Sleep function, injectable for tests. */
	sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 6,
	baseDelayMs: 500,
	maxDelayMs: 120_000,
};

export const sleep = async (ms: number): Promise<void> =>
	await new Promise((resolve) => setTimeout(resolve, ms));

/** Parses a Retry-After header (delta-seconds or HTTP-date) into milliseconds; undefined if absent or bad. */
export function parseRetryAfter(
	value: string | null | undefined,
	now = Date.now(),
): number | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(parseFloat(trimmed) * 1000);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/** Delay before retry number `attempt` (1 = first retry): Retry-After when given, else backoff with full jitter. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
	if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
	const random = policy.random ?? Math.random;
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** What a transport decides about one failed attempt. */
export interface RetryDecision {
	retry: boolean;
	/** Server-provided wait, ms. */
	retryAfterMs?: number;
}

/**
 * Runs `attempt` until it succeeds, `classify` says the error is final, or attempts run out; the last
 * error is rethrown. `onRetry` observes each wait (for counters and logs).
 */
export async function withRetry<T>(
	attempt: (attemptNumber: number) => Promise<T>,
	classify: (error: unknown) => RetryDecision,
	policy: RetryPolicy = DEFAULT_RETRY_POLICY,
	onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void,
): Promise<T> {
	const wait = policy.sleep ?? sleep;
	for (let n = 1; ; n++) {
		try {
			return await attempt(n);
		} catch (error) {
			const decision = classify(error);
			if (!decision.retry || n >= policy.maxAttempts) throw error;
			if (decision.retryAfterMs !== undefined && decision.retryAfterMs > policy.maxDelayMs)
				throw error;
			const delayMs = backoffDelay(n, policy, decision.retryAfterMs);
			onRetry?.({ attempt: n, delayMs, error });
			await wait(delayMs);
		}
	}
}

/** Network-level failures worth retrying (reset, timeout, refused while a server restarts). */
export function isTransientNetworkError(error: unknown): boolean {
	const e = error as { code?: string; cause?: { code?: string }; name?: string };
	const code = e?.code ?? e?.cause?.code;
	return (
		e?.name === 'TimeoutError' ||
		e?.name === 'AbortError' ||
		[
			'ECONNRESET',
			'ECONNREFUSED',
			'ETIMEDOUT',
			'EPIPE',
			'UND_ERR_SOCKET',
			'UND_ERR_CONNECT_TIMEOUT',
			'EAI_AGAIN',
		].includes(code ?? '') ||
		(e?.name === 'TypeError' && String((e as Error).message).includes('fetch failed'))
	);
}

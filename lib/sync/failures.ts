/** How the applier reads a failed request: worth another attempt, the server's wait, the error to report. */

import { ServiceApiError } from '../common/errors';
import { isTransientNetworkError } from '../common/retry';
import type { OutcomeError } from './types';

const RETRYABLE_STATUS = new Set([0, 408, 429, 500, 502, 503, 504]);

export const statusOf = (error: unknown): number | undefined =>
	error instanceof ServiceApiError ? error.status : undefined;

/** The server's Retry-After, which the transport keeps in the error's details. */
export function retryAfterOf(error: unknown): number | undefined {
	const value = error instanceof ServiceApiError ? error.details?.retryAfterMs : undefined;
	return typeof value === 'number' ? value : undefined;
}

/** A failure worth another attempt: network, timeout, throttling, server busy. */
export function isRetryableFailure(error: unknown): boolean {
	const status = statusOf(error);
	return (status !== undefined && RETRYABLE_STATUS.has(status)) || isTransientNetworkError(error);
}

export function outcomeError(error: unknown): OutcomeError {
	if (error instanceof ServiceApiError) {
		const out: OutcomeError = { message: error.message, status: error.status };
		if (error.code !== undefined) out.code = error.code;
		if (error.requestId !== undefined) out.requestId = error.requestId;
		if (error.details !== undefined) out.details = error.details;
		return out;
	}
	return { message: error instanceof Error ? error.message : String(error) };
}

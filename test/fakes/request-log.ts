/** The fakes' request log (GET /_admin/log): every request but the admin API's, bounded. */
import type { RequestLogEntry } from './types';

/** Entries kept by default: enough for any test, bounded for a long-running demo. */
export const DEFAULT_LOG_CAPACITY = 50_000;

export class RequestLog {
	entries: RequestLogEntry[] = [];
	/** Entries dropped (oldest first) because the log was full since the last reset. */
	dropped = 0;
	private seq = 0;

	constructor(readonly capacity = DEFAULT_LOG_CAPACITY) {}

	add(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
		const full = { seq: ++this.seq, ...entry };
		this.entries.push(full);
		if (this.entries.length > this.capacity) {
			const excess = this.entries.length - this.capacity;
			this.entries.splice(0, excess);
			this.dropped += excess;
		}
		return full;
	}

	reset(): void {
		this.entries = [];
		this.dropped = 0;
	}

	/** Requests per service and method, e.g. { graph: { GET: 3 }, messagemedia: { POST: 2, PATCH: 1 } }. */
	counts(): Record<string, Record<string, number>> {
		const counts: Record<string, Record<string, number>> = {};
		for (const entry of this.entries) {
			counts[entry.service] ??= {};
			counts[entry.service][entry.method] = (counts[entry.service][entry.method] ?? 0) + 1;
		}
		return counts;
	}
}

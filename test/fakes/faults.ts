/**
 * Deterministic fault injection. For each request the first matching rule decides; its random draws
 * depend only on (seed, rule, n-th matching request), so the same seed and the same request order
 * give the same faults.
 */
import { drawAt } from './prng';
import type { FakeService, FaultConfig, FaultRule } from './types';

export type FaultDecision =
	| { kind: 'none'; latencyMs: number }
	| { kind: 'throttle'; latencyMs: number; retryAfterSeconds: number }
	| { kind: 'error'; latencyMs: number; status: number; retryAfterSeconds: number }
	| { kind: 'reset'; latencyMs: number };

export class FaultInjector {
	private config: FaultConfig = {};
	private matched: number[] = [];
	private injected: number[] = [];

	constructor(config: FaultConfig = {}) {
		this.configure(config);
	}

	configure(config: FaultConfig): void {
		this.config = structuredClone(config);
		this.matched = (config.rules ?? []).map(() => 0);
		this.injected = (config.rules ?? []).map(() => 0);
	}

	current(): FaultConfig {
		return this.config;
	}

	decide(service: FakeService, method: string, path: string): FaultDecision {
		const rules = this.config.rules ?? [];
		const index = rules.findIndex((rule) => matches(rule, service, method, path));
		if (index < 0) return { kind: 'none', latencyMs: 0 };
		const rule = rules[index];
		const n = this.matched[index]++;
		const latencyMs = rule.latencyMs ?? 0;
		if (n < (rule.afterRequests ?? 0)) return { kind: 'none', latencyMs };
		if (rule.maxInjections !== undefined && this.injected[index] >= rule.maxInjections)
			return { kind: 'none', latencyMs };
		const seed = this.config.seed ?? 1;
		const r = drawAt(seed, `rule${index}`, n);
		const reset = rule.resetRate ?? 0;
		const throttle = rule.throttleRate ?? 0;
		const error = rule.errorRate ?? 0;
		const retryAfterSeconds = rule.retryAfterSeconds ?? 1;
		let decision: FaultDecision = { kind: 'none', latencyMs };
		if (r < reset) decision = { kind: 'reset', latencyMs };
		else if (r < reset + throttle) decision = { kind: 'throttle', latencyMs, retryAfterSeconds };
		else if (r < reset + throttle + error) {
			const statuses = rule.errorStatuses ?? [503, 502, 504];
			const status = statuses[Math.floor(drawAt(seed, `rule${index}-status`, n) * statuses.length)];
			decision = { kind: 'error', latencyMs, status, retryAfterSeconds };
		}
		if (decision.kind !== 'none') this.injected[index]++;
		return decision;
	}
}

function matches(rule: FaultRule, service: FakeService, method: string, path: string): boolean {
	if (rule.service !== undefined && rule.service !== service) return false;
	if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
	if (rule.path !== undefined && !new RegExp(rule.path).test(path)) return false;
	return true;
}

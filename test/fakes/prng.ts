/**
 * Deterministic pseudo-random numbers for the fakes (fault injection, sample data, generated ids).
 * mulberry32: small, fast, good enough for tests; never used for anything security-related.
 */

export type Random = () => number;

export function createRandom(seed: number): Random {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** FNV-1a 32-bit hash of a string, to derive independent streams from one seed. */
export function hashString(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash >>> 0;
}

/** One draw in [0, 1) that depends only on (seed, stream, index): the same request order gives the same faults. */
export function drawAt(seed: number, stream: string, index: number): number {
	return createRandom((seed ^ hashString(`${stream}#${index}`)) >>> 0)();
}

export function randomInt(random: Random, maxExclusive: number): number {
	return Math.floor(random() * maxExclusive);
}

export function pick<T>(random: Random, items: readonly T[]): T {
	return items[randomInt(random, items.length)];
}

/** A version-4-shaped UUID drawn from the generator (deterministic for a seed). */
export function randomUuid(random: Random): string {
	const hex: string[] = [];
	for (let i = 0; i < 32; i++) hex.push(randomInt(random, 16).toString(16));
	hex[12] = '4';
	hex[16] = ((randomInt(random, 4) + 8) as number).toString(16);
	const s = hex.join('');
	return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

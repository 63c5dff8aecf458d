import { ConfigurationError } from '../common/errors';

const hasOwn = (value: object, key: string | number): boolean =>
	Object.prototype.hasOwnProperty.call(value, key);

export type AttributeGetter = (record: Record<string, unknown>) => unknown;

const FIRST = /^[^.[\]]+/;
const NEXT = /^\[(\d+)\]|^\["([^"]*)"\]|^\['([^']*)'\]|^\.([^.[\]]+)/;

/**
 * Compiles a directory attribute path into a fast getter. Paths use dots and brackets:
 * `mobilePhone`, `businessPhones[0]`, `onPremisesExtensionAttributes.extensionAttribute1`,
 * `manager["displayName"]`. A missing attribute (at any depth) reads as `undefined`, never an error.
 * A record that carries the whole path as one literal key (`{"a.b": 1}`) is read by that key first.
 */
export function compileAttributePath(path: string, key: string): AttributeGetter {
	if (typeof path !== 'string' || path.trim() === '') {
		throw new ConfigurationError(`${key}: the attribute path is empty`, key);
	}
	const trimmed = path.trim();
	const invalid = () =>
		new ConfigurationError(
			`${key}: "${trimmed}" is not a valid attribute path (use dots and brackets, e.g. businessPhones[0] or onPremisesExtensionAttributes.extensionAttribute1)`,
			key,
		);
	const first = FIRST.exec(trimmed);
	if (!first) throw invalid();
	const segments: Array<string | number> = [first[0]];
	let rest = trimmed.slice(first[0].length);
	while (rest.length > 0) {
		const match = NEXT.exec(rest);
		if (!match) throw invalid();
		segments.push(match[1] !== undefined ? Number(match[1]) : (match[2] ?? match[3] ?? match[4]));
		rest = rest.slice(match[0].length);
	}

	// Own properties only: `constructor`, `__proto__` or `toString` must read as missing, not as what
	// every object inherits (a function, or Object.prototype itself).
	if (segments.length === 1) {
		const only = segments[0] as string;
		return (record) => (hasOwn(record, only) ? record[only] : undefined);
	}
	return (record) => {
		if (hasOwn(record, trimmed)) return record[trimmed];
		let current: unknown = record;
		for (const segment of segments) {
			if (current === null || typeof current !== 'object' || !hasOwn(current, segment))
				return undefined;
			current = (current as Record<string | number, unknown>)[segment];
		}
		return current;
	};
}

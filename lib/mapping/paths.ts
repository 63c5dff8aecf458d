import { ConfigurationError } from '../common/errors';

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

	if (segments.length === 1) {
		const only = segments[0];
		return (record) => record[only as string];
	}
	return (record) => {
		if (Object.prototype.hasOwnProperty.call(record, trimmed)) return record[trimmed];
		let current: unknown = record;
		for (const segment of segments) {
			if (current === null || typeof current !== 'object') return undefined;
			current = (current as Record<string | number, unknown>)[segment];
		}
		return current;
	};
}

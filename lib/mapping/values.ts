/**
 * Reading directory values for the Contact Mapper: readers (attribute paths or per-item expression
 * values) and the conversion of what they read to text.
 */

import { cleanText } from './text';

/** Per-item values of `kind: "value"` rules (n8n expressions), keyed by rule index. */
export type RuleValues = ReadonlyMap<number, unknown>;

export type Reader = {
	read: (user: Record<string, unknown>, values: RuleValues | undefined) => unknown;
	label: string;
	/** The directory attribute a write-back can set (top-level property or businessPhones[0]); undefined when not reversible. */
	writeBackAttribute?: string;
};

/** A value that cannot become text (an object where a string is expected). */
export const INVALID = Symbol('invalid');
export type Text = string | undefined | typeof INVALID;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toText(value: unknown): Text {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') {
		const text = cleanText(value);
		return text === '' ? undefined : text;
	}
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : INVALID;
	if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	if (Array.isArray(value)) {
		// A multi-valued attribute (businessPhones, otherMails) gives its first usable value.
		for (const element of value) {
			const text = toText(element);
			if (text !== undefined) return text;
		}
		return undefined;
	}
	return INVALID;
}

export function describeType(value: unknown): string {
	if (Array.isArray(value)) return 'a list';
	if (value === null) return 'null';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

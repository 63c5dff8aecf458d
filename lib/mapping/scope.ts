import { RE2JS } from 're2js';

import { ConfigurationError } from '../common/errors';
import { compileAttributePath } from './paths';
import type { FilterCombination, FilterOperator, FilterRule } from './types';
import { FILTER_OPERATORS } from './types';

/**
 * Scope filters: which directory users belong in the contact list.
 *
 * Semantics, the same for every operator:
 * - String comparisons (equals, notEquals, in, notIn, contains, startsWith, endsWith) ignore case
 *   and surrounding spaces, like Entra's own `$filter` on department: "sales" matches "Sales ".
 *   `regex` is case-insensitive too unless written as a literal with its own flags (`/^S/`).
 * - `regex` runs on RE2JS, a linear-time engine (no backtracking, so no catastrophic patterns): RE2
 *   syntax, which has no backreferences or lookahead. Patterns longer than MAX_PATTERN_LENGTH or
 *   costlier than MAX_PROGRAM_SIZE are refused, and a value longer than MAX_TESTED_LENGTH never
 *   matches, so a filter row costs at most a few milliseconds per user whatever the directory holds.
 * - A missing attribute (or null, "", []) is empty: it equals nothing, is in nothing, `isEmpty` is
 *   true, and the negative operators (notEquals, notIn) are true.
 * - An array attribute (businessPhones, proxyAddresses) matches when any element matches; the
 *   negative operators hold when no element matches.
 * - Numbers and booleans compare as their text (`true`, `42`); `isTrue`/`isFalse` accept a boolean
 *   or the text "true"/"false".
 */

export type ScopePredicate = (user: Record<string, unknown>) => boolean;

const OPERATOR_SET = new Set<string>(FILTER_OPERATORS);

function describeRule(rule: FilterRule, index: number): string {
	return rule.key ?? `scope filter ${index + 1}`;
}

/** The comparable texts of an attribute value: trimmed, lower-cased; arrays flattened one level. */
function comparableValues(value: unknown): string[] {
	if (value === undefined || value === null) return [];
	if (typeof value === 'string') {
		const text = value.trim();
		return text === '' ? [] : [text.toLowerCase()];
	}
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
		return [String(value)];
	if (Array.isArray(value)) {
		const out: string[] = [];
		for (const element of value) {
			if (Array.isArray(element)) continue;
			out.push(...comparableValues(element));
		}
		return out;
	}
	// An object (a complex attribute such as `manager`) has no text to compare.
	return [];
}

function expectText(rule: FilterRule, label: string): string {
	const { value } = rule;
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
		const text = String(value).trim().toLowerCase();
		if (text !== '') return text;
	}
	throw new ConfigurationError(
		`${label}: operator "${rule.operator}" needs a text value (got ${JSON.stringify(value ?? null)})`,
		label,
	);
}

function expectList(rule: FilterRule, label: string): Set<string> {
	const { value } = rule;
	let items: unknown[];
	if (Array.isArray(value)) items = value;
	else if (typeof value === 'string') items = value.split(',');
	else if (typeof value === 'number' || typeof value === 'boolean') items = [value];
	else {
		throw new ConfigurationError(
			`${label}: operator "${rule.operator}" needs a list of values (an array, or text separated by commas)`,
			label,
		);
	}
	const set = new Set<string>();
	for (const item of items) {
		if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
			throw new ConfigurationError(
				`${label}: the values of "${rule.operator}" must be text, numbers or booleans`,
				label,
			);
		}
		const text = String(item).trim().toLowerCase();
		if (text !== '') set.add(text);
	}
	if (set.size === 0) {
		throw new ConfigurationError(
			`${label}: operator "${rule.operator}" needs at least one value`,
			label,
		);
	}
	return set;
}

/** Longest pattern a `regex` row accepts. */
export const MAX_PATTERN_LENGTH = 1000;
/** RE2's "program size" (its cost measure, roughly instructions): `.{0,100}.{0,100}z` is ~400, a 50-name alternation ~30. At 1000 the worst test of a 1024-character value measured ~3 ms. */
export const MAX_PROGRAM_SIZE = 1000;
/** Longest value a `regex` row tests (Entra's longest string attributes hold 1024); a longer one does not match. */
export const MAX_TESTED_LENGTH = 1024;

const LITERAL_FLAGS: Record<string, number> = {
	i: RE2JS.CASE_INSENSITIVE,
	m: RE2JS.MULTILINE,
	s: RE2JS.DOTALL,
	u: 0,
	g: 0,
	y: 0,
	d: 0,
};

/** A compiled `regex` row: RE2JS's `test` (a match anywhere), linear in the value's length. */
function compileRegex(rule: FilterRule, label: string): (text: string) => boolean {
	const { value } = rule;
	if (typeof value !== 'string' || value === '') {
		throw new ConfigurationError(
			`${label}: operator "regex" needs a regular expression as text`,
			label,
		);
	}
	const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
	const refuse = (why: string) =>
		new ConfigurationError(`${label}: invalid regular expression ${shown}: ${why}`, label);
	if (value.length > MAX_PATTERN_LENGTH)
		throw refuse(`longer than ${MAX_PATTERN_LENGTH} characters`);
	const literal = /^\/(.*)\/([a-z]*)$/s.exec(value);
	let flags = literal ? 0 : RE2JS.CASE_INSENSITIVE;
	for (const flag of literal?.[2] ?? '') {
		if (!Object.prototype.hasOwnProperty.call(LITERAL_FLAGS, flag))
			throw refuse(`unknown flag "${flag}" (use i, m or s)`);
		flags |= LITERAL_FLAGS[flag];
	}
	let pattern: RE2JS;
	try {
		pattern = RE2JS.compile(literal ? literal[1] : value, flags);
	} catch (error) {
		// RE2 syntax: backreferences (\\1) and lookaround ((?=…), (?!…), (?<=…)) are not supported.
		const reason = (error as Error).message
			.replace(/^error parsing regexp: /, '')
			.replace(/`\(\?[ims]+\)/, '`');
		throw refuse(`${reason} (the regex operator uses RE2 syntax: no backreferences or lookaround)`);
	}
	if (pattern.programSize() > MAX_PROGRAM_SIZE) {
		throw refuse(
			'too complex for the linear-time engine (simplify it: smaller repeat counts such as {0,50} instead of {0,1000}, fewer alternatives)',
		);
	}
	return (text) => text.length <= MAX_TESTED_LENGTH && pattern.test(text);
}

type ValuesTest = (values: string[], raw: unknown) => boolean;

function compileTest(rule: FilterRule, label: string): ValuesTest {
	const operator: FilterOperator = rule.operator;
	switch (operator) {
		case 'equals': {
			const expected = expectText(rule, label);
			return (values) => values.includes(expected);
		}
		case 'notEquals': {
			const expected = expectText(rule, label);
			return (values) => !values.includes(expected);
		}
		case 'in': {
			const set = expectList(rule, label);
			return (values) => values.some((v) => set.has(v));
		}
		case 'notIn': {
			const set = expectList(rule, label);
			return (values) => !values.some((v) => set.has(v));
		}
		case 'contains': {
			const part = expectText(rule, label);
			return (values) => values.some((v) => v.includes(part));
		}
		case 'startsWith': {
			const part = expectText(rule, label);
			return (values) => values.some((v) => v.startsWith(part));
		}
		case 'endsWith': {
			const part = expectText(rule, label);
			return (values) => values.some((v) => v.endsWith(part));
		}
		case 'regex': {
			const pattern = compileRegex(rule, label);
			// Test the original text (the pattern decides about case), not the lower-cased one.
			return (_values, raw) => rawTexts(raw).some(pattern);
		}
		case 'isEmpty':
			return (values, raw) => values.length === 0 && !hasObject(raw);
		case 'isNotEmpty':
			return (values, raw) => values.length > 0 || hasObject(raw);
		case 'isTrue':
			return (values) => values.includes('true');
		case 'isFalse':
			return (values) => values.includes('false');
	}
}

/** A complex attribute (`manager`, `onPremisesExtensionAttributes`) with content is not empty. */
function hasObject(value: unknown): boolean {
	if (value === null || typeof value !== 'object') return false;
	if (Array.isArray(value)) return value.some(hasObject);
	return Object.keys(value).length > 0;
}

function rawTexts(value: unknown): string[] {
	if (value === undefined || value === null) return [];
	if (Array.isArray(value))
		return value.flatMap((element) => (Array.isArray(element) ? [] : rawTexts(element)));
	if (typeof value === 'object') return [];
	const text = String(value).trim();
	return text === '' ? [] : [text];
}

/** Compiles scope filter rows once; the predicate then runs per user. No rows: everyone is in scope. */
export function compileScope(
	filters: FilterRule[],
	combine: FilterCombination = 'and',
): ScopePredicate {
	if (combine !== 'and' && combine !== 'or') {
		throw new ConfigurationError(
			`combineFilters must be "and" or "or" (got ${JSON.stringify(combine)})`,
			'combineFilters',
		);
	}
	const tests = filters.map((rule, index) => {
		const label = describeRule(rule, index);
		if (!OPERATOR_SET.has(rule.operator)) {
			throw new ConfigurationError(
				`${label}: unknown operator ${JSON.stringify(rule.operator)} (use one of ${FILTER_OPERATORS.join(', ')})`,
				label,
			);
		}
		const read = compileAttributePath(rule.attribute, label);
		const test = compileTest(rule, label);
		return (user: Record<string, unknown>) => {
			const raw = read(user);
			return test(comparableValues(raw), raw);
		};
	});
	if (tests.length === 0) return () => true;
	if (combine === 'and') return (user) => tests.every((test) => test(user));
	return (user) => tests.some((test) => test(user));
}

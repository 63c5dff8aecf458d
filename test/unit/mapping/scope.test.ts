import { ConfigurationError } from '../../../lib/common/errors';
import { compileScope } from '../../../lib/mapping';
import type { FilterRule } from '../../../lib/mapping';

const alice = {
	id: 'a',
	displayName: 'Alice Nguyen',
	department: 'Sales ',
	jobTitle: 'Account Manager',
	accountEnabled: true,
	employeeId: 1042,
	businessPhones: ['+61 2 9374 4000', '+61 2 9374 4001'],
	onPremisesExtensionAttributes: { extensionAttribute1: 'SMS-OK', extensionAttribute2: null },
	manager: { id: 'm' },
	otherMails: [],
	officeLocation: '',
};

function matches(rule: Omit<FilterRule, 'key'>, user: Record<string, unknown> = alice): boolean {
	return compileScope([rule])(user);
}

describe('scope filter operators', () => {
	it('equals / notEquals: case-insensitive, trimmed, numbers and booleans as text', () => {
		expect(matches({ attribute: 'department', operator: 'equals', value: 'sales' })).toBe(true);
		expect(matches({ attribute: 'department', operator: 'equals', value: 'Support' })).toBe(false);
		expect(matches({ attribute: 'employeeId', operator: 'equals', value: '1042' })).toBe(true);
		expect(matches({ attribute: 'employeeId', operator: 'equals', value: 1042 })).toBe(true);
		expect(matches({ attribute: 'accountEnabled', operator: 'equals', value: 'TRUE' })).toBe(true);
		expect(matches({ attribute: 'department', operator: 'notEquals', value: 'SALES' })).toBe(false);
		expect(matches({ attribute: 'department', operator: 'notEquals', value: 'Support' })).toBe(
			true,
		);
	});

	it('in / notIn: arrays or comma-separated text', () => {
		expect(matches({ attribute: 'department', operator: 'in', value: ['Support', 'SALES'] })).toBe(
			true,
		);
		expect(matches({ attribute: 'department', operator: 'in', value: 'Support, sales' })).toBe(
			true,
		);
		expect(
			matches({ attribute: 'department', operator: 'in', value: ['Support', 'Marketing'] }),
		).toBe(false);
		expect(
			matches({ attribute: 'department', operator: 'notIn', value: 'Support, Marketing' }),
		).toBe(true);
		expect(matches({ attribute: 'department', operator: 'notIn', value: ['sales'] })).toBe(false);
	});

	it('contains / startsWith / endsWith', () => {
		expect(matches({ attribute: 'jobTitle', operator: 'contains', value: 'count man' })).toBe(true);
		expect(matches({ attribute: 'jobTitle', operator: 'contains', value: 'director' })).toBe(false);
		expect(matches({ attribute: 'jobTitle', operator: 'startsWith', value: 'ACCOUNT' })).toBe(true);
		expect(matches({ attribute: 'jobTitle', operator: 'startsWith', value: 'Manager' })).toBe(
			false,
		);
		expect(matches({ attribute: 'jobTitle', operator: 'endsWith', value: 'manager' })).toBe(true);
		expect(matches({ attribute: 'jobTitle', operator: 'endsWith', value: 'Account' })).toBe(false);
	});

	it('regex: case-insensitive by default, a /literal/ keeps its own flags', () => {
		expect(matches({ attribute: 'jobTitle', operator: 'regex', value: '^account\\s+man' })).toBe(
			true,
		);
		expect(matches({ attribute: 'jobTitle', operator: 'regex', value: '^manager' })).toBe(false);
		expect(matches({ attribute: 'jobTitle', operator: 'regex', value: '/^account/' })).toBe(false);
		expect(matches({ attribute: 'jobTitle', operator: 'regex', value: '/^Account/' })).toBe(true);
		expect(matches({ attribute: 'jobTitle', operator: 'regex', value: '/^account/i' })).toBe(true);
	});

	it('isEmpty / isNotEmpty: null, "", [] and missing attributes are empty; objects are not', () => {
		for (const attribute of [
			'officeLocation',
			'otherMails',
			'mobilePhone',
			'onPremisesExtensionAttributes.extensionAttribute2',
		]) {
			expect(matches({ attribute, operator: 'isEmpty' })).toBe(true);
			expect(matches({ attribute, operator: 'isNotEmpty' })).toBe(false);
		}
		for (const attribute of ['department', 'businessPhones', 'manager', 'employeeId']) {
			expect(matches({ attribute, operator: 'isEmpty' })).toBe(false);
			expect(matches({ attribute, operator: 'isNotEmpty' })).toBe(true);
		}
	});

	it('isTrue / isFalse: booleans or their text', () => {
		expect(matches({ attribute: 'accountEnabled', operator: 'isTrue' })).toBe(true);
		expect(matches({ attribute: 'accountEnabled', operator: 'isFalse' })).toBe(false);
		expect(
			matches({ attribute: 'accountEnabled', operator: 'isFalse' }, { accountEnabled: false }),
		).toBe(true);
		expect(
			matches({ attribute: 'accountEnabled', operator: 'isTrue' }, { accountEnabled: 'True' }),
		).toBe(true);
		expect(matches({ attribute: 'accountEnabled', operator: 'isTrue' }, {})).toBe(false);
		expect(matches({ attribute: 'accountEnabled', operator: 'isFalse' }, {})).toBe(false);
	});

	it('reads nested paths with dots and brackets, and array attributes element-wise', () => {
		expect(
			matches({
				attribute: 'onPremisesExtensionAttributes.extensionAttribute1',
				operator: 'equals',
				value: 'sms-ok',
			}),
		).toBe(true);
		expect(matches({ attribute: 'businessPhones[1]', operator: 'endsWith', value: '4001' })).toBe(
			true,
		);
		expect(matches({ attribute: 'businessPhones[0]', operator: 'endsWith', value: '4001' })).toBe(
			false,
		);
		expect(matches({ attribute: 'businessPhones', operator: 'endsWith', value: '4001' })).toBe(
			true,
		);
		expect(
			matches({ attribute: 'businessPhones', operator: 'notEquals', value: '+61 2 9374 4001' }),
		).toBe(false);
		expect(matches({ attribute: 'manager["id"]', operator: 'equals', value: 'm' })).toBe(true);
	});

	it('treats missing attributes (at any depth) as empty, not as errors', () => {
		const bare = { id: 'b' };
		expect(matches({ attribute: 'department', operator: 'equals', value: 'Sales' }, bare)).toBe(
			false,
		);
		expect(matches({ attribute: 'department', operator: 'in', value: ['Sales'] }, bare)).toBe(
			false,
		);
		expect(matches({ attribute: 'department', operator: 'contains', value: 'S' }, bare)).toBe(
			false,
		);
		expect(matches({ attribute: 'department', operator: 'regex', value: '.*' }, bare)).toBe(false);
		expect(matches({ attribute: 'department', operator: 'notEquals', value: 'Sales' }, bare)).toBe(
			true,
		);
		expect(matches({ attribute: 'department', operator: 'notIn', value: ['Sales'] }, bare)).toBe(
			true,
		);
		expect(matches({ attribute: 'a.b[3].c', operator: 'isEmpty' }, bare)).toBe(true);
		expect(
			matches({ attribute: 'a.b[3].c', operator: 'isEmpty' }, { a: 'text, not an object' }),
		).toBe(true);
	});
});

describe('combining filters', () => {
	const filters: FilterRule[] = [
		{ attribute: 'department', operator: 'equals', value: 'Sales' },
		{ attribute: 'jobTitle', operator: 'contains', value: 'Director' },
	];

	it('AND needs every row, OR any row', () => {
		expect(compileScope(filters, 'and')(alice)).toBe(false);
		expect(compileScope(filters, 'or')(alice)).toBe(true);
		expect(compileScope(filters, 'or')({ department: 'Support', jobTitle: 'Engineer' })).toBe(
			false,
		);
		expect(compileScope(filters, 'and')({ department: 'sales', jobTitle: 'Sales Director' })).toBe(
			true,
		);
	});

	it('no rows: everyone is in scope', () => {
		expect(compileScope([], 'and')({})).toBe(true);
		expect(compileScope([], 'or')({})).toBe(true);
	});
});

describe('scope filter errors name the row', () => {
	function errorOf(rules: FilterRule[]): ConfigurationError {
		let caught: unknown;
		try {
			compileScope(rules);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ConfigurationError);
		return caught as ConfigurationError;
	}

	it('an invalid regex', () => {
		const error = errorOf([
			{ attribute: 'department', operator: 'equals', value: 'Sales' },
			{ attribute: 'jobTitle', operator: 'regex', value: '(unclosed' },
		]);
		expect(error).toBeInstanceOf(ConfigurationError);
		expect(error.key).toBe('scope filter 2');
		expect(error.message).toMatch(
			/^scope filter 2: invalid regular expression "\(unclosed": missing closing \): `\(unclosed`/,
		);
	});

	it('uses the row key given by the configuration', () => {
		const error = errorOf([
			{ attribute: 'jobTitle', operator: 'regex', value: '/[a-/', key: 'sync.filters[0]' },
		]);
		expect(error.key).toBe('sync.filters[0]');
		expect(error.message).toContain('sync.filters[0]: invalid regular expression');
	});

	it('an unknown operator, a missing value, a bad path', () => {
		expect(errorOf([{ attribute: 'a', operator: 'like' as never }]).message).toBe(
			'scope filter 1: unknown operator "like" (use one of equals, notEquals, in, notIn, contains, startsWith, endsWith, regex, isEmpty, isNotEmpty, isTrue, isFalse)',
		);
		expect(errorOf([{ attribute: 'a', operator: 'equals' }]).message).toBe(
			'scope filter 1: operator "equals" needs a text value (got null)',
		);
		expect(errorOf([{ attribute: 'a', operator: 'in', value: ' , ' }]).message).toBe(
			'scope filter 1: operator "in" needs at least one value',
		);
		expect(errorOf([{ attribute: 'a', operator: 'contains', value: { x: 1 } }]).key).toBe(
			'scope filter 1',
		);
		expect(errorOf([{ attribute: 'a..b', operator: 'isEmpty' }]).message).toMatch(
			/^scope filter 1: "a\.\.b" is not a valid attribute path/,
		);
		expect(errorOf([{ attribute: ' ', operator: 'isEmpty' }]).message).toBe(
			'scope filter 1: the attribute path is empty',
		);
	});
});

/**
 * The sample organisation (demo and e2e) through the shipped template's Contact Mapper configuration
 * agrees with the e2e suite's independent expectation (test/e2e/support/expected.ts), desk lines
 * included — so the e2e figures hold before n8n is even started.
 */
import { compileMapper, isRejected } from '../../../lib/mapping';
import type { MappedItem } from '../../../lib/mapping';
import { expectContacts, inScope } from '../../e2e/support/expected';
import { generateSampleOrg } from '../../fakes/sample-org';
import type { SeedUser } from '../../fakes/types';
import { templateMapperConfig } from '../faults/pipeline';

const users = (generateSampleOrg().tenants?.[0].users ?? []) as SeedUser[];
const map = compileMapper(templateMapperConfig());

describe('the sample organisation through the template mapping', () => {
	it('gives exactly the contacts the e2e expectation lists, with the same numbers', () => {
		const mapped = users
			.map((user) => map(user))
			.filter(
				(result): result is MappedItem =>
					result !== null && !isRejected(result) && result.action === 'upsert',
			);
		const expected = expectContacts(users).contacts;
		expect(mapped.map((item) => [item.sourceId, item.contact?.phone]).sort()).toEqual(
			expected.map((contact) => [contact.sourceId, contact.phone]).sort(),
		);
	});

	it('case 10: in-scope users whose only number is a desk line are rejected (phoneNotMobile), not given a contact', () => {
		const deskOnly = users.filter(
			(user) =>
				inScope(user) &&
				user.mobilePhone === undefined &&
				Array.isArray(user.businessPhones) &&
				/^\+61 [23] \d{4} \d{4}$/.test(String(user.businessPhones[0])),
		);
		expect(deskOnly.length).toBeGreaterThan(0);
		for (const user of deskOnly) {
			const result = map(user);
			expect(
				result !== null && isRejected(result)
					? [result.code, result.reason.startsWith('businessPhones[0]: ')]
					: result,
			).toEqual(['phoneNotMobile', true]);
		}
		expect(expectContacts(deskOnly).rejected.sort()).toEqual(
			deskOnly.map((user) => String(user.id)).sort(),
		);
	});
});

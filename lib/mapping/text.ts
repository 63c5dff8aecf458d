/**
 * Text hygiene for contact values: trim, collapse internal whitespace, drop invisible control
 * characters, keep every legitimate character (accents, CJK, right-to-left scripts and their
 * direction marks, emoji including ZWJ sequences), and fit MessageMedia's length limits.
 */

/**
 * Length limits, in UTF-16 code units (what a Java/Spring backend counts). The vendor's OpenAPI
 * (CreateContactRequest.yaml) declares no maxLength for contact attributes, so these are our own,
 * conservative choices: names, alias, country and state fit Entra's own limits for givenName and
 * surname (64), so only values derived from displayName (up to 256) or free text can be cut.
 * Custom fields declare their own `maxLength` per field; 255 is the upper bound here and the writer
 * checks the field's actual limit.
 */
export const FIELD_LIMITS = {
	firstName: 64,
	lastName: 64,
	alias: 64,
	country: 64,
	state: 64,
	location: 128,
	note: 500,
	email: 254,
	listName: 100,
	customField: 255,
} as const;

/** Fast path: printable ASCII with single inner spaces needs no work. */
const CLEAN_ASCII = /^[\x21-\x7E](?:[\x21-\x7E]| (?! ))*$/;
const WHITESPACE_RUNS = /\s+/g;
/**
 * Invisible characters that never belong in a contact value: C0 and C1 controls (whitespace
 * controls are turned into spaces first), zero-width space, word joiner, byte order mark, lone
 * surrogates, and the bidirectional embedding/override/isolate controls (U+202A–U+202E,
 * U+2066–U+2069), which can disguise how a name or number reads. Zero-width (non-)joiners and the
 * direction marks (LRM, RLM, ALM) are kept: scripts and emoji need them.
 */
const INVISIBLE =
	// eslint-disable-next-line no-control-regex -- matching control characters is the point here
	/[\u0000-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanText(value: string): string {
	if (CLEAN_ASCII.test(value)) return value;
	return value
		.replace(WHITESPACE_RUNS, ' ')
		.replace(INVISIBLE, '')
		.replace(WHITESPACE_RUNS, ' ')
		.trim();
}

let segmenter: Intl.Segmenter | undefined;

/**
 * Cuts `value` to at most `limit` UTF-16 code units without splitting a character or a grapheme
 * (an emoji with its modifiers, a letter with its combining accents). Returns the value unchanged
 * when it fits.
 */
export function truncateText(value: string, limit: number): string {
	if (value.length <= limit) return value;
	segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
	let out = '';
	for (const { segment } of segmenter.segment(value)) {
		if (out.length + segment.length > limit) break;
		out += segment;
	}
	return out.trimEnd();
}

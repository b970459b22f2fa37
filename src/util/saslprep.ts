// SASLprep (RFC 4013) as PostgreSQL applies it to a password before SCRAM hashing, so a
// verifier computed here matches the one the server and libpq compute from the same text.
// PostgreSQL keeps an ASCII password as it is, and falls back to the raw password when the
// prepared one would contain a prohibited character (it never rejects a password).

/** C.1.2: non-ASCII space characters, mapped to U+0020. */
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;
/** B.1: characters commonly mapped to nothing. */
// The RFC's table lists combining marks and variation selectors as single code points, on purpose.
// eslint-disable-next-line no-misleading-character-class
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;
/**
 * Prohibited after mapping (C.1.2, C.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9), plus code points
 * unassigned in the running Unicode version (an approximation of table A.1).
 */
const PROHIBITED = new RegExp(
  // eslint-disable-next-line no-misleading-character-class -- the joiners (U+200C, U+200D) are listed one by one, as in the RFC
  [
    '[\\u00A0\\u1680\\u2000-\\u200B\\u202F\\u205F\\u3000]', // C.1.2
    '\\p{Cc}', // C.2.1, C.2.2 control characters
    '[\\u06DD\\u070F\\u180E\\u200C\\u200D\\u2028\\u2029\\u2060-\\u2063\\u206A-\\u206F\\uFEFF\\uFFF9-\\uFFFC\\u{1D173}-\\u{1D17A}]', // C.2.2
    '\\p{Co}', // C.3 private use
    '[\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\u{1FFFE}\\u{1FFFF}\\u{2FFFE}\\u{2FFFF}\\u{10FFFE}\\u{10FFFF}]', // C.4 non-characters (partial)
    '\\p{Cs}', // C.5 surrogates
    '[\\uFFF9-\\uFFFD]', // C.6
    '[\\u2FF0-\\u2FFB]', // C.7
    '[\\u0340\\u0341\\u200E\\u200F\\u202A-\\u202E]', // C.8
    '[\\u{E0001}\\u{E0020}-\\u{E007F}]', // C.9
    '\\p{Cn}', // A.1 (approximately)
  ].join('|'),
  'u',
);

const isAscii = (text: string): boolean => [...text].every((c) => c.charCodeAt(0) < 0x80);

/** The text PostgreSQL feeds to PBKDF2 for `password`. */
export function saslprep(password: string): string {
  if (isAscii(password)) return password;
  const prepared = password.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
  if (prepared.length === 0 || PROHIBITED.test(prepared)) return password;
  return prepared;
}

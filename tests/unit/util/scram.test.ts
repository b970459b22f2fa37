// SCRAM-SHA-256 verifiers: checked against the RFC 7677 exchange (the client proof and the
// server signature there can only be reproduced from the right StoredKey and ServerKey).
import { createHash, createHmac } from 'node:crypto';
import { parseScramVerifier, scramSha256Verifier, scramVerifierMatches } from '../../../src/util/scram.js';
import { saslprep } from '../../../src/util/saslprep.js';

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]));

describe('scramSha256Verifier', () => {
  // RFC 7677 section 3: user "user", password "pencil".
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const authMessage = [
    'n=user,r=rOprNGfwEbeRWgbNEkqO',
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  ].join(',');

  test('reproduces the RFC 7677 server signature and accepts its client proof', () => {
    const verifier = scramSha256Verifier('pencil', { salt });
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    const parsed = parseScramVerifier(verifier);
    if (!parsed) throw new Error('unparsable');
    expect(hmac(parsed.serverKey, authMessage).toString('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    // The server's check: ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) = StoredKey.
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientKey = xor(proof, hmac(parsed.storedKey, authMessage));
    expect(createHash('sha256').update(clientKey).digest().equals(parsed.storedKey)).toBe(true);
  });

  test('a fresh random salt each time; matching checks the password, not the salt', () => {
    const a = scramSha256Verifier('s3cret');
    const b = scramSha256Verifier('s3cret');
    expect(a).not.toBe(b);
    expect(scramVerifierMatches(a, 's3cret')).toBe(true);
    expect(scramVerifierMatches(b, 's3cret')).toBe(true);
    expect(scramVerifierMatches(a, 's3cret ')).toBe(false);
  });

  test('anything that is not a SCRAM verifier never matches', () => {
    expect(scramVerifierMatches(null, 'x')).toBe(false);
    expect(scramVerifierMatches('md5' + 'a'.repeat(32), 'x')).toBe(false);
    expect(scramVerifierMatches('SCRAM-SHA-256$4096:abc$def:ghi', 'x')).toBe(false);
    expect(parseScramVerifier('SCRAM-SHA-256$x:abc$def:ghi')).toBeUndefined();
  });
});

describe('saslprep', () => {
  test('ASCII stays as it is, control characters included', () => {
    expect(saslprep('pa ss\tword')).toBe('pa ss\tword');
  });
  test('maps non-ASCII spaces to a space, drops soft hyphens, applies NFKC', () => {
    expect(saslprep('a\u00A0b')).toBe('a b');
    expect(saslprep('I\u00ADX')).toBe('IX');
    expect(saslprep('\uFB01x')).toBe('fix');
    expect(saslprep('\u2168')).toBe('IX');
  });
  test('falls back to the raw password when the prepared one holds a prohibited character', () => {
    expect(saslprep('\uFB01\u0007')).toBe('\uFB01\u0007');
    expect(saslprep('\uFB01\uE000')).toBe('\uFB01\uE000');
  });
});

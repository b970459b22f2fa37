// Which object names under certs/ may become file names, and which files are private keys.
import { certNameProblem, isPrivateKey } from '../../../src/certs/install.js';

test.each(['nginx.crt', 'nginx.key', 'chain-2024.pem', 'le_fullchain.pem'])('%s is installed', (name) => {
  expect(certNameProblem(name)).toBeUndefined();
});

test.each(['', '..', '.', '../x.crt', 'sub/x.crt', '..\\x.key', '.hidden', 'a b.crt', 'x\u0000.key', 'new\nline.crt'])(
  '%j is refused',
  (name) => {
    expect(certNameProblem(name)).toBeDefined();
  },
);

test('keys are recognised by name or by content', () => {
  expect(isPrivateKey('nginx.key', Buffer.from('anything'))).toBe(true);
  expect(isPrivateKey('bundle.pem', Buffer.from('-----BEGIN RSA PRIVATE KEY-----\n'))).toBe(true);
  expect(isPrivateKey('nginx.crt', Buffer.from('-----BEGIN CERTIFICATE-----\n'))).toBe(false);
});

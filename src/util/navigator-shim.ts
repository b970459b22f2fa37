// Imported first by cli.ts, before pg. pg asks `navigator.userAgent` whether it runs in a
// Cloudflare Worker; Node 20 has no `navigator` (Node 21+ does), and then pg builds a fetch
// Response to ask, which loads undici and compiles its WebAssembly HTTP parser: ~4 MB of
// RSS for the life of rolevisor, for nothing. The same answer Node 21+ gives, on Node 20.
if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({ userAgent: `Node.js/${process.versions.node.split('.')[0]}` }),
    configurable: true,
    enumerable: false,
    writable: false,
  });
}

export {};

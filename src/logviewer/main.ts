// Entry point of the log viewer child process (services/logviewer/service.ts starts it):
//   main.js --port 8080 --bind 0.0.0.0 --dir /var/lib/rolevisor/log [--auth-file PATH]
// Settings come on the command line only (nothing secret is among them: the auth file holds
// the user and a hash of the password, see auth.ts).
import { parseArgs } from 'node:util';
import { readAuthFile, type ViewerAuth } from './auth.js';
import { createLogViewer } from './server.js';

function fail(message: string): never {
  process.stderr.write(`logviewer: ${message}\n`);
  process.exit(64);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    bind: { type: 'string', default: '127.0.0.1' },
    dir: { type: 'string' },
    'auth-file': { type: 'string' },
  },
  strict: true,
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535)
  fail(`--port must be 1-65535; received ${values.port ?? '(none)'}`);
if (!values.dir?.startsWith('/')) fail(`--dir must be an absolute path; received ${values.dir ?? '(none)'}`);

let auth: ViewerAuth | undefined;
if (values['auth-file'])
  auth = await readAuthFile(values['auth-file']).catch((error: unknown) =>
    fail(`cannot read --auth-file: ${error instanceof Error ? error.message : String(error)}`),
  );
const server = createLogViewer({ dir: values.dir, auth });
server.on('error', (error) => fail(`cannot listen on ${values.bind}:${port}: ${error.message}`));
server.listen(port, values.bind, () => {
  process.stdout.write(`logviewer: serving ${values.dir} on http://${values.bind}:${port}/\n`);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

// PostgreSQL's archive_command: `node wal-archive.mjs <socket> %f`. Asks the running
// rolevisor to store pg_wal/<name> and exits 0 only once rolevisor answers that it is in
// the store; any other outcome exits 1 and PostgreSQL keeps the file and retries. No
// dependencies and no credentials: it only names a file over a socket.
import { request } from 'node:http';

const [socketPath, name] = process.argv.slice(2);
if (!socketPath || !name) {
  process.stderr.write('usage: wal-archive.mjs <socket> <WAL file name>\n');
  process.exit(2);
}
const req = request(
  { socketPath, method: 'POST', path: `/archive/${encodeURIComponent(name)}`, timeout: 600_000 },
  (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (text += chunk));
    res.on('end', () => {
      if (res.statusCode === 200) process.exit(0);
      process.stderr.write(`rolevisor did not archive ${name}: ${text.trim()}\n`);
      process.exit(1);
    });
  },
);
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (error) => {
  process.stderr.write(`cannot reach rolevisor to archive ${name}: ${error.message}\n`);
  process.exit(1);
});
req.end();

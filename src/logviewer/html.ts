// The viewer's two pages. Every value from a file name or a log line goes through escapeHtml.
import type { HostEntry } from './listing.js';
import type { Tail } from './tail.js';

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const STYLE =
  'body{font-family:sans-serif;margin:1.5em}pre{white-space:pre-wrap;word-break:break-all;font-size:13px}td{padding:0 1em 0 0}h2{margin-bottom:.2em}';

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function listingPage(hosts: HostEntry[]): string {
  if (hosts.length === 0) return page('Logs', '<h1>Logs</h1><p>No logs received yet.</p>');
  const sections = hosts.map((h) => {
    const rows = h.files.map(
      (f) =>
        `<tr><td><a href="/view?file=${encodeURIComponent(f.path)}">${escapeHtml(f.name)}</a></td><td>${humanSize(f.size)}</td><td>${escapeHtml(f.modified)}</td></tr>`,
    );
    return `<h2>${escapeHtml(h.host)}</h2><table>${rows.join('')}</table>`;
  });
  return page('Logs', `<h1>Logs</h1>${sections.join('')}`);
}

export function tailPage(name: string, tail: Tail, lines: number): string {
  const file = encodeURIComponent(name);
  const more = [200, 1000, 5000].map((n) => `<a href="/view?file=${file}&amp;lines=${n}">${n}</a>`).join(' ');
  const note = tail.truncated ? '<p>(older lines cut: they are too long to show at once)</p>' : '';
  return page(
    name,
    `<p><a href="/">all logs</a> · last ${lines} lines (${more}) · <a href="/view?file=${file}&amp;lines=${lines}&amp;format=text">text</a></p><h1>${escapeHtml(name)}</h1>${note}<pre>${escapeHtml(tail.lines.join('\n'))}</pre>`,
  );
}

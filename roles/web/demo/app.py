"""rolevisor's bundled demo app: proves that nginx, uwsgi, Celery and config.yml's
Postgres, Redis and RabbitMQ settings all work together. WSGI callable: `app`."""
import redis
from flask import Flask, jsonify, render_template_string, request

import demo_db
import demo_files
import tasks
from demo_config import CONFIG, broker_url, redis_url, url_root, where

CACHE_HITS_KEY = 'rolevisor-demo:cache_hits'

app = Flask(__name__)
_redis = None


def _cache():
    global _redis
    if _redis is None:  # per process: uwsgi forks workers after importing this module
        _redis = redis.Redis.from_url(redis_url(), socket_timeout=5, socket_connect_timeout=5)
    return _redis


def _state():
    visits, jobs_done = demo_db.counts()
    hits = _cache().get(CACHE_HITS_KEY)
    return {'visits': visits, 'cache_hits': int(hits or 0), 'jobs_done': jobs_done}


class _UnderUrlRoot:
    """Serves the app under config.yml's `root` when the server has not mounted it there
    already (uwsgi does, with manage-script-name; `flask run` does not)."""

    def __init__(self, wsgi_app, root):
        self.wsgi_app, self.root = wsgi_app, root

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if self.root and not environ.get('SCRIPT_NAME') and (path == self.root or path.startswith(self.root + '/')):
            environ['SCRIPT_NAME'], environ['PATH_INFO'] = self.root, path[len(self.root):] or '/'
        return self.wsgi_app(environ, start_response)


app.wsgi_app = _UnderUrlRoot(app.wsgi_app, url_root())


@app.get('/')
def index():
    db = CONFIG['db']
    return render_template_string(
        PAGE,
        state=_state(),
        scheme=request.scheme,
        client=request.remote_addr,
        database=f"{db.get('name')}@{db.get('host')}:{db.get('port')}",
        cache=where(redis_url()),
        files=demo_files.listing(),
        broker=where(broker_url()),
    )


@app.get('/api/state')
def state():
    return jsonify(_state())


@app.post('/api/visit')
def visit():
    demo_db.record_visit(request.remote_addr)
    _cache().incr(CACHE_HITS_KEY)
    return jsonify(_state())


@app.get('/api/files')
def files():
    return jsonify({'files': demo_files.listing()})


@app.post('/api/files')
def upload():
    """A multipart form field "file", or the raw body with ?name=."""
    try:
        if 'file' in request.files:
            upload = request.files['file']
            saved = demo_files.save(upload.filename, upload.stream)
        else:
            saved = demo_files.save(request.args.get('name'), request.stream)
    except ValueError as error:
        return jsonify({'error': str(error)}), 400
    return jsonify(saved), 201


@app.post('/api/job')
def job():
    # A connection of this request's own, closed properly (AMQP connection.close) once the job
    # is sent: the producer pool's would stay open until uwsgi stops the worker, and RabbitMQ
    # warned "client unexpectedly closed TCP connection" for it at every stop.
    with tasks.celery.connection_for_write() as connection:
        result = tasks.count_job.apply_async(connection=connection)
    return jsonify({'task_id': result.id})


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rolevisor demo</title>
<style>
  :root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --accent: #2563eb; --ok: #0f9d58; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
         color: var(--ink); background: linear-gradient(180deg, #f5f7fa 0%, #eef2f7 100%); min-height: 100vh; }
  main { max-width: 860px; margin: 0 auto; padding: 48px 24px; }
  header { display: flex; align-items: center; justify-content: space-between; gap: 16px; flex-wrap: wrap; }
  h1 { margin: 0; font-size: 28px; letter-spacing: -0.02em; }
  h1 span { color: var(--accent); }
  .badge { font-size: 13px; color: var(--ok); background: #e6f4ea; border-radius: 999px; padding: 4px 12px; }
  p.lead { color: var(--muted); margin: 8px 0 32px; }
  .cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px; }
  .card { background: #fff; border: 1px solid var(--line); border-top: 4px solid var(--tint); border-radius: 12px;
          padding: 20px 24px; box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
  .card.pg { --tint: #336791; } .card.redis { --tint: #d82c20; } .card.mq { --tint: #ff6600; }
  .card .label { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
  .card .value { font-size: 44px; font-weight: 700; font-variant-numeric: tabular-nums; margin: 4px 0; }
  .card .what { font-size: 14px; color: var(--muted); }
  .card .where { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; color: var(--muted); margin-top: 2px;
                 white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .actions { display: flex; gap: 12px; margin: 28px 0; flex-wrap: wrap; }
  button { font: inherit; font-weight: 600; border: 0; border-radius: 8px; padding: 10px 20px; cursor: pointer;
           background: var(--accent); color: #fff; }
  button.secondary { background: #fff; color: var(--accent); border: 1px solid #bfd3fb; }
  button:disabled { opacity: .6; cursor: progress; }
  #status { color: var(--muted); align-self: center; font-size: 14px; }
  .files h2 { font-size: 18px; margin: 8px 0; } .files .what { font-size: 13px; color: var(--muted); font-weight: 400; }
  .files ul { padding-left: 20px; color: var(--muted); font-size: 14px; }
  footer { border-top: 1px solid var(--line); padding-top: 16px; color: var(--muted); font-size: 13px; }
  code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
  @media (max-width: 640px) { .cards { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<main>
  <header>
    <h1><span>rolevisor</span> demo app</h1>
    <span class="badge">nginx &rarr; uwsgi &rarr; Flask &middot; Celery</span>
  </header>
  <p class="lead">Every number below comes from a real service configured by <code>config.yml</code>.</p>
  <section class="cards">
    <div class="card pg"><div class="label">Visits</div><div class="value" id="visits">{{ state.visits }}</div>
      <div class="what">rows in PostgreSQL</div><div class="where" title="{{ database }}">{{ database }}</div></div>
    <div class="card redis"><div class="label">Cache hits</div><div class="value" id="cache_hits">{{ state.cache_hits }}</div>
      <div class="what">INCR in Redis</div><div class="where" title="{{ cache }}">{{ cache }}</div></div>
    <div class="card mq"><div class="label">Jobs done</div><div class="value" id="jobs_done">{{ state.jobs_done }}</div>
      <div class="what">Celery tasks via RabbitMQ</div><div class="where" title="{{ broker }}">{{ broker }}</div></div>
  </section>
  <div class="actions">
    <button id="visit">Record a visit</button>
    <button id="job" class="secondary">Run a background job</button>
    <span id="status"></span>
  </div>
  <section class="files">
    <h2>Files <span class="what">kept in the store (FILESDIR)</span></h2>
    <form id="upload"><input type="file" name="file" required> <button>Upload</button></form>
    <ul id="files">{% for f in files %}<li><code>{{ f.name }}</code> {{ f.size }} bytes <code title="sha256">{{ f.sha256[:12] }}</code></li>{% endfor %}</ul>
  </section>
  <footer>Served over <strong id="scheme">{{ scheme }}</strong> to <strong id="client">{{ client }}</strong>
    &middot; app root <code>{{ request.script_root or '/' }}</code></footer>
</main>
<script>
  const api = (path) => {{ request.script_root|tojson }} + path;
  const status = document.getElementById("status");
  function show(state) {
    for (const key of ["visits", "cache_hits", "jobs_done"]) document.getElementById(key).textContent = state[key];
  }
  async function call(method, path) {
    const response = await fetch(api(path), { method, headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(method + " " + path + ": HTTP " + response.status);
    return response.json();
  }
  async function busy(button, work) {
    button.disabled = true;
    try { await work(); } catch (error) { status.textContent = error.message; } finally { button.disabled = false; }
  }
  document.getElementById("visit").onclick = (event) => busy(event.target, async () => {
    show(await call("POST", "/api/visit"));
    status.textContent = "Visit recorded.";
  });
  document.getElementById("upload").onsubmit = async (event) => {
    event.preventDefault();
    const response = await fetch(api("/api/files"), { method: "POST", body: new FormData(event.target) });
    const saved = await response.json();
    status.textContent = response.ok ? "Stored " + saved.name + " (" + saved.size + " bytes)." : saved.error;
    const { files } = await call("GET", "/api/files");
    document.getElementById("files").innerHTML = files.map((f) => "<li><code></code> " + f.size + " bytes</li>").join("");
    document.querySelectorAll("#files code").forEach((code, i) => { code.textContent = files[i].name; });
  };
  document.getElementById("job").onclick = (event) => busy(event.target, async () => {
    const before = Number(document.getElementById("jobs_done").textContent);
    const { task_id } = await call("POST", "/api/job");
    status.textContent = "Job " + task_id.slice(0, 8) + " queued\u2026";
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const state = await call("GET", "/api/state");
      show(state);
      if (state.jobs_done > before) { status.textContent = "Job " + task_id.slice(0, 8) + " done by a worker."; return; }
    }
    status.textContent = "Job " + task_id.slice(0, 8) + " is still queued: is a Celery worker running?";
  });
</script>
</body>
</html>
"""

"""The demo's uploaded files, in config.yml's `uploads` directory (FILESDIR), which rolevisor
keeps in the store: upload one, replace the host, and it is listed again with the same sha256."""
import hashlib
import os
import tempfile

from werkzeug.utils import secure_filename

from demo_config import files_dir

MAX_BYTES = 64 * 1024 * 1024


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b''):
            digest.update(block)
    return digest.hexdigest()


def listing():
    """Every regular file under the directory (symbolic links are not followed), by name."""
    root = files_dir()
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path) or name.endswith('.rv-restore') or name.startswith('.upload-'):
                continue
            found.append({'name': os.path.relpath(path, root), 'size': os.path.getsize(path), 'sha256': _sha256(path)})
    return found


def save(name, stream):
    """Writes the upload under a safe name, whole or not at all (a temp file renamed into place)."""
    safe = secure_filename(name or '')
    if not safe:
        raise ValueError('the file needs a name of letters, digits, ".", "_" or "-"')
    root = files_dir()
    handle, temp = tempfile.mkstemp(prefix='.upload-', dir=root)
    size = 0
    try:
        with os.fdopen(handle, 'wb') as out:
            for block in iter(lambda: stream.read(1024 * 1024), b''):
                size += len(block)
                if size > MAX_BYTES:
                    raise ValueError(f'the file is larger than {MAX_BYTES} bytes')
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o640)
        os.replace(temp, os.path.join(root, safe))
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    path = os.path.join(root, safe)
    return {'name': safe, 'size': size, 'sha256': _sha256(path)}

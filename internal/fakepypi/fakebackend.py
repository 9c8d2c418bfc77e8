"""Minimal PEP 517 build backend shipped in fakepypi sdists (stdlib only, no network)."""
import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

_STAMP = (2020, 2, 2, 0, 0, 0)
_WHEEL = "Wheel-Version: 1.0\nGenerator: fakebackend 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _metadata():
    with open("PKG-INFO", "rb") as f:
        data = f.read()
    fields = {}
    for line in data.decode("utf-8").splitlines():
        if not line:
            break
        key, _, value = line.partition(":")
        fields.setdefault(key, value.strip())
    return data, fields["Name"], fields["Version"]


def _dist(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _packages():
    out = []
    for entry in sorted(os.listdir(".")):
        if os.path.isfile(os.path.join(entry, "__init__.py")):
            out.append(entry)
    return out


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (path, digest, len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    data, name, version = _metadata()
    info = "%s-%s.dist-info" % (_dist(name), version)
    path = os.path.join(metadata_directory, info)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "METADATA"), "wb") as f:
        f.write(data)
    with open(os.path.join(path, "WHEEL"), "w") as f:
        f.write(_WHEEL)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    data, name, version = _metadata()
    dist = _dist(name)
    info = "%s-%s.dist-info/" % (dist, version)
    members = []
    for pkg in _packages():
        for root, dirs, files in os.walk(pkg):
            dirs.sort()
            for fn in sorted(files):
                if fn.endswith(".pyc"):
                    continue
                full = os.path.join(root, fn)
                with open(full, "rb") as f:
                    members.append((full.replace(os.sep, "/"), f.read()))
    members.append((info + "METADATA", data))
    members.append((info + "WHEEL", _WHEEL.encode()))
    record = "".join(_record_line(p, d) for p, d in members) + info + "RECORD,,\n"
    members.append((info + "RECORD", record.encode()))
    filename = "%s-%s-py3-none-any.whl" % (dist, version)
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for path, content in members:
            zi = zipfile.ZipInfo(path, _STAMP)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, content)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    _, name, version = _metadata()
    root = "%s-%s" % (_dist(name), version)
    filename = root + ".tar.gz"
    paths = ["PKG-INFO", "pyproject.toml", "fakebackend.py"]
    for pkg in _packages():
        for base, dirs, files in os.walk(pkg):
            dirs.sort()
            paths.extend(os.path.join(base, fn) for fn in sorted(files) if not fn.endswith(".pyc"))
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.USTAR_FORMAT) as tf:
        for path in paths:
            with open(path, "rb") as f:
                content = f.read()
            ti = tarfile.TarInfo(root + "/" + path.replace(os.sep, "/"))
            ti.size, ti.mtime, ti.mode = len(content), 1580601600, 0o644
            tf.addfile(ti, io.BytesIO(content))
    return filename

"""The build backend (examples/python/_build): wheels, sdists, pip, no Go.

These need the source tree, so they skip where the tests run from an
installed copy (the backend is not part of the package).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import textwrap
import unittest
import zipfile

import ctexec

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = os.path.join(SOURCE, "_build")
HAVE_SOURCE = os.path.isfile(os.path.join(BACKEND, "ctexec_build.py"))
PLATFORM = re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())
SONAME = "libctexec.so.0"
#: The package's modules, every one of which a wheel and an sdist must carry.
MODULES = ("__init__.py", "_asyncio.py", "_executor.py", "_ffi.py", "_loader.py", "_postfork.py",
           "_status.py", "_version.py")


def without_go_path() -> str:
    """PATH with every directory that holds a ``go`` removed."""
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not os.path.exists(os.path.join(d, "go")))


def run_hook(source: str, hook: str, out_dir: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Call a PEP 517 hook of the backend in *source* in a fresh process, as
    a frontend does (cwd is the source tree, backend-path on sys.path)."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, "_build")
        import ctexec_build
        print(ctexec_build.{hook}({out_dir!r}))
        """
    )
    return subprocess.run([sys.executable, "-c", code], cwd=source, env=env,
                          capture_output=True, text=True, timeout=300)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CTEXEC_WHEEL_LIBRARY", "GO", "CTEXEC_LIBRARY", "PYTHONPATH")}
    env.update(extra)
    return env


@unittest.skipUnless(HAVE_SOURCE, "the build backend is not here (testing an installed copy)")
class BuildBackendTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="ctexec-build-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def assertOk(self, out: subprocess.CompletedProcess[str]) -> None:
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def check_wheel(self, path: str) -> zipfile.ZipFile:
        """Check name, tag, RECORD and the library's mode; return the zip."""
        self.assertEqual(os.path.basename(path), f"ctexec-0.3.0-py3-none-{PLATFORM}.whl")
        zf = zipfile.ZipFile(path)
        self.addCleanup(zf.close)
        names = set(zf.namelist())
        info = "ctexec-0.3.0.dist-info"
        self.assertTrue({f"ctexec/{m}" for m in MODULES} | {"ctexec/py.typed", f"ctexec/{SONAME}",
                         f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"} <= names, names)
        wheel = zf.read(f"{info}/WHEEL").decode()
        self.assertIn(f"Tag: py3-none-{PLATFORM}\n", wheel)
        self.assertIn("Root-Is-Purelib: false\n", wheel)
        meta = zf.read(f"{info}/METADATA").decode()
        self.assertIn("Name: ctexec\n", meta)
        self.assertIn("Version: 0.3.0\n", meta)
        record = {}
        for line in zf.read(f"{info}/RECORD").decode().splitlines():
            name, digest, size = line.rsplit(",", 2)
            record[name] = (digest, size)
        self.assertEqual(set(record), names)
        for name in names - {f"{info}/RECORD"}:
            data = zf.read(name)
            want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            self.assertEqual(record[name], (want, str(len(data))), name)
        mode = zf.getinfo(f"ctexec/{SONAME}").external_attr >> 16
        self.assertEqual(mode & 0o777, 0o755)
        return zf

    def check_library_loads(self, zf: zipfile.ZipFile) -> None:
        lib = os.path.join(self.tmp, "unpacked", SONAME)
        os.makedirs(os.path.dirname(lib), exist_ok=True)
        with open(lib, "wb") as f:
            f.write(zf.read(f"ctexec/{SONAME}"))
        code = f"import ctypes; print(ctypes.CDLL({lib!r}).ctexec_version())"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        self.assertOk(out)
        self.assertEqual(int(out.stdout) // 10000, ctexec.ABI_MAJOR)

    def test_the_module_list_is_the_package_s(self) -> None:
        pkg = os.path.join(SOURCE, "src", "ctexec")
        self.assertEqual(set(MODULES), {n for n in os.listdir(pkg) if n.endswith(".py")})

    def test_version_is_pyproject_s(self) -> None:
        with open(os.path.join(SOURCE, "pyproject.toml"), encoding="utf-8") as f:
            declared = re.search(r'^version = "([^"]+)"', f.read(), re.M)
        self.assertIsNotNone(declared)
        self.assertEqual(ctexec.__version__, declared[1])  # type: ignore[index]

    def test_wheel_is_tagged_for_the_platform_and_records_every_file(self) -> None:
        lib = ctexec.load()
        out = run_hook(SOURCE, "build_wheel", self.tmp, clean_env(CTEXEC_WHEEL_LIBRARY=lib))
        self.assertOk(out)
        zf = self.check_wheel(os.path.join(self.tmp, out.stdout.strip()))
        with open(lib, "rb") as f:
            self.assertEqual(zf.read(f"ctexec/{SONAME}"), f.read())

    def test_sdist_carries_the_go_sources_and_builds_a_wheel_with_go(self) -> None:
        out = run_hook(SOURCE, "build_sdist", self.tmp, clean_env())
        self.assertOk(out)
        name = out.stdout.strip()
        self.assertEqual(name, "ctexec-0.3.0.tar.gz")
        with tarfile.open(os.path.join(self.tmp, name)) as tar:
            members = set(tar.getnames())
            for want in tuple(f"src/ctexec/{m}" for m in MODULES) + ("pyproject.toml", "PKG-INFO", "_build/ctexec_build.py",
                         "src/ctexec/py.typed", "go/go.mod", "go/capi/main.go", "go/capi/ctexec.map",
                         "go/executor/executor.go", "go/include/ctexec.h"):
                self.assertIn(f"ctexec-0.3.0/{want}", members)
            self.assertFalse([m for m in members if m.endswith("_test.go")])
            tar.extractall(os.path.join(self.tmp, "sdist"))
        unpacked = os.path.join(self.tmp, "sdist", "ctexec-0.3.0")
        out = run_hook(unpacked, "build_wheel", os.path.join(self.tmp, "dist"), clean_env())
        self.assertOk(out)
        self.assertIn("go build -buildmode=c-shared", out.stderr)
        self.check_library_loads(self.check_wheel(os.path.join(self.tmp, "dist", out.stdout.strip())))

    def test_without_go_the_build_fails_with_one_line_saying_what_to_install(self) -> None:
        out = run_hook(SOURCE, "build_wheel", self.tmp, clean_env(PATH=without_go_path()))
        self.assertNotEqual(out.returncode, 0)
        self.assertEqual(out.stderr.strip().splitlines(),
                         ["ctexec: Go is missing: install Go 1.24+ (https://go.dev/dl) "
                          "and put it on PATH (or set GO=/path/to/go)"])
        self.assertEqual(os.listdir(self.tmp), [])

    def pip(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode:
            self.skipTest("pip is not installed for this interpreter")
        return subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-index", "--no-deps",
             "--disable-pip-version-check", "-w", self.tmp, *args, SOURCE],
            capture_output=True, text=True, timeout=300, env=clean_env(**env), cwd=self.tmp)

    def test_pip_builds_the_wheel_with_no_index_and_runs_go(self) -> None:
        out = self.pip("-v")
        self.assertOk(out)
        self.assertIn("go build -buildmode=c-shared", out.stdout + out.stderr)
        wheels = [n for n in os.listdir(self.tmp) if n.endswith(".whl")]
        self.assertEqual(len(wheels), 1, wheels)
        self.check_library_loads(self.check_wheel(os.path.join(self.tmp, wheels[0])))

    def test_pip_without_go_shows_the_one_line(self) -> None:
        out = self.pip(PATH=without_go_path())
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("ctexec: Go is missing: install Go 1.24+", out.stdout + out.stderr)
        self.assertNotIn("Traceback", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()

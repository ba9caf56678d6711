"""Test the package as a user gets it: built into a wheel, installed into a
fresh venv with no package index, imported from outside the repository.

    installed.py wheel OUTDIR
        Build the wheel into OUTDIR (emptied first) with the in-tree
        backend. CTEXEC_WHEEL_LIBRARY, when set, is the library to pack.
    installed.py test WHEELDIR PYTHON [--system-site-packages]
        Make a venv for PYTHON in a temporary directory, install the one
        wheel in WHEELDIR with ``pip --no-index``, copy the unittest files
        next to it and run them there, with CTEXEC_LIBRARY, PYTHONPATH and
        LD_LIBRARY_PATH removed, so that the package and its library can
        only come from the venv.

Not a test module itself (unittest discovery looks for test*.py).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)


def build_wheel(out_dir: str) -> None:
    shutil.rmtree(out_dir, ignore_errors=True)
    sys.path.insert(0, os.path.join(SOURCE, "_build"))
    import ctexec_build

    print(ctexec_build.build_wheel(out_dir))


def run(cmd: list[str]) -> None:
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def test_installed(wheel_dir: str, python: str, system_site: bool) -> int:
    wheels = glob.glob(os.path.join(wheel_dir, "*.whl"))
    if len(wheels) != 1:
        sys.exit(f"installed.py: expected one wheel in {wheel_dir}, found {wheels}")
    work = tempfile.mkdtemp(prefix="ctexec-installed-")
    try:
        venv = os.path.join(work, "venv")
        run([python, "-m", "venv", *(["--system-site-packages"] if system_site else []), venv])
        vpy = os.path.join(venv, "bin", "python")
        run([vpy, "-m", "pip", "install", "--no-index", "--no-deps",
             "--disable-pip-version-check", "-q", wheels[0]])
        tests = os.path.join(work, "tests")
        os.makedirs(tests)
        for name in os.listdir(HERE):
            if name.endswith(".py") and name != os.path.basename(__file__):
                shutil.copy(os.path.join(HERE, name), tests)
        env = {k: v for k, v in os.environ.items()
               if k not in ("CTEXEC_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH", "PYTHONHOME")}
        env["CTEXEC_EXPECT_INSTALLED"] = "1"
        cmd = [vpy, "-m", "unittest", "discover", "-v", "-s", tests, "-t", tests]
        print("+ " + " ".join(cmd), flush=True)
        return subprocess.run(cmd, cwd=work, env=env).returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "wheel":
        build_wheel(sys.argv[2])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "test":
        system_site = sys.argv[4:] == ["--system-site-packages"]
        if len(sys.argv) == 5 and not system_site:
            sys.exit(__doc__)
        sys.exit(test_installed(sys.argv[2], sys.argv[3], system_site))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

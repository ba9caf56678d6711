"""How the library is found and when it is loaded. Each case runs in a fresh
interpreter, because a process can load the library only once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import ctexec

PACKAGE = os.path.dirname(os.path.abspath(ctexec.__file__))
SONAME = "libctexec.so.0"


def real_library() -> str:
    return ctexec.load()


class LoadingTests(unittest.TestCase):
    def setUp(self) -> None:
        self.lib = real_library()
        self.tmp = tempfile.mkdtemp(prefix="ctexec-load-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def run_py(self, code: str, module_dir: str | None = None, cwd: str | None = None, **env: str) -> subprocess.CompletedProcess:
        full_env = {k: v for k, v in os.environ.items() if k not in ("CTEXEC_LIBRARY", "LD_LIBRARY_PATH")}
        full_env["PYTHONPATH"] = module_dir or os.path.dirname(PACKAGE)
        full_env.update(env)
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True, text=True, timeout=60, env=full_env, cwd=cwd or self.tmp,
        )

    def copy_package(self, parent: str, library: str | None = None) -> str:
        """The package's Python files (never a library) in <parent>/ctexec/,
        plus *library* as its libctexec.so.0 if given; returns *parent*."""
        dest = os.path.join(parent, "ctexec")
        os.makedirs(dest)
        for name in os.listdir(PACKAGE):
            if name.endswith(".py") or name == "py.typed":
                shutil.copy(os.path.join(PACKAGE, name), dest)
        if library is not None:
            shutil.copy(library, os.path.join(dest, SONAME))
        return parent

    def fake_checkout(self, with_build: bool, package_library: str | None = None) -> str:
        """The package at <root>/examples/python/src/ctexec/ of a checkout
        (marked by capi/ctexec.map), optionally with
        <root>/build/libctexec.so.0; returns <root>/examples/python/src."""
        root = os.path.join(self.tmp, "checkout")
        os.makedirs(os.path.join(root, "capi"))
        open(os.path.join(root, "capi", "ctexec.map"), "w").close()
        mod_dir = self.copy_package(os.path.join(root, "examples", "python", "src"), package_library)
        if with_build:
            os.makedirs(os.path.join(root, "build"))
            shutil.copy(self.lib, os.path.join(root, "build", SONAME))
        return mod_dir

    def first_use_error(self, module_dir: str) -> str:
        """Import the package from *module_dir*, check that import alone
        succeeds, and return the error its first use raises."""
        out = self.run_py(
            """
            import ctexec
            try:
                ctexec.CurrentThreadExecutor()
            except OSError as exc:
                print(exc)
            else:
                print("loaded", ctexec.library_path())
            """,
            module_dir=module_dir,
        )
        self.assertOk(out)
        return out.stdout.strip()

    def assertOk(self, out: subprocess.CompletedProcess) -> None:
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_import_alone_does_not_load_the_library(self) -> None:
        out = self.run_py(
            """
            import ctexec
            assert ctexec.library_path() is None
            assert "libctexec" not in open("/proc/self/maps").read()
            e = ctexec.Error(ctexec.EQUIT)        # building errors does not load it
            assert str(e) == "CurrentThreadExecutor already quit or is broken"
            assert "libctexec" not in open("/proc/self/maps").read()
            """,
            CTEXEC_LIBRARY=self.lib,
        )
        self.assertOk(out)

    def test_first_use_loads_from_CTEXEC_LIBRARY(self) -> None:
        out = self.run_py(
            """
            import ctexec, os
            ctexec.CurrentThreadExecutor()
            print(ctexec.library_path())
            """,
            CTEXEC_LIBRARY=self.lib,
        )
        self.assertOk(out)
        self.assertEqual(out.stdout.strip(), os.path.abspath(self.lib))

    def test_explicit_load_comes_first(self) -> None:
        out = self.run_py(
            f"""
            import ctexec
            assert ctexec.load({self.lib!r}) == {self.lib!r}
            assert ctexec.library_path() == {self.lib!r}
            assert ctexec.load() == {self.lib!r}           # idempotent
            try:
                ctexec.load("/elsewhere/libctexec.so.0")
            except RuntimeError as exc:
                assert "already loaded" in str(exc), exc
            else:
                raise AssertionError("a second library was accepted")
            """,
            CTEXEC_LIBRARY="/nonexistent/libctexec.so.0",
        )
        self.assertOk(out)

    def test_bad_CTEXEC_LIBRARY_is_an_error_that_names_it(self) -> None:
        mod_dir = self.fake_checkout(with_build=True)  # a fallback exists...
        out = self.run_py(
            """
            import ctexec
            try:
                ctexec.CurrentThreadExecutor()
            except OSError as exc:
                print(exc)
            else:
                raise AssertionError("loaded something else")
            """,
            module_dir=mod_dir,
            CTEXEC_LIBRARY="/nonexistent/libctexec.so.0",
        )
        self.assertOk(out)  # ...but an explicit choice is not silently replaced
        self.assertIn("CTEXEC_LIBRARY=/nonexistent/libctexec.so.0", out.stdout)

    def test_build_tree_of_the_checkout_is_next(self) -> None:
        mod_dir = self.fake_checkout(with_build=True)
        out = self.run_py("import ctexec; print(ctexec.load())", module_dir=mod_dir)
        self.assertOk(out)
        self.assertEqual(out.stdout.strip(), os.path.join(self.tmp, "checkout", "build", "libctexec.so.0"))

    def test_never_the_current_directory_and_the_error_says_where_it_looked(self) -> None:
        mod_dir = self.fake_checkout(with_build=False)
        cwd = os.path.join(self.tmp, "cwd")
        os.makedirs(cwd)
        for name in ("libctexec.so.0", "libctexec.so"):
            shutil.copy(self.lib, os.path.join(cwd, name))
        out = self.run_py(
            """
            import ctexec
            try:
                print("loaded", ctexec.load())
            except OSError as exc:
                print("error", exc)
            """,
            module_dir=mod_dir,
            cwd=cwd,
        )
        self.assertOk(out)
        text = out.stdout.strip()
        if text.startswith("loaded"):
            # An installed copy exists on this machine; it must not be ours.
            self.assertNotIn(cwd, text)
        else:
            self.assertIn("CTEXEC_LIBRARY (not set)", text)
            self.assertIn(os.path.join(self.tmp, "checkout", "build", "libctexec.so.0"), text)
            self.assertIn("dynamic loader", text)

    def test_package_copy_comes_before_the_build_tree(self) -> None:
        mod_dir = self.fake_checkout(with_build=True, package_library=self.lib)
        out = self.run_py("import ctexec; print(ctexec.load())", module_dir=mod_dir)
        self.assertOk(out)
        self.assertEqual(out.stdout.strip(), os.path.join(mod_dir, "ctexec", SONAME))

    def test_CTEXEC_LIBRARY_comes_before_the_package_copy(self) -> None:
        mod_dir = self.copy_package(os.path.join(self.tmp, "site"), library=os.devnull)
        out = self.run_py("import ctexec; print(ctexec.load())", module_dir=mod_dir, CTEXEC_LIBRARY=self.lib)
        self.assertOk(out)
        self.assertEqual(out.stdout.strip(), os.path.abspath(self.lib))

    def test_missing_library_fails_at_first_use_with_the_paths_tried(self) -> None:
        # An installed package (not in a checkout) whose wheel lacks the library.
        mod_dir = self.copy_package(os.path.join(self.tmp, "site"))
        text = self.first_use_error(mod_dir)
        if text.startswith("loaded"):
            self.skipTest(f"an installed libctexec exists on this machine: {text}")
        self.assertIn("CTEXEC_LIBRARY (not set)", text)
        self.assertIn(os.path.join(mod_dir, "ctexec", SONAME) + " (no such file)", text)
        self.assertIn("not imported from a checkout", text)
        self.assertIn("dynamic loader", text)

    def test_package_library_that_does_not_load_fails_with_its_path(self) -> None:
        junk = os.path.join(self.tmp, "junk")
        with open(junk, "w") as f:
            f.write("not an ELF file\n")
        # A build tree exists, but a broken install must not be hidden by it.
        mod_dir = self.fake_checkout(with_build=True, package_library=junk)
        text = self.first_use_error(mod_dir)
        self.assertIn("did not load", text)
        self.assertIn("CTEXEC_LIBRARY (not set)", text)
        self.assertIn(os.path.join(mod_dir, "ctexec", SONAME), text)

    def test_library_of_another_major_version_fails_naming_both_versions(self) -> None:
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc is None:
            self.skipTest("no C compiler to build a library of another version")
        src = os.path.join(self.tmp, "v.c")
        with open(src, "w") as f:
            f.write("unsigned ctexec_version(void) { return 10203; }\n")
        stub = os.path.join(self.tmp, SONAME)
        subprocess.run([cc, "-shared", "-fPIC", "-o", stub, src], check=True)
        mod_dir = self.copy_package(os.path.join(self.tmp, "site"), library=stub)
        text = self.first_use_error(mod_dir)
        self.assertIn("version 1.2.3", text)
        self.assertIn(f"needs {ctexec.ABI_MAJOR}.x", text)
        self.assertIn(os.path.join(mod_dir, "ctexec", SONAME), text)

    @unittest.skipUnless(os.environ.get("CTEXEC_EXPECT_INSTALLED") == "1", "not testing an installed copy")
    def test_installed_copy_is_the_one_imported_and_loaded(self) -> None:
        # Set by the installed-package CTest tests: nothing may come from the
        # source tree or the build tree.
        self.assertTrue(PACKAGE.startswith(os.path.realpath(sys.prefix) + os.sep) or PACKAGE.startswith(sys.prefix + os.sep), PACKAGE)
        self.assertIsNone(ctexec._loader._ROOT)
        self.assertEqual(self.lib, os.path.join(PACKAGE, SONAME))
        self.assertNotIn("CTEXEC_LIBRARY", os.environ)

    def test_internal_panic_becomes_PanicError_and_the_process_lives(self) -> None:
        # CTEXEC_DEBUG_PANIC makes one entry point panic on purpose.
        for entry in ("new", "run_until"):
            with self.subTest(entry=entry):
                out = self.run_py(
                    f"""
                    import ctexec
                    from concurrent.futures import Future
                    def first():
                        ex = ctexec.CurrentThreadExecutor()
                        done = Future()
                        done.set_result(None)
                        ex.run_until_future(done)
                    for attempt in range(2):  # the library is poisoned after the first
                        try:
                            first()
                        except ctexec.PanicError as exc:
                            assert isinstance(exc, RuntimeError) and exc.status == ctexec.EPANIC
                        else:
                            raise AssertionError("no PanicError")
                    assert ctexec._executor._pending_items() == 0
                    print("alive")
                    """,
                    CTEXEC_LIBRARY=self.lib,
                    CTEXEC_DEBUG_PANIC=entry,
                )
                self.assertOk(out)
                self.assertEqual(out.stdout.strip(), "alive")
                self.assertIn("panic", out.stderr)

if __name__ == "__main__":
    unittest.main()

"""The binding's status table against include/ctexec.h, which defines every
code (#define CTEXEC_<name>) and its text (a CTEXEC_STATUS_TEXTS row)."""

from __future__ import annotations

import os
import re
import unittest

import ctexec

# Beside this test in a checkout (examples/python/tests -> the repository
# root). The installed runs copy the tests out of the checkout: no header.
HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "include", "ctexec.h")


#: asgiref's messages, which the binding raises whatever the C texts say.
ASGIREF_TEXTS = {
    ctexec.EWRONGTHREAD: "You cannot run CurrentThreadExecutor from a different thread",
    ctexec.ESAMETHREAD: "You cannot submit onto CurrentThreadExecutor from its own thread",
    ctexec.EQUIT: "CurrentThreadExecutor already quit or is broken",
}


def header_statuses() -> tuple[dict[str, int], dict[str, str]]:
    """(name -> value, name -> text) as include/ctexec.h defines them."""
    with open(HEADER, encoding="utf-8") as f:
        text = f.read()
    values = {m[1]: int(m[2]) for m in re.finditer(r"^#define CTEXEC_(OK|E[A-Z]+)\s+\(?(-?\d+)\)?", text, re.M)}
    texts = {m[1]: m[2] for m in re.finditer(r'X\((\w+), "((?:[^"\\]|\\.)*)"\)', text)}
    return values, texts


@unittest.skipUnless(os.path.exists(HEADER), "include/ctexec.h is not beside this checkout")
class StatusTableTests(unittest.TestCase):
    def setUp(self) -> None:
        self.values, self.texts = header_statuses()
        self.assertTrue(self.values, "no status codes found in ctexec.h")

    def test_values_match_header(self) -> None:
        for name, value in self.values.items():
            self.assertEqual(getattr(ctexec, name, None), value, f"ctexec.{name}")

    def test_texts_match_header(self) -> None:
        expected = {self.values[name]: text for name, text in self.texts.items()}
        self.assertEqual(ctexec._status._MESSAGES, expected)

    def test_every_error_code_has_an_exception_class(self) -> None:
        errors = {v for n, v in self.values.items() if n != "OK"}
        self.assertEqual(set(ctexec._status._ERROR_CLASSES), errors)

    def test_library_strerror_matches_header(self) -> None:
        ctexec.load()
        for name, text in self.texts.items():
            self.assertEqual(ctexec._loader._lib.ctexec_strerror(self.values[name]), text, name)

    def test_python_texts_are_asgiref_s_for_its_three_codes_and_the_header_s_for_the_rest(self) -> None:
        # Checked on the copy used before the library loads and on what
        # strerror and the exceptions say once it has.
        table = {self.values[name]: text for name, text in self.texts.items()}
        before = {code: ctexec._status._texts[code] for code in table}
        ctexec.load()
        for code, header_text in table.items():
            want = ASGIREF_TEXTS.get(code, header_text)
            with self.subTest(code=code):
                self.assertEqual(before[code], want)
                self.assertEqual(ctexec.strerror(code), want)
                if code != ctexec.OK:
                    self.assertEqual(str(ctexec.Error(code)), want)


if __name__ == "__main__":
    unittest.main()

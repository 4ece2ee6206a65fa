"""The official Jupyter kernel conformance suite (jupyter_kernel_test), every test enabled,
against the `ladder` kernelspec installed from this checkout."""
from __future__ import annotations

import unittest

import jupyter_kernel_test as jkt
from ladder_kernelspec import install_kernelspec

install_kernelspec()


class LadderKernelTests(jkt.KernelTests):
    kernel_name = "ladder"
    language_name = "rhai"
    file_extension = ".rhai"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'eprint("something went wrong")'

    # Tests run in name order: test_clear_output's cell defines the variable completed here.
    code_clear_output = "let zebra_count = 3;\nclear_output()"
    completion_samples = [{"text": "zebra_c", "matches": {"zebra_count"}}]

    complete_code_samples = ["1 + 1", "let x = 2;", "fn f(a) { a * 2 }"]
    incomplete_code_samples = ["fn f(a) {", "let s = [1, 2,", 'print("open']
    invalid_code_samples = ["let = 3;", "1 +* 2;"]

    code_page_something = "?zebra_count"

    code_generate_error = 'throw "boom"'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": '"ab"'},
        {"code": "[1, 2].len()", "result": "2"},
    ]
    code_display_data = [
        {"code": "display([1, 2])", "mime": "application/json"},
        {"code": "display(3)", "mime": "text/plain"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 * ?"

    code_inspect_sample = "zebra_count"


class LadderIopubWelcomeTests(jkt.IopubWelcomeTests):
    kernel_name = "ladder"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()

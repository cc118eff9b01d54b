"""An Ansible callback for packaging/tests/ansible.sh (copied into a
callback_plugins folder of the test's own): writes every task result and the
play recap of a run as one JSON document to $JETPACK_TEST_RECORD:

    {"results": {HOST: {TASK NAME: RESULT, ...}, ...},
     "stats": {HOST: {"ok": N, "changed": N, "failures": N, ...}, ...}}

Each RESULT is the module's result with "_status" added (ok, failed,
skipped, unreachable).
"""

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: ansible_record
type: aggregate
short_description: the task results and recap of a run as JSON, for the packaging tests
description:
  - Writes the results and the recap to the file named by JETPACK_TEST_RECORD.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ansible_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = {}

    def record(self, result, status):
        data = getattr(result, "result", None)
        if not isinstance(data, dict):
            data = result._result
        data = dict(data)
        data["_status"] = status
        host = getattr(result, "host", None) or result._host
        task = getattr(result, "task", None) or result._task
        self.results.setdefault(host.get_name(), {})[task.get_name()] = data

    def v2_runner_on_ok(self, result):
        self.record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self.record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self.record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        summary = {h: stats.summarize(h) for h in sorted(stats.processed)}
        path = os.environ.get("JETPACK_TEST_RECORD")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"results": self.results, "stats": summary}, f, default=str, indent=1)

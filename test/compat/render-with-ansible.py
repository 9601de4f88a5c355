"""Render template cases with ansible-core's own Templar, configured as its `template`
action does (AnsibleEnvironment, trim_blocks/lstrip_blocks, preserve_trailing_newlines,
the template's search path and template vars). Reads a JSON list of cases on stdin:
[{"name", "path" (the .j2 file), "src" (as a task would name it), "vars", "trim_blocks",
"lstrip_blocks"}], prints a JSON object name -> {"ok": text} or {"error": message}.
One process for every case keeps the comparison fast."""
import json
import os
import sys

from ansible.parsing.dataloader import DataLoader
from ansible.template import AnsibleEnvironment, Templar, generate_ansible_template_vars

cases = json.load(sys.stdin)
results = {}
for case in cases:
    base = os.path.dirname(case["path"])
    loader = DataLoader()
    loader.set_basedir(base)
    search = [os.path.join(base, "templates"), base]
    variables = dict(case["vars"])
    variables.update(generate_ansible_template_vars(case["src"], case["path"], None))
    templar = Templar(loader=loader, variables={})
    templar = templar.copy_with_new_env(
        environment_class=AnsibleEnvironment,
        searchpath=search,
        trim_blocks=case.get("trim_blocks", True),
        lstrip_blocks=case.get("lstrip_blocks", False),
        available_variables=variables,
    )
    with open(case["path"], encoding="utf-8") as f:
        data = f.read()
    try:
        results[case["name"]] = {"ok": templar.do_template(data, preserve_trailing_newlines=True, escape_backslashes=False)}
    except Exception as e:  # the comparison only needs to know that Ansible refused it
        results[case["name"]] = {"error": "%s: %s" % (type(e).__name__, e)}
json.dump(results, sys.stdout)

#!/bin/sh
# ansible.sh again on the oldest ansible-core the collection's
# meta/runtime.yml allows (requires_ansible: ">=2.16.0"): every check,
# ansible-test sanity included, with ansible-core 2.16 in its own venv
# (target/ansible-venv-2.16, reused across runs).
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/../.." && pwd)
ANSIBLE_VENV=${ANSIBLE_OLDEST_VENV:-$top/target/ansible-venv-2.16}
ANSIBLE_CORE_SPEC=${ANSIBLE_OLDEST_CORE_SPEC:-ansible-core>=2.16,<2.17}
export ANSIBLE_VENV ANSIBLE_CORE_SPEC
exec "$here/ansible.sh"

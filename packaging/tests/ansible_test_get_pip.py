"""Stands in for the pip bootstrap script ansible-test downloads
(get-pip-<version>.py from a host that is not PyPI, which CI cannot reach).
packaging/tests/ansible.sh puts it where ansible-test looks for its cached
copy (~/.ansible/test/cache/get_pip_<version>.py of the HOME it gives
ansible-test). It installs the pip that Python bundles (ensurepip), then
runs `pip install` with the bootstrap's arguments, which name the pip
version ansible-test wants (from PyPI, as every other requirement)."""

import ensurepip
import os
import subprocess
import sys

# get-pip options that `pip install` does not know: packages not to keep.
GET_PIP_ONLY = {"--no-setuptools": "setuptools", "--no-wheel": "wheel"}

config = os.environ.get("PIP_CONFIG_FILE")
ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at /dev/null and leaves it so; pip's
# own configuration (index, certificates) must apply to what follows.
if config is None:
    os.environ.pop("PIP_CONFIG_FILE", None)
else:
    os.environ["PIP_CONFIG_FILE"] = config
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
rc = subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args)
unwanted = [GET_PIP_ONLY[a] for a in sys.argv[1:] if a in GET_PIP_ONLY]
if rc == 0 and unwanted:
    rc = subprocess.call([sys.executable, "-m", "pip", "uninstall", "-q", "-y"] + unwanted)
sys.exit(rc)

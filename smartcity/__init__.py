"""smartcity: the yearly Smart City self-assessment of an Indonesian local government.

The app factory lives in `smartcity.factory`; this package import stays free of
Flask so that the pure domain core (`smartcity.domain`) can be used on its own.
"""

import warnings

# Third-party warnings an operator must not see before every `flask` command, each silenced
# only for the module that raises it (the test suite lists the same in pyproject.toml):
# - pyHanko imports cryptography's DSA types to recognise DSA keys, and cryptography 48+ warns
#   on that import; this app never makes or accepts a DSA key.
warnings.filterwarnings(
    "ignore",
    message="DSA is deprecated",
    module=r"pyhanko(\.|$)",
)

"""Exit codes shared by every headless command (a contract for scripts)."""

OK = 0  # the operation succeeded
REFUSED = 1  # the server refused the operation (not found, wrong state, no right...)
NOT_AUTHENTICATED = 2  # missing, expired or rejected credentials
USAGE = 3  # bad command line or invalid configuration
UNREACHABLE = 4  # network, DNS, TLS or proxy failure: the server could not be reached
DUE = 5  # `kms-tui due`: something needs attention (expiring, expired, compromised partner, open grant)
DIFFERENT = 5  # `kms-tui diff`: the two servers differ (the same code: something needs a look)

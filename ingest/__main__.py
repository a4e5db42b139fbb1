import sys

from .cli import main

try:
    raise SystemExit(main())
except KeyboardInterrupt:
    # Ctrl-C before the command's own handling (e.g. while importing the model): no traceback.
    print("interrupted", file=sys.stderr)
    raise SystemExit(130) from None

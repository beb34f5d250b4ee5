import sys

from .cli import main

if __name__ == "__main__":  # (a helper process started by spawn or forkserver imports this too)
    sys.exit(main())

"`python -m svge ...` runs the `svge` command."
from svge.cli import main

if __name__ == '__main__':
    raise SystemExit(main())

"`python -m svge ...` runs the `svge` command (and `torchrun ... -m svge ...` launches it in several processes)."
from svge.cli import main

if __name__ == '__main__':
    raise SystemExit(main())

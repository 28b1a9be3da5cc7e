"""`python -m claims.cli`, as the `claims` script."""
from claims.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()

"""What dbt's ``modules`` renders to when sqlfluff lints the models (read only by the linter)."""

import re

__all__ = ["re"]

"""Import elections, candidates, pledges, evidence and rulings from a JSON file or a CSV.

The entry points the views and the CLI use; the work is in the modules beside this one.
"""

from pledges.importing.writing import (
    CSV_COLUMNS,
    KEYWORD_SEPARATOR,
    ImportSummary,
    import_csv,
    import_data,
    validate_csv,
    validate_data,
)

__all__ = [
    "CSV_COLUMNS",
    "KEYWORD_SEPARATOR",
    "ImportSummary",
    "import_csv",
    "import_data",
    "validate_csv",
    "validate_data",
]

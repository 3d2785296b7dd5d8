"""Import an SG17 IdM progress report (text export or .docx) as a new source under ``data/``.

>>> from idmgraph.importer import import_report  # doctest: +SKIP
>>> import_report(Settings(root=Path(".")), Path("report.txt")).slug  # doctest: +SKIP
'sg17-idm-report-2024-03'
"""

from idmgraph.importer.run import ImportResult, import_report, read

__all__ = ["ImportResult", "import_report", "read"]

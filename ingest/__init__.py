"""Report ingestion: files -> cleaned text -> passages with offsets -> embeddings -> the store."""
from .pipeline import IngestSummary, Ingestor, PreparedReport, discover, prepare_report
from .readers import ParsedReport, ReportError, read_report

__all__ = [
    "IngestSummary", "Ingestor", "ParsedReport", "PreparedReport", "ReportError", "discover",
    "prepare_report", "read_report",
]

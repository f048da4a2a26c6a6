"""What records become: records.jsonl and the tables (export, store), the report (report, originals,
templates/), the panel across years (panel), the terminal's findings view (findings_view) and the
column labels they share (labels)."""

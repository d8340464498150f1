"""The scan: text out of a file (extract), one normal form (normalize), clauses (segment), the
pattern library (patterns, taxonomy), clause detection (detect) and values (values), run
together by the pipeline (``Scanner``). Nothing here gives advice or renders a report."""

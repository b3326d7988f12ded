"""`make report`: the operators' figures of a period (docs/report.md)."""

"""Roll-up of scored audits into findings, and the Excel workbook writer (the findings issue)."""

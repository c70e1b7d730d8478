"""Case lists (sampling frames), sample designs and draws. Plain Python: no Flask, no database."""

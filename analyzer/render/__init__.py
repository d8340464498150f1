"""How a report reads: the terminal, Markdown and HTML reports (report) and how amounts of
money are written everywhere (money)."""

"""Human-readable reports of analyses: the terminal summary (and, later, HTML)."""

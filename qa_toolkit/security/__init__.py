"""Who may log in, and what each role may reach."""

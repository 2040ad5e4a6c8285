"""Service functions: the business operations views and commands call."""

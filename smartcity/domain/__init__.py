"""Pure domain core: the questionnaire schema and the scoring engine (no Flask, no ORM)."""

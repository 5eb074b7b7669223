"""집계: every aggregate of the 집계 menu, and the reports (PDF, .xlsx, letters) drawn from them."""

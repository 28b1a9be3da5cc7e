"""What comes in and goes out: article readers, URL fetching, JSON Lines, queue planning, CSV and ClaimReview formats."""
